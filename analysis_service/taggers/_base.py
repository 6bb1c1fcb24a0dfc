"""The static tagger plugin contract (seed: src/vm/Orders/taggers/types/Tagger.js,
TaggersStatic.js).

A tagger module in `analysis_service/taggers/` (or a user folder) defines one or more
`StaticTagger` subclasses with a `KIND`, the `DESCRIPTIONS` of the tags it writes
(`{name, vals, desc}`, paraclient's get_tags) and `tags(entry, ctx)`, which reads flags
through `ctx` and returns the entry's tags (or None for none).

Static tags are computed once per entry: at phase end for market entries, at trigger time
for limit entries, from the tickers' *current* flags. The seed's periodic hooks
(staticHourly/Daily/…) are empty in every static tagger and are not ported.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from analysis_service.engine.flags import FlagStore
from analysis_service.entries.entry import Entry, Tag, TagDescription

# Tags are frozen: the common pass/fail ones are shared rather than built per entry
PASS = Tag("P")
FAIL = Tag("F")


class TagContext:
    """What a tagger sees: every ticker's current flags, and the entries made so far."""

    __slots__ = ("entries", "flags")

    def __init__(self, flags: FlagStore, entries: Sequence[Entry] = ()) -> None:
        self.flags = flags
        self.entries = entries

    def flag(self, symbol: str, timeframe: str, name: str) -> Any:
        """The raw value (None when the ticker or flag is absent), like the seed's
        `getFlagValueByST` / `getTickerFlag`: no falsy filtering."""
        t = self.flags.tickers.get(f"{symbol}-{timeframe}")
        if t is None:
            return None
        return t.get(name)


class StaticTagger:
    KIND: ClassVar[str] = ""
    DESCRIPTIONS: ClassVar[tuple[TagDescription, ...]] = ()

    def tags(self, entry: Entry, ctx: TagContext) -> dict[str, Tag] | None:
        raise NotImplementedError
