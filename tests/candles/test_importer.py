from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest

from candle_service.candles import CandleColumns
from candle_service.importer import import_files, parse_kline_csv
from candle_service.store import CandleStore
from candle_service.timeframes import MINUTE_MS

from .helpers import T0, series

HEADER = (
    "open_time,open,high,low,close,volume,close_time,quote_volume,count,"
    "taker_buy_volume,taker_buy_quote_volume,ignore\n"
)


def kline_csv(cols: CandleColumns, header: bool, micros: bool) -> str:
    k = 1000 if micros else 1
    lines = [HEADER] if header else []
    for i in range(len(cols)):
        prices = ",".join(repr(float(getattr(cols, f)[i])) for f in ("open", "high", "low", "close", "volume"))
        taker = f"{float(cols.taker_buy_base[i])!r},{float(cols.taker_buy_quote[i])!r}"
        lines.append(
            f"{cols.open_time[i] * k},{prices},{(cols.close_time[i] + 1) * k - 1},"
            f"{float(cols.quote_volume[i])!r},{cols.trades[i]},{taker},0\n"
        )
    return "".join(lines)


@pytest.mark.parametrize("header", [True, False])
@pytest.mark.parametrize("micros", [True, False])
@pytest.mark.parametrize("zipped", [True, False])
def test_import_variants(store: CandleStore, symbol: str, tmp_path: Path, header: bool, micros: bool,
                         zipped: bool) -> None:  # fmt: skip
    cols = series(symbol, "1m", [T0 + i * MINUTE_MS for i in range(300)])
    text = kline_csv(cols, header, micros)
    name = f"{symbol}-1m-2024-01"
    if zipped:
        path = tmp_path / f"{name}.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(f"{name}.csv", text)
    else:
        path = tmp_path / f"{name}.csv"
        path.write_text(text)
    result = import_files(store, [path], symbol, "1m")
    assert (result.files, result.rows) == (1, 300)
    assert (result.first_open_time, result.last_open_time) == (T0, T0 + 299 * MINUTE_MS)
    assert store.read(symbol, "1m") == cols
    # importing again, plus an overlapping second file, never duplicates
    second = series(symbol, "1m", [T0 + i * MINUTE_MS for i in range(200, 400)], seed=9)
    path2 = tmp_path / f"{symbol}-1m-2024-02.csv"
    path2.write_text(kline_csv(second, header, micros))
    assert import_files(store, [path, path2], symbol, "1m").rows == 500
    got = store.read(symbol, "1m")
    assert len(got) == 400
    assert store.missing_ranges(symbol, "1m", T0, T0 + 400 * MINUTE_MS) == []


def test_parse_keeps_ms_precision_and_values() -> None:
    cols = series("BTCUSDT", "1h", [T0, T0 + 3_600_000])
    parsed = parse_kline_csv(kline_csv(cols, True, True).encode(), "BTCUSDT", "1h")
    assert parsed == cols
    assert parsed.close_time.tolist() == [T0 + 3_599_999, T0 + 7_199_999]
    assert len(parse_kline_csv(b"", "BTCUSDT", "1h")) == 0


def test_import_rejects_bad_input(store: CandleStore, symbol: str, tmp_path: Path) -> None:
    cols = series(symbol, "5m", [T0, T0 + 300_000])
    wrong_tf = tmp_path / "x.csv"
    wrong_tf.write_text(kline_csv(cols, False, False))
    with pytest.raises(ValueError, match=r"^paths: .* does not hold 1m candles"):
        import_files(store, [wrong_tf], symbol, "1m")
    named = tmp_path / "ETHUSDT-1m-2024-01.csv"
    named.write_text(kline_csv(cols, False, False))
    with pytest.raises(ValueError, match=r"^paths: .* is named for ETHUSDT-1m"):
        import_files(store, [named], symbol, "1m")
    garbage = tmp_path / "g.csv"
    garbage.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match=r"^paths: "):
        import_files(store, [garbage], symbol, "5m")
    empty_zip = tmp_path / "e.zip"
    with zipfile.ZipFile(empty_zip, "w") as zf:
        zf.writestr("readme.txt", "x")
    with pytest.raises(ValueError, match=r"^paths: .* holds no .csv"):
        import_files(store, [empty_zip], symbol, "5m")
    with pytest.raises(ValueError, match=r"^paths: .* is not a file"):
        import_files(store, [tmp_path / "missing.zip"], symbol, "5m")
    with pytest.raises(ValueError, match=r"^paths: no files"):
        import_files(store, [], symbol, "5m")
    with pytest.raises(ValueError, match=r"^timeframe:"):
        import_files(store, [wrong_tf], symbol, "5x")
    with pytest.raises(ValueError, match=r"^symbol:"):
        import_files(store, [wrong_tf], "btc", "5m")
    assert store.count(symbol, "1m") == 0 and store.count(symbol, "5m") == 0
    assert np.all(store.read(symbol, "5m").open_time == np.array([], dtype=np.int64))
