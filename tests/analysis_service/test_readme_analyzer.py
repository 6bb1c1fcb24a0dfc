"""The analyzer example in the README works as written, loaded as a user plugin."""

from __future__ import annotations

import re
from pathlib import Path

from analysis_service.engine.candle import Candle
from analysis_service.engine.engine import Engine, SymbolInfo
from analysis_service.engine.registry import default_registry
from tests.conftest import ROOT


def test_readme_example_analyzer_runs_as_a_user_plugin(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    code = re.search(r"```python\n(from analysis_service.engine.plugin import.*?)```", readme, re.S)
    assert code, "the README lost its analyzer example"
    (tmp_path / "above_ema.py").write_text(code.group(1))
    registry = default_registry(tmp_path)
    engine = Engine([SymbolInfo("BTCUSDT", 0.1, 1, 3, "0.001")], ["1h"], ["above_ema"], registry=registry)
    ticker = engine.ticker("BTCUSDT", "1h")
    order = [a.id for a in ticker.box]
    assert order[-1] == "above_ema" and order.index("emac20") < order.index("above_ema")
    seen = []
    for i in range(40):
        close = 100.0 + i if i < 30 else 50.0  # rising, then a drop below the EMA
        t = i * 3_600_000
        engine.process_candle(Candle(t, close, close + 1, close - 1, close, 1.0, t + 3_599_999, "BTCUSDT", "1h"))
        seen.append(bool(ticker.flags.get("above_ema")))
    assert seen[1:30] == [True] * 29 and seen[30:] == [False] * 10
