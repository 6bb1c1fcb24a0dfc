"""Chart annotations (seed: src/vm/Processor/CandleDebug.js).

Stored per ticker and per candle open time. Items on candles older than the
ticker's 300-candle window are refused, as in the seed. The store prunes lazily
(only when it has grown past twice the window) to keep the per-candle path cheap.
"""

from __future__ import annotations

from typing import Any

from analysis_service.engine.candle import Candle
from analysis_service.engine.timeframes import tf_length

Annotation = dict[str, Any]


class CandleDebug:
    """Annotations of one ticker."""

    __slots__ = ("enabled", "forgot_before", "items", "series", "snapshots", "source", "window")

    def __init__(self, enabled: bool = True, window: int = 300) -> None:
        self.enabled = enabled
        self.source = "none"
        self.items: dict[int, list[Annotation]] = {}
        # indicator series (flag name, "onchart"|"offchart") read back from flag snapshots
        self.series: list[tuple[str, str]] = []
        self.snapshots: dict[int, dict[str, Any]] = {}
        self.forgot_before = -1
        self.window = window

    def _add(self, candle: Candle, entry: Annotation) -> None:
        t = candle.open_time
        if t <= self.forgot_before:
            return
        lst = self.items.get(t)
        if lst is None:
            self.items[t] = [entry]
        else:
            lst.append(entry)

    def forget_before(self, time: int) -> None:
        self.forgot_before = time
        if len(self.items) > 2 * self.window:
            self.items = {k: v for k, v in self.items.items() if k > time}
        if len(self.snapshots) > 2 * self.window:
            self.snapshots = {k: v for k, v in self.snapshots.items() if k > time}

    def get(self, since: int | None = None) -> dict[int, list[Annotation]]:
        """Annotations per candle open time, indicator series first (as the seed's box order
        usually draws them), then the drawn items."""
        lo = self.forgot_before if since is None else max(since - 1, self.forgot_before)
        out: dict[int, list[Annotation]] = {}
        for t in sorted(self.snapshots.keys() | self.items.keys()):
            if t <= lo:
                continue
            lst: list[Annotation] = []
            flags = self.snapshots.get(t)
            if flags is not None:
                for name, kind in self.series:
                    if name in flags:
                        lst.append({"type": kind, "name": name, "value": flags[name]})
            lst.extend(self.items.get(t, ()))
            out[t] = lst
        return out

    def on_chart(self, candle: Candle, name: str, value: Any) -> None:
        if self.enabled:
            self._add(candle, {"type": "onchart", "name": name, "value": value})

    def off_chart(self, candle: Candle, name: str, value: Any) -> None:
        if self.enabled:
            self._add(candle, {"type": "offchart", "name": name, "value": value})

    def circle(
        self, candle: Candle, price: float, color: str = "white", radius: float = 1, alpha: float | None = None
    ) -> None:
        if self.enabled:
            e: Annotation = {
                "type": "circle",
                "color": color,
                "from": [candle.open_time, price],
                "radius": radius,
                "src": self.source,
            }
            if alpha is not None:
                e["alpha"] = alpha
            self._add(candle, e)

    def circle_high(self, candle: Candle, color: str = "white", radius: float = 1) -> None:
        self.circle(candle, candle.high, color, radius)

    def circle_low(self, candle: Candle, color: str = "white", radius: float = 1) -> None:
        self.circle(candle, candle.low, color, radius)

    def circle_middle(
        self, candle: Candle, color: str = "white", radius: float = 1, alpha: float | None = None
    ) -> None:
        self.circle(candle, candle.low + (candle.high - candle.low) / 2, color, radius, alpha)

    def line(self, candle: Candle, **params: Any) -> None:
        if not self.enabled:
            return
        red = candle.open > candle.close
        y = candle.high if red else candle.low
        e: Annotation = {
            "type": "line",
            "color": "red" if red else "green",
            "width": 2,
            "x0": candle.open_time,
            "y0": y,
            "x1": candle.open_time + tf_length(candle.timeframe) * 3,
            "y1": y,
            "src": self.source,
        }
        e.update(params)
        self._add(candle, e)

    def hline(self, candle: Candle, y: float, **params: Any) -> None:
        self.line(candle, **params, y0=y, y1=y)

    def label_top(self, candle: Candle, label: str) -> None:
        if self.enabled:
            self._add(candle, {"type": "label", "position": "top", "label": label, "src": self.source})

    def label_bottom(self, candle: Candle, label: str) -> None:
        if self.enabled:
            self._add(candle, {"type": "label", "position": "bottom", "label": label, "src": self.source})

    def entry(self, candle: Candle, entry_price: float, take_profit: float, stop_loss: float) -> None:
        if self.enabled:
            self._add(
                candle,
                {
                    "type": "entry",
                    "src": "entries",
                    "ep": entry_price,
                    "tp": take_profit,
                    "sl": stop_loss,
                    "by": self.source,
                },
            )
