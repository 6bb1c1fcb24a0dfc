"""Exchange gaps are recorded, reported and never invented; kline files import through the RPC."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from parayok.v1 import candles_pb2, common_pb2

from .conftest import candle_stack

M1, H1 = common_pb2.TIMEFRAME_1M, common_pb2.TIMEFRAME_1H
MIN = 60_000
T0 = 1_767_484_800_000  # 2026-01-04 00:00 UTC


def write_klines(path: Path, open_times: list[int], header: bool = False, micro: bool = False) -> None:
    lines = ["open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,"
             "taker_buy_quote_volume,ignore"] if header else []
    scale = 1000 if micro else 1
    for i, t in enumerate(open_times):
        price = 100 + (i % 7)
        lines.append(f"{t * scale},{price},{price + 1},{price - 1},{price + 0.5},{10 + i},{(t + MIN - 1) * scale},"
                     f"{1000 + i},{5},{4},{400},0")
    path.write_text("\n".join(lines) + "\n")


async def test_a_hole_at_the_exchange_is_recorded_and_never_invented(tmp_path: Path) -> None:
    replay = tmp_path / "replay"
    replay.mkdir()
    minutes = [T0 + i * MIN for i in range(24 * 60) if not 600 <= i < 660]  # 10:00–11:00 missing
    write_klines(replay / "BTCUSDT-1m-2026-01-04.csv", minutes)
    async with candle_stack(tmp_path / "store", data_dir=str(replay), symbols=["BTCUSDT"],
                            ) as stack:
        await stack.sim.admin.step(minutes=0)
        got: list[int] = []
        async for b in stack.stub.GetCandles(candles_pb2.GetCandlesRequest(
                symbol="BTCUSDT", timeframe=M1, from_ms=T0, to_ms=T0 + 86_400_000)):
            got.extend(b.open_time)
        assert got == minutes
        gaps = stack.store.known_gaps("BTCUSDT", "1m")
        assert [(g.start, g.end) for g in gaps] == [(T0 + 600 * MIN, T0 + 660 * MIN)]
        assert stack.store.missing_ranges("BTCUSDT", "1m", T0, T0 + 86_400_000) == []
        # A pulse stream over the hole reports it and skips the minutes, inventing nothing.
        pulses: list[int] = []
        async for event in stack.stub.StreamPulses(candles_pb2.StreamPulsesRequest(
                symbols=["BTCUSDT"], timeframes=[M1], from_ms=T0 + 590 * MIN, to_ms=T0 + 670 * MIN)):
            if event.HasField("pulses"):
                pulses.extend(event.pulses.pulse_time)
        assert len(pulses) == 20
        assert T0 + 600 * MIN + MIN - 1 not in pulses


async def test_import_rpc_with_csv_variants_and_derivation(tmp_path: Path) -> None:
    a = tmp_path / "SOLUSDT-1m-2026-01-03.csv"
    b = tmp_path / "SOLUSDT-1m-2026-01-04.csv"
    write_klines(a, [T0 - 86_400_000 + i * MIN for i in range(1440)], header=True)
    write_klines(b, [T0 + i * MIN for i in range(1440)], micro=True)
    async with candle_stack(tmp_path / "store") as stack:
        reply = await stack.stub.ImportCandles(candles_pb2.ImportCandlesRequest(
            paths=[str(a), str(b)], symbol="SOLUSDT", timeframe=M1, derive_higher=True, derive_timeframes=[H1]))
        assert reply.rows_stored == 2880
        assert reply.first_open_time == T0 - 86_400_000 and reply.last_open_time == T0 + 1439 * MIN
        assert list(reply.derived) == [H1]
        hours = stack.store.read("SOLUSDT", "1h", T0, T0 + 86_400_000)
        minutes = stack.store.read("SOLUSDT", "1m", T0, T0 + 3_600_000)
        assert len(hours) == 24
        assert hours.high[0] == minutes.high.max() and hours.low[0] == minutes.low.min()
        assert hours.open[0] == minutes.open[0] and hours.close[0] == minutes.close[-1]
        assert np.isclose(hours.volume[0], minutes.volume.sum())
