"""One uninterrupted reference run of the fixed market, shared by every comparison of the session.

Under pytest-xdist each worker is its own process: the first one to ask runs the reference while
holding a lock in the session's shared temporary folder and leaves its snapshot there; the others
wait for the lock and read it (or the error it failed with)."""

from __future__ import annotations

import asyncio
import fcntl
import json
from pathlib import Path

import pytest

from tests.e2e.harness import Run, Snapshot, run_suite


class Reference:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._run: Run | None = None

    async def get(self) -> Run:
        if self._run is None:
            self.root.mkdir(parents=True, exist_ok=True)
            done, failed = self.root / "reference.json", self.root / "reference.error"
            with (self.root / "reference.lock").open("w") as lock:
                await asyncio.to_thread(fcntl.flock, lock, fcntl.LOCK_EX)  # held while the reference runs
                try:
                    if not done.exists() and not failed.exists():
                        try:
                            run = await run_suite(self.root / "reference", backtest=True)
                        except BaseException as exc:
                            failed.write_text(f"{type(exc).__name__}: {exc}")
                            raise
                        assert run.backtest is not None
                        done.write_text(json.dumps({"live": run.live.to_json(), "backtest": run.backtest.to_json(),
                                                    "faults_left": run.faults_left}))
                finally:
                    fcntl.flock(lock, fcntl.LOCK_UN)
            if failed.exists():
                raise AssertionError(f"the reference run failed: {failed.read_text()}")
            data = json.loads(done.read_text())
            self._run = Run(Snapshot.from_json(data["live"]), Snapshot.from_json(data["backtest"]),
                            data["faults_left"])
        return self._run


@pytest.fixture(scope="session")
def reference(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Reference:
    """The uninterrupted run; ``await reference.get()`` runs it on first use (once per session)."""
    base = tmp_path_factory.getbasetemp()
    return Reference((base.parent if worker_id != "master" else base) / "e2e-reference")
