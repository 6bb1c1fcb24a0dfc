"""``python -m parayok up``: every service as a child process, kept alive.

Starts each service, waits until each reports SERVING (gRPC health, or ``/healthz`` over HTTP),
prints one table, restarts a child that dies (exponential backoff from tenacity, reset after a
stable run) and on SIGTERM/SIGINT stops every child. Children die with the supervisor even when it
is killed outright (``PR_SET_PDEATHSIG``), so no orphan outlives it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import sys
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import aiohttp
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    RetryError,
    retry_if_exception_type,
    stop_after_delay,
    wait_exponential,
    wait_fixed,
)

from parayok.bootstrap import wait_serving
from parayok.services import SERVICES
from parayok.settings import SupervisorSettings

log = logging.getLogger("parayok.supervisor")

# A child that ran at least this long before dying is restarted at once; quicker deaths back off.
STABLE_RUN_S = 30.0
STOP_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class ChildSpec:
    name: str
    argv: tuple[str, ...]
    addr: str
    health: str  # "grpc" or an HTTP URL that answers 200 when healthy


@dataclass
class Child:
    spec: ChildSpec
    proc: asyncio.subprocess.Process | None = None
    started_at: float = 0.0
    restarts: int = 0
    healthy: asyncio.Event = field(default_factory=asyncio.Event)


class ChildExited(Exception):
    def __init__(self, name: str, code: int | None, uptime: float) -> None:
        super().__init__(f"{name} exited with code {code} after {uptime:.1f} s")
        self.code = code
        self.uptime = uptime


class NotHealthy(Exception):
    pass


def default_children(settings: SupervisorSettings) -> list[ChildSpec]:
    """The suite: exchange_sim first when the market is simulated, then the six services."""
    py = sys.executable
    children: list[ChildSpec] = []
    if settings.market == "sim":
        sim_url = settings.sim_url
        url = urlparse(sim_url)
        argv: tuple[str, ...] = (py, "-m", "exchange_sim", "--host", url.hostname or "127.0.0.1",
                "--port", str(url.port or 8765), "--speed", str(settings.sim_speed), "--no-access-log")
        if settings.sim_start:
            argv += ("--start", settings.sim_start)
        children.append(
            ChildSpec(
                "exchange_sim",
                argv,
                f"{url.hostname}:{url.port}",
                f"{sim_url.rstrip('/')}/fapi/v1/ping",
            )
        )
    for spec in SERVICES:
        addr = settings.listen_addr(spec.name)
        health = "grpc" if spec.grpc_services else f"http://{addr}/healthz"
        children.append(ChildSpec(spec.module, (py, "-m", spec.module), addr, health))
    return children


def dies_with_parent(argv: Sequence[str]) -> list[str]:
    """``argv``, run so that the kernel SIGTERMs it when the process (the thread) starting it dies.

    The supervisor starts its children so; tests and benches start the supervisor or services so, so a
    killed test run leaves no suite behind. util-linux's ``setpriv --pdeathsig`` sets the signal and execs
    ``argv`` (same pid); where it is missing (not Linux) ``argv`` runs as is.

    Not a ``preexec_fn`` calling prctl: any preexec_fn makes CPython fork() instead of vfork(), and a fork of
    a process with gRPC's threads runs gRPC's fork handlers in the child, which can deadlock before exec —
    and the parent with it, blocked in Popen for good (grpc/grpc#37259, #43055; a CI run hung so).
    """
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "TERM", "--", *argv] if setpriv else list(argv)


class Supervisor:
    def __init__(self, specs: Sequence[ChildSpec], env: dict[str, str] | None = None,
                 out: Callable[[str], Any] = print,
                 after_ready: Callable[[asyncio.Event], Coroutine[Any, Any, None]] | None = None,
                 log_dir: Path | None = None) -> None:
        self.children = [Child(spec) for spec in specs]
        self.env = env if env is not None else dict(os.environ)
        self.out = out
        self.after_ready = after_ready  # e.g. the terminal dashboard, stopped with the suite
        self.log_dir = log_dir  # children's stderr goes to <log_dir>/<name>.log when set
        self.stopping = asyncio.Event()

    async def run(self, ready_timeout: float = 60.0) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self.stopping.set)
        started = time.monotonic()
        tasks = [asyncio.create_task(self._supervise(child), name=child.spec.name) for child in self.children]
        try:
            ready: asyncio.Future[Any] = asyncio.ensure_future(
                asyncio.gather(*(c.healthy.wait() for c in self.children)))
            stop_wait: asyncio.Future[Any] = asyncio.ensure_future(self.stopping.wait())
            done, _ = await asyncio.wait({ready, stop_wait}, timeout=ready_timeout,
                                         return_when=asyncio.FIRST_COMPLETED)
            ready.cancel()
            stop_wait.cancel()
            if not self.stopping.is_set():
                if not done:
                    slow = [c.spec.name for c in self.children if not c.healthy.is_set()]
                    log.error("not healthy in time", extra={"event": "startup_timeout", "children": slow})
                else:
                    log.info("suite ready", extra={"event": "suite_ready",
                                                   "startup_s": round(time.monotonic() - started, 2)})
                self.out(self.table())
            if self.after_ready is not None and not self.stopping.is_set():
                tasks.append(asyncio.create_task(self.after_ready(self.stopping), name="after_ready"))
            await self.stopping.wait()
        finally:
            self.stopping.set()
            await self._stop_all()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            log.info("suite stopped", extra={"event": "suite_stopped"})

    def table(self) -> str:
        rows = [("SERVICE", "ADDRESS", "PID", "STATE")]
        for c in self.children:
            pid = str(c.proc.pid) if c.proc else "-"
            rows.append((c.spec.name, c.spec.addr, pid, "SERVING" if c.healthy.is_set() else "starting"))
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        return "\n".join("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in rows)

    def _backoff(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, ChildExited) and exc.uptime >= STABLE_RUN_S:
            return 0.2
        return float(wait_exponential(multiplier=0.5, min=0.5, max=30)(state))

    def _log_restart(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        log.warning("child died; restarting", extra={"event": "child_died", "reason": str(exc),
                                                     "restart_in_s": round(wait, 2)})

    async def _supervise(self, child: Child) -> None:
        retrying = AsyncRetrying(
            wait=self._backoff,
            retry=retry_if_exception_type(ChildExited),
            before_sleep=self._log_restart,
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                await self._run_once(child)

    async def _run_once(self, child: Child) -> None:
        if self.stopping.is_set():
            return
        child.healthy.clear()
        stderr: Any = None
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            stderr = (self.log_dir / f"{child.spec.name}.log").open("ab")
        try:
            child.proc = await asyncio.create_subprocess_exec(
                *dies_with_parent(child.spec.argv), env=self.env, start_new_session=True, stderr=stderr,
            )
        finally:
            if stderr is not None:
                stderr.close()  # the child holds its own copy
        if child.started_at:
            child.restarts += 1
        child.started_at = time.monotonic()
        log.info("child started", extra={"event": "child_started", "child": child.spec.name,
                                         "pid": child.proc.pid, "restarts": child.restarts})
        health = asyncio.create_task(self._await_health(child))
        code = await child.proc.wait()
        health.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await health
        if not self.stopping.is_set():
            raise ChildExited(child.spec.name, code, time.monotonic() - child.started_at)

    async def _await_health(self, child: Child) -> None:
        try:
            if child.spec.health == "grpc":
                await wait_serving(child.spec.addr, timeout=120.0)
            else:
                await wait_http_ok(child.spec.health, timeout=120.0)
        except TimeoutError:
            log.error("child never became healthy", extra={"event": "child_unhealthy",
                                                           "child": child.spec.name})
            return
        child.healthy.set()
        log.info("child serving", extra={"event": "child_serving", "child": child.spec.name,
                                         "pid": child.proc.pid if child.proc else None})

    async def _stop_all(self) -> None:
        running = [c.proc for c in self.children if c.proc and c.proc.returncode is None]
        for proc in running:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
        if not running:
            return
        _, pending = await asyncio.wait([asyncio.create_task(p.wait()) for p in running],
                                        timeout=STOP_TIMEOUT_S)
        if pending:
            for proc in running:
                if proc.returncode is None:
                    log.warning("child ignored SIGTERM; killing", extra={"event": "child_killed",
                                                                          "pid": proc.pid})
                    with contextlib.suppress(ProcessLookupError):
                        proc.kill()
            await asyncio.gather(*(p.wait() for p in running), return_exceptions=True)


async def wait_http_ok(url: str, timeout: float) -> None:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=1.0)) as session:
        try:
            async for attempt in AsyncRetrying(
                stop=stop_after_delay(timeout), wait=wait_fixed(0.1),
                retry=retry_if_exception_type((NotHealthy, aiohttp.ClientError, asyncio.TimeoutError)),
            ):
                with attempt:
                    async with session.get(url) as resp:
                        if resp.status != 200:
                            raise NotHealthy(f"{url}: HTTP {resp.status}")
        except RetryError as exc:
            raise TimeoutError(f"{url} not healthy after {timeout} s") from exc
