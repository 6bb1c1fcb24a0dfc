"""web_bridge under load: 200 concurrent Socket.IO clients each requesting get_chart of 1,000 candles in
a loop (p50/p99 latency, replies/s), then the same clients with a think time between requests (a second
figure: the closed loop is saturated by design), then push fan-out of one entry event to the 200 clients
(p99 delivery latency).

    .venv/bin/python bench/web_bridge.py [--clients 200] [--seconds 10] [--think 0.25] [--pushes 20]

Three processes: the backends (the real candle_service on exchange_sim with a chDB store in a temporary
folder, plus the gRPC doubles of analysis/order/broker services from tests/web), the bridge itself
(``python -m web_bridge``), and this one, which runs minimal Socket.IO v4 websocket clients (they do not
decode the replies: on a 2-core machine the clients share the CPU with the bridge).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import free_port  # noqa: E402


async def serve_backends(info_file: str) -> None:
    """Process A: candle_service + doubles + a /publish endpoint that pushes an entry event."""
    from parayok.v1 import analysis_pb2_grpc, broker_pb2_grpc, orders_pb2, orders_pb2_grpc
    from tests.web.conftest import candle_stack
    from tests.web.doubles import (
        E_ACTIVE,
        AnalysisDouble,
        BrokerDouble,
        Calls,
        DoubleServer,
        OrderDouble,
    )

    calls = Calls()
    analysis, orders, broker = AnalysisDouble(calls), OrderDouble(calls), BrokerDouble(calls)
    with tempfile.TemporaryDirectory() as tmp:
        async with candle_stack(Path(tmp)) as candles:
            servers = [
                DoubleServer(f"127.0.0.1:{free_port()}",
                             lambda s: analysis_pb2_grpc.add_AnalysisServiceServicer_to_server(analysis, s)),
                DoubleServer(f"127.0.0.1:{free_port()}",
                             lambda s: orders_pb2_grpc.add_OrderServiceServicer_to_server(orders, s)),
                DoubleServer(f"127.0.0.1:{free_port()}",
                             lambda s: broker_pb2_grpc.add_BrokerServiceServicer_to_server(broker, s)),
            ]
            for srv in servers:
                await srv.start()
            counter = [0]

            async def publish(_: aiohttp.web.Request) -> aiohttp.web.Response:
                counter[0] += 1
                orders.events.publish(orders_pb2.OrderEvent(event_id=counter[0], vm_id="vm-main",
                                                            entry_opened=E_ACTIVE))
                return aiohttp.web.Response(text=str(len(orders.events.subscribers)))

            app = aiohttp.web.Application()
            app.router.add_post("/publish", publish)
            runner = aiohttp.web.AppRunner(app)
            await runner.setup()
            admin = free_port()
            await aiohttp.web.TCPSite(runner, "127.0.0.1", admin).start()
            Path(info_file).write_text(json.dumps({
                "candle": candles.addr, "analysis": servers[0].addr, "order": servers[1].addr,
                "broker": servers[2].addr, "admin": f"http://127.0.0.1:{admin}"}))
            await asyncio.Event().wait()


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


class RawClient:
    """A minimal Socket.IO v4 client over one websocket (Engine.IO v4: answers the server's pings).

    The bench measures the bridge: this client only recognises its reply's event name and never decodes
    the ~130 kB chart (python-socketio's client would spend ~5 ms per reply in json.loads, on the same
    2 cores as the bridge)."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.inbox: dict[str, asyncio.Queue[tuple[float, int]]] = {}
        self.reader = asyncio.create_task(self._read())

    @classmethod
    async def connect(cls, http: aiohttp.ClientSession, url: str) -> RawClient:
        ws = await http.ws_connect(f"{url}/socket.io/?EIO=4&transport=websocket", max_msg_size=0)
        opened = await ws.receive_str()
        assert opened.startswith("0{"), opened
        await ws.send_str("40")
        client = cls(ws)
        await asyncio.wait_for(client.queue("__connect").get(), 30)
        return client

    def queue(self, event: str) -> asyncio.Queue[tuple[float, int]]:
        return self.inbox.setdefault(event, asyncio.Queue())

    async def _read(self) -> None:
        async for msg in self.ws:
            data: str = msg.data
            now = time.perf_counter()
            if data == "2":
                await self.ws.send_str("3")
            elif data.startswith("40"):
                self.queue("__connect").put_nowait((now, len(data)))
            elif data.startswith('42["'):
                name = data[4:data.index('"', 4)]
                self.queue(name).put_nowait((now, len(data)))

    async def emit(self, event: str, payload: Any) -> None:
        await self.ws.send_str("42" + json.dumps([event, payload]))

    async def close(self) -> None:
        await self.ws.close()
        self.reader.cancel()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc), to tell the bridge's share from the clients'."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def run(args: argparse.Namespace, info: dict[str, str], url: str, bridge_pid: int) -> None:
    http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
    clients: list[RawClient] = []
    for i in range(0, args.clients, 50):  # connect in waves
        clients.extend(await asyncio.gather(*(RawClient.connect(http, url)
                                              for _ in range(min(50, args.clients - i)))))
    print(f"{len(clients)} clients connected")
    latencies: list[float] = []
    stop_at = 0.0

    async def loop(c: RawClient) -> None:
        q = c.queue("chart")
        while time.perf_counter() < stop_at:
            t0 = time.perf_counter()
            await c.emit("get_chart", {"tickerId": "BTCUSDT-1h"})
            t1, size = await asyncio.wait_for(q.get(), 60)
            assert size > 100_000  # 1,000 candles
            latencies.append((t1 - t0) * 1000)

    stop_at = time.perf_counter() + 1.0  # warm-up
    await asyncio.gather(*(loop(c) for c in clients))
    latencies.clear()
    stop_at = time.perf_counter() + args.seconds
    started = time.perf_counter()
    cpu0, own0, load0 = cpu_seconds(bridge_pid), time.process_time(), os.getloadavg()[0]
    await asyncio.gather(*(loop(c) for c in clients))
    wall = time.perf_counter() - started
    bridge_cpu, own_cpu = cpu_seconds(bridge_pid) - cpu0, time.process_time() - own0
    n = len(latencies)
    print(f"get_chart 1000 candles, {len(clients)} clients, {wall:.1f} s: {n} replies, "
          f"{n / wall:.0f} replies/s, p50 {pct(latencies, 0.5):.1f} ms, "
          f"p99 {pct(latencies, 0.99):.1f} ms, max {max(latencies):.1f} ms")
    # On a 2-core machine the clients compete with the bridge: CPU per reply of each side tells whose the
    # time is, whatever the machine's other load (load average: before → after the loop).
    print(f"  CPU per reply: bridge {bridge_cpu / n * 1e6:.0f} µs ({bridge_cpu / wall:.0%} of a core), "
          f"clients {own_cpu / n * 1e6:.0f} µs ({own_cpu / wall:.0%}); load {load0:.2f} → {os.getloadavg()[0]:.2f}")

    if args.think > 0:
        # The loop above is a closed loop: each client asks again the instant its reply lands, so 200 clients
        # keep the bridge saturated and latency is ~clients / throughput (Little's law), whatever a reply
        # costs. paraclient asks for a chart when its user switches tickers; this second figure gives each
        # client a think time (uniform 0..2×think s) between requests: the latency of a loaded, not
        # saturated, bridge. Same clients, same request, same reply; only the pacing differs.
        latencies.clear()
        rng = random.Random(1)

        async def paced(c: RawClient) -> None:
            q = c.queue("chart")
            await asyncio.sleep(rng.uniform(0, 2 * args.think))
            while time.perf_counter() < stop_at:
                t0 = time.perf_counter()
                await c.emit("get_chart", {"tickerId": "BTCUSDT-1h"})
                t1, size = await asyncio.wait_for(q.get(), 60)
                assert size > 100_000
                latencies.append((t1 - t0) * 1000)
                await asyncio.sleep(rng.uniform(0, 2 * args.think))

        stop_at = time.perf_counter() + args.seconds
        started = time.perf_counter()
        await asyncio.gather(*(paced(c) for c in clients))
        wall = time.perf_counter() - started
        print(f"get_chart with {args.think:g} s mean think time, {len(clients)} clients, {wall:.1f} s: "
              f"{len(latencies)} replies, {len(latencies) / wall:.0f} replies/s, p50 {pct(latencies, 0.5):.1f} ms, "
              f"p99 {pct(latencies, 0.99):.1f} ms, max {max(latencies):.1f} ms")

    delivery: list[float] = []
    for _ in range(args.pushes):  # push fan-out: one entry_opened event to every client
        t0 = time.perf_counter()
        async with http.post(f"{info['admin']}/publish") as r:
            await r.text()
        got = await asyncio.wait_for(asyncio.gather(*(c.queue("entry_opened").get() for c in clients)), 30)
        delivery.extend((t - t0) * 1000 for t, _ in got)
        await asyncio.sleep(0.05)
    print(f"push fan-out to {len(clients)} clients x {args.pushes} events: p50 {pct(delivery, 0.5):.1f} ms, "
          f"p99 {pct(delivery, 0.99):.1f} ms, max {max(delivery):.1f} ms")
    await asyncio.gather(*(c.close() for c in clients))
    await http.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--pushes", type=int, default=20)
    parser.add_argument("--think", type=float, default=0.25,
                        help="mean think time of the second, paced figure (0: skip it)")
    parser.add_argument("--serve-backends", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_backends:
        asyncio.run(serve_backends(args.serve_backends))
        return
    with tempfile.TemporaryDirectory() as tmp:
        info_file = Path(tmp) / "backends.json"
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
                   PARAYOK_LOG_LEVEL="WARNING")
        backends = subprocess.Popen([sys.executable, __file__, "--serve-backends", str(info_file)], env=env,
                                    stderr=subprocess.DEVNULL)
        bridge: subprocess.Popen[bytes] | None = None
        try:
            deadline = time.time() + 120
            while not info_file.exists():
                if time.time() > deadline or backends.poll() is not None:
                    raise SystemExit("backends did not start")
                time.sleep(0.1)
            time.sleep(0.2)
            info = json.loads(info_file.read_text())
            port = free_port()
            bridge_env = dict(env, PARAYOK_CANDLE_ADDR=info["candle"], PARAYOK_ANALYSIS_ADDR=info["analysis"],
                              PARAYOK_ORDER_ADDR=info["order"], PARAYOK_BROKER_ADDR=info["broker"],
                              PARAYOK_WEB_ADDR=f"127.0.0.1:{port}")
            bridge = subprocess.Popen([sys.executable, "-m", "web_bridge"], cwd=ROOT, stderr=subprocess.DEVNULL,
                                      env=bridge_env)
            url = f"http://127.0.0.1:{port}"

            async def wait_up() -> None:
                async with aiohttp.ClientSession() as http:
                    for _ in range(200):
                        try:
                            async with http.get(f"{url}/healthz") as r:
                                if r.status == 200 and (await r.json())["streams"]["orders"]:
                                    return
                        except aiohttp.ClientError:
                            pass
                        await asyncio.sleep(0.1)
                raise SystemExit("bridge did not start")

            bridge_pid = bridge.pid

            async def go() -> Any:
                await wait_up()
                await run(args, info, url, bridge_pid)

            print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}")
            asyncio.run(go())
        finally:
            for proc in (bridge, backends):
                if proc is not None:
                    proc.send_signal(signal.SIGTERM)
                    try:
                        proc.wait(10)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                        proc.wait()


if __name__ == "__main__":
    main()
