"""Trading sessions SYD/TOK/LON/NYC by the UTC hour of the entry's time, and WRK (fails
Saturday and Sunday) (seed: src/vm/Orders/taggers/list_static/sessions.js).

The seed's WRK uses the process's local `getDay()`; the reference runs with TZ=UTC, and so
do we: the weekday is taken in UTC.
"""

from __future__ import annotations

import functools

from analysis_service.entries.entry import Entry, Tag, TagDescription
from analysis_service.taggers._base import FAIL, PASS, StaticTagger, TagContext

UTC_HOURS: dict[str, frozenset[int]] = {
    "SYD": frozenset([0, 1, 2, 3, 4, 5, 6, 21, 22, 23]),
    "TOK": frozenset(range(0, 10)),
    "LON": frozenset(range(7, 17)),
    "NYC": frozenset(range(12, 21)),
}

_HOUR_MS = 3_600_000
_DAY_MS = 24 * _HOUR_MS


def utc_hour(time_ms: int) -> int:
    return (time_ms // _HOUR_MS) % 24


def utc_weekday(time_ms: int) -> int:
    """JS getDay() in UTC: 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday)."""
    return (time_ms // _DAY_MS + 4) % 7


@functools.cache
def _tags(hour: int, workday: bool) -> dict[str, Tag]:
    out = {name: PASS if hour in hours else FAIL for name, hours in UTC_HOURS.items()}
    out["WRK"] = PASS if workday else FAIL
    return out


class SessionsTagger(StaticTagger):
    KIND = "sessions"
    DESCRIPTIONS = (
        TagDescription("SYD", ("P", "F"), "Pass (P) if entry is open when Sydney market is active 0-6, 21-23 UTC"),
        TagDescription("TOK", ("P", "F"), "Pass (P) if entry is open when Tokyo market is active 0-9 UTC"),
        TagDescription("LON", ("P", "F"), "Pass (P) if entry is open when London market is active 7-16 UTC"),
        TagDescription("NYC", ("P", "F"), "Pass (P) if entry is open when New York market is active 12-20 UTC"),
        TagDescription("WRK", ("P", "F"), "Pass (P) if entry is open on a work day Mon-Fri, (F) on Sat, Sun"),
    )

    def tags(self, entry: Entry, ctx: TagContext) -> dict[str, Tag] | None:
        return dict(_tags(utc_hour(entry.time), utc_weekday(entry.time) not in (0, 6)))
