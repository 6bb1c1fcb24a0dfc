"""candle_service settings (``PARAYOK_*``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from parayok.settings import ServiceSettings

Market = Literal["binance", "binance-demo", "sim"]


class CandleSettings(ServiceSettings):
    # Empty = embedded chDB under the data dir: chdb:///<data_dir>/clickhouse.
    clickhouse_dsn: str = ""
    market: Market = "binance"
    sim_url: str = "http://127.0.0.1:8765"
    # Live: how long a pulse waits for late candles of other symbols before backfilling them by REST.
    late_candle_wait_ms: int = 10_000
    # Live: closed klines are buffered and stored in one insert this often (and before any store read, and at
    # a graceful stop); a crash loses at most this much, refetched by REST. 0 = one insert per pulse.
    live_flush_ms: int = Field(default=5000, ge=0)
    # Live: an unclosed-kline tick waits up to this long for the other ticks of its burst, so they leave in one
    # message (and after the pulse they came with). 0 = each tick as it comes.
    live_tick_batch_ms: int = Field(default=50, ge=0)

    def store_dsn(self) -> str:
        return self.clickhouse_dsn or f"chdb:///{(self.data_dir / 'clickhouse').resolve()}"
