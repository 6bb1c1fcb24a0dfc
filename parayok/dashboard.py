"""What `make run` shows once the suite is up: one clear line when the market is unreachable, a
progress bar while history loads, then a one-screen live summary refreshed in place.

It reads the services over gRPC like any other client (ListVms, GetReport, ListOrders). Only drawn on a
terminal: when stdout is not a TTY (tests, logs to a file) nothing is printed beyond the supervisor's
table.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import sys
import time
from collections.abc import Callable
from typing import TextIO

import grpc

from parayok.v1 import candles_pb2, candles_pb2_grpc, common_pb2, orders_pb2, orders_pb2_grpc

STATE_NAMES = {
    orders_pb2.VM_STATE_STOPPED: "stopped", orders_pb2.VM_STATE_LOADING: "loading history",
    orders_pb2.VM_STATE_LIVE: "live", orders_pb2.VM_STATE_FINISHED: "finished", orders_pb2.VM_STATE_ERROR: "error",
}


def bar(percent: float, width: int = 30) -> str:
    filled = int(max(0.0, min(percent, 100.0)) / 100 * width)
    return f"[{'#' * filled}{'.' * (width - filled)}] {percent:5.1f}%"


async def market_problem(candle_addr: str, market: str) -> str | None:
    """One line saying the market cannot be reached and how to run offline, or None."""
    async with grpc.aio.insecure_channel(candle_addr) as channel:
        stub = candles_pb2_grpc.CandleServiceStub(channel)
        try:
            await stub.GetSymbolInfo(candles_pb2.GetSymbolInfoRequest(symbol="BTCUSDT"), timeout=30)
        except grpc.aio.AioRpcError as exc:
            if exc.code() == grpc.StatusCode.UNAVAILABLE:
                where = "Binance USDⓈ-M" if market.startswith("binance") else "the exchange simulator"
                return (f"{where} cannot be reached ({exc.details()}). To run offline against the simulator: "
                        f"make run MARKET=sim")
    return None


async def summary(order_addr: str) -> list[str]:
    lines: list[str] = []
    async with grpc.aio.insecure_channel(order_addr) as channel:
        stub = orders_pb2_grpc.OrderServiceStub(channel)
        vms = (await stub.ListVms(orders_pb2.ListVmsRequest(), timeout=5)).vms
        for vm in vms:
            state = STATE_NAMES.get(vm.state, "?")
            head = f"VM {vm.name or vm.id}: {state}"
            if vm.state == orders_pb2.VM_STATE_LOADING:
                head += f"  {bar(vm.progress_percent)}"
            if vm.error:
                head += f"  ({vm.error})"
            lines.append(head)
            lines.append(f"  {', '.join(vm.symbols)}  live trading: {'ON' if vm.live_trading else 'off'}")
            try:
                report = await stub.GetReport(orders_pb2.GetReportRequest(
                    vm_id=vm.id, interval=orders_pb2.REPORT_INTERVAL_DAY), timeout=5)
                entries = await stub.ListEntries(orders_pb2.ListEntriesRequest(
                    vm_id=vm.id, page=common_pb2.PageRequest(page_size=1)), timeout=5)
            except grpc.aio.AioRpcError:
                continue
            t = report.total
            lines.append(f"  entries {entries.total}  orders {t.num_orders} (active {t.num_active})  "
                         f"win {t.ratio:.1f}%  PnL {t.gain:+.2f} USD  max drawdown "
                         f"{report.stats.max_drawdown_usd:.2f} USD")
    return lines


async def run_dashboard(candle_addr: str, order_addr: str, market: str, stop: asyncio.Event,
                        out: TextIO = sys.stdout, interval: float = 2.0,
                        is_tty: Callable[[], bool] | None = None) -> None:
    if not (is_tty or out.isatty)():
        return
    with contextlib.suppress(grpc.aio.AioRpcError, TimeoutError):
        problem = await market_problem(candle_addr, market)
        if problem:
            out.write(problem + "\n")
            out.flush()
    drawn = 0
    while not stop.is_set():  # redraw until the suite stops
        try:
            lines = await summary(order_addr)
        except (grpc.aio.AioRpcError, TimeoutError) as exc:
            lines = [f"order_service: {exc.code().name if isinstance(exc, grpc.aio.AioRpcError) else 'timeout'}"]
        width = shutil.get_terminal_size((100, 20)).columns
        stamp = time.strftime("%H:%M:%S")
        block = [f"PARAYOK {stamp}  (Ctrl-C stops the suite)", *lines]
        # Move up over the previous block and redraw it in place.
        text = (f"\x1b[{drawn}F" if drawn else "") + "".join(f"\x1b[2K{line[:width]}\n" for line in block)
        out.write(text)
        out.flush()
        drawn = len(block)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)


