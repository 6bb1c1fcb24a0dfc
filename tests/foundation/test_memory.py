"""parayok.memory.settle: garbage is collected before the survivors are frozen (a frozen cycle would leak)."""

from __future__ import annotations

import gc
import weakref

from parayok.memory import settle


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def test_settle_collects_garbage_cycles_then_freezes_the_survivors() -> None:
    a, b = Node(), Node()
    a.other, b.other = b, a  # a cycle: only the collector frees it
    dead = weakref.ref(a)
    kept = Node()
    del a, b
    before = gc.get_freeze_count()
    try:
        settle()
        assert dead() is None  # collected, not frozen forever
        assert gc.get_freeze_count() > before and gc.is_tracked(kept)
    finally:
        gc.unfreeze()
