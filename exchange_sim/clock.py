"""Simulation clock: real time, accelerated, or frozen and stepped by the admin API."""

from __future__ import annotations

import time
from collections.abc import Callable


def wall_ms() -> int:
    return int(time.time() * 1000)


class SimClock:
    """now() = anchor + elapsed wall time x speed. speed 0 freezes the clock (stepped mode)."""

    def __init__(self, start_ms: int | None = None, speed: float = 1.0, wall: Callable[[], int] = wall_ms) -> None:
        self._wall = wall
        self._anchor_wall = wall()
        self._anchor_sim = self._anchor_wall if start_ms is None else start_ms
        self.speed = speed

    def now(self) -> int:
        if self.speed == 0:
            return self._anchor_sim
        return self._anchor_sim + int((self._wall() - self._anchor_wall) * self.speed)

    def _reanchor(self) -> None:
        self._anchor_sim = self.now()
        self._anchor_wall = self._wall()

    def set_speed(self, speed: float) -> None:
        if speed < 0:
            raise ValueError("speed must be >= 0")
        self._reanchor()
        self.speed = speed

    def step(self, ms: int) -> int:
        if ms < 0:
            raise ValueError("the clock never goes back")
        self._reanchor()
        self._anchor_sim += ms
        return self._anchor_sim

    def set_time(self, ms: int) -> None:
        if ms < self.now():
            raise ValueError("the clock never goes back")
        self._anchor_sim = ms
        self._anchor_wall = self._wall()
