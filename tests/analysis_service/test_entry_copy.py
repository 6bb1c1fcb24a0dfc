"""Entry.copy is dataclasses.replace(entry): every field equal, the containers shared."""

from __future__ import annotations

import dataclasses

from analysis_service.entries.entry import Entry, Tag


def test_copy_equals_replace() -> None:
    e = Entry.open(
        symbol="BTCUSDT", timeframe="5m", strategy="volrev", type="buy", time=1, entry_price=10.0,
        stop_loss=9.0, take_profit=12.0, is_limit=True,
    )  # fmt: skip
    e.tags = {"X": Tag(1.5, "c")}
    e.flags = {"atr14": 0.5}
    e.seq = 3
    e.update_current_price(11.0)
    e.close(True, 12.0, 99)
    c = e.copy()
    r = dataclasses.replace(e)
    assert c is not e
    for f in dataclasses.fields(Entry):
        assert getattr(c, f.name) == getattr(r, f.name) == getattr(e, f.name), f.name
    assert c.tags is e.tags and c.flags is e.flags
