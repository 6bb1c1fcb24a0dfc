"""Durable state of broker_service: brackets, account events, paper accounts (SQLite, WAL).

Every bracket step and every execution event is committed here before the service acts on it, so a
restart (even after SIGKILL) resumes from what was written. One process owns the file.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from parayok.wal import Checkpointer

from .models import AccountEvent, Bracket, EventKind, now_ms, payload_from, plain

log = logging.getLogger("broker_service.store")

SCHEMA = """
CREATE TABLE IF NOT EXISTS brackets (
    account_id TEXT NOT NULL,
    client_order_id TEXT NOT NULL,
    symbol TEXT NOT NULL,
    position_side TEXT NOT NULL,
    state TEXT NOT NULL,
    stop_cid TEXT NOT NULL DEFAULT '',
    take_cid TEXT NOT NULL DEFAULT '',
    data TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    PRIMARY KEY (account_id, client_order_id)
);
CREATE INDEX IF NOT EXISTS brackets_state ON brackets (account_id, state);
CREATE INDEX IF NOT EXISTS brackets_stop ON brackets (account_id, stop_cid);
CREATE INDEX IF NOT EXISTS brackets_take ON brackets (account_id, take_cid);
CREATE TABLE IF NOT EXISTS events (
    event_id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id TEXT NOT NULL,
    time_ms INTEGER NOT NULL,
    kind TEXT NOT NULL,
    data TEXT NOT NULL,
    handled INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS events_unhandled ON events (account_id, handled);
-- A stream reader asks for one account's events after the last it sent: a seek, not a scan of the account.
CREATE INDEX IF NOT EXISTS events_account ON events (account_id, event_id);
CREATE TABLE IF NOT EXISTS kv (
    account_id TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (account_id, key)
);
"""


class BrokerStore:
    """SQLite in WAL mode. ``FULL``: a commit is on disk before the call that made it returns,
    so it survives a power cut too — except :meth:`relaxed` commits, made durable by a group fsync in a
    worker thread a moment later (or by any later durable commit), and the ones followed by
    ``await`` :meth:`durable`, which waits for that fsync without blocking the event loop.

    The connection itself runs ``synchronous=NORMAL`` (it never fsyncs a commit); this class fsyncs the
    WAL after each commit instead, which is what SQLite's FULL does in WAL mode (one sync of the WAL per
    commit; checkpoints sync the WAL and the database either way) — but it can be done off the event
    loop, and there is no per-commit PRAGMA switching. ``NORMAL`` (the service's default) skips those fsyncs:
    a commit survives a killed process, a power cut may lose the last ones. The broker does not rely on them
    for the no-duplicate guarantee: a bracket request it has no record of is looked up at the exchange by its
    client id before anything is sent, unless the caller first sent it clearly after this start
    (:meth:`broker_service.binance_account.BinanceAccount._may_predate_start`)."""

    def __init__(self, path: Path, synchronous: str = "NORMAL") -> None:
        if synchronous not in ("FULL", "NORMAL"):
            raise ValueError(f"synchronous: FULL or NORMAL, not {synchronous}")
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        # Checkpoints (copy the WAL into the database, an fsync of each) run in a worker thread on a second
        # connection, not inside whichever commit crosses SQLite's 1000-page mark on the event loop.
        self.checkpointer = Checkpointer(self.db, path)
        self.synchronous = synchronous
        self.full = synchronous == "FULL"
        self.db.executescript(SCHEMA)
        self._changed = asyncio.Event()
        self._waiters: set[asyncio.Event] = set()
        self._relaxed_depth = 0
        self._unsynced = False  # commits not yet fsynced
        self._notify_after_sync = False
        self._syncer: asyncio.Task[None] | None = None
        # Durable-commit bookkeeping: every commit gets a number; an fsync covers all numbers up to the
        # last one committed when it started.
        self._commit_no = 0
        self._synced_no = 0
        self._sync_waiters: list[tuple[int, asyncio.Future[None]]] = []
        self._wal_fd = -1
        self.fsyncs = 0
        if self.full:
            # The WAL file exists from the schema's commit on (it stays while the connection is open): make
            # its directory entry durable once, as SQLite would on its first WAL sync, then the schema itself.
            self._sync_now()
            dir_fd = os.open(str(path.parent), os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)

    def close(self) -> None:
        self.checkpointer.close()
        self.db.close()  # the last connection checkpoints the WAL into the database (with fsync)
        if self._wal_fd >= 0:
            os.close(self._wal_fd)
            self._wal_fd = -1

    # -- brackets
    def save_bracket(self, b: Bracket) -> None:
        b.updated_ms = now_ms()
        self.db.execute(
            "INSERT INTO brackets (account_id, client_order_id, symbol, position_side, state, stop_cid, take_cid,"
            " data, created_ms, updated_ms) VALUES (?,?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT (account_id, client_order_id) DO UPDATE SET state=excluded.state,"
            " stop_cid=excluded.stop_cid, take_cid=excluded.take_cid, data=excluded.data,"
            " updated_ms=excluded.updated_ms",
            (
                b.account_id,
                b.client_order_id,
                b.symbol,
                b.position_side,
                b.state,
                b.stop_cid,
                b.take_cid,
                json.dumps(b.to_dict()),
                b.created_ms,
                b.updated_ms,
            ),
        )
        self._committed()

    def bracket(self, account_id: str, client_order_id: str) -> Bracket | None:
        row = self.db.execute(
            "SELECT data FROM brackets WHERE account_id=? AND client_order_id=?", (account_id, client_order_id)
        ).fetchone()
        return None if row is None else Bracket.from_dict(json.loads(row[0]))

    def bracket_by_leg(self, account_id: str, leg_cid: str) -> Bracket | None:
        # Two index lookups: with the account_id prefix SQLite turns one OR query into a scan of the account.
        row = self.db.execute(
            "SELECT data FROM brackets WHERE account_id=? AND stop_cid=?"
            " UNION ALL SELECT data FROM brackets WHERE account_id=? AND take_cid=? LIMIT 1",
            (account_id, leg_cid, account_id, leg_cid),
        ).fetchone()
        return None if row is None else Bracket.from_dict(json.loads(row[0]))

    def bracket_state_by_leg(self, account_id: str, leg_cid: str) -> str | None:
        """The state of the bracket owning that stop/take client id, without decoding the bracket."""
        row = self.db.execute(
            "SELECT state FROM brackets WHERE account_id=? AND stop_cid=?"
            " UNION ALL SELECT state FROM brackets WHERE account_id=? AND take_cid=? LIMIT 1",
            (account_id, leg_cid, account_id, leg_cid),
        ).fetchone()
        return None if row is None else str(row[0])

    def brackets(self, account_id: str, states: Iterable[str] | None = None) -> list[Bracket]:
        if states is None:
            rows = self.db.execute(
                "SELECT data FROM brackets WHERE account_id=? ORDER BY created_ms", (account_id,)
            ).fetchall()
        else:
            st = list(states)
            marks = ",".join("?" * len(st))
            rows = self.db.execute(
                f"SELECT data FROM brackets WHERE account_id=? AND state IN ({marks}) ORDER BY created_ms",
                (account_id, *st),
            ).fetchall()
        return [Bracket.from_dict(json.loads(r[0])) for r in rows]

    # -- events
    def append_event(self, account_id: str, kind: EventKind, payload: Any, handled: bool = True) -> int:
        """Writes one event (committed before this returns) and wakes every stream reader."""
        data = json.dumps(plain(payload))
        cur = self.db.execute(
            "INSERT INTO events (account_id, time_ms, kind, data, handled) VALUES (?,?,?,?,?)",
            (account_id, now_ms(), kind, data, int(handled)),
        )
        if self._relaxed_depth and self.full:
            # Readers hear of it once it is durable (see relaxed()).
            self._notify_after_sync = True
            self._committed()
        else:
            self._committed()
            self._notify()
        return int(cur.lastrowid or 0)

    def mark_handled(self, event_id: int) -> None:
        # A lost mark only replays an idempotent handler after a power cut: no fsync of its own.
        with self.relaxed():
            self.db.execute("UPDATE events SET handled=1 WHERE event_id=?", (event_id,))
            self._committed()

    def unhandled(self, account_id: str) -> list[AccountEvent]:
        rows = self.db.execute(
            "SELECT event_id, time_ms, account_id, kind, data FROM events WHERE account_id=? AND handled=0"
            " ORDER BY event_id",
            (account_id,),
        ).fetchall()
        return [self._event(r) for r in rows]

    def events_after(self, after_id: int, account_id: str = "", limit: int = 500) -> list[AccountEvent]:
        if account_id:
            rows = self.db.execute(
                "SELECT event_id, time_ms, account_id, kind, data FROM events WHERE event_id>? AND account_id=?"
                " ORDER BY event_id LIMIT ?",
                (after_id, account_id, limit),
            ).fetchall()
        else:
            rows = self.db.execute(
                "SELECT event_id, time_ms, account_id, kind, data FROM events WHERE event_id>? ORDER BY event_id"
                " LIMIT ?",
                (after_id, limit),
            ).fetchall()
        return [self._event(r) for r in rows]

    def last_event_id(self) -> int:
        row = self.db.execute("SELECT MAX(event_id) FROM events").fetchone()
        return int(row[0] or 0)

    @staticmethod
    def _event(r: tuple[Any, ...]) -> AccountEvent:
        return AccountEvent(int(r[0]), int(r[1]), str(r[2]), r[3], payload_from(r[3], json.loads(r[4])))

    def _notify(self) -> None:
        for w in self._waiters:
            w.set()

    def waiter(self) -> asyncio.Event:
        ev = asyncio.Event()
        self._waiters.add(ev)
        return ev

    def drop_waiter(self, ev: asyncio.Event) -> None:
        self._waiters.discard(ev)

    # -- key/value (paper accounts, last balances)
    def get(self, account_id: str, key: str) -> Any:
        row = self.db.execute("SELECT value FROM kv WHERE account_id=? AND key=?", (account_id, key)).fetchone()
        return None if row is None else json.loads(row[0])

    def put(self, account_id: str, key: str, value: Any) -> None:
        self.db.execute(
            "INSERT INTO kv (account_id, key, value) VALUES (?,?,?)"
            " ON CONFLICT (account_id, key) DO UPDATE SET value=excluded.value",
            (account_id, key, json.dumps(value)),
        )
        self._committed()

    # -- durability
    def _committed(self) -> None:
        """Called after each write: outside a transaction it was a commit (autocommit), which FULL makes
        durable at once — or, under :meth:`relaxed`, soon, by the group fsync."""
        if self.db.in_transaction:
            return
        self.checkpointer.committed()
        if not self.full:
            return
        self._commit_no += 1
        if self._relaxed_depth:
            self._sync_soon()
        else:
            self._sync_now()

    @contextlib.contextmanager
    def relaxed(self) -> Iterator[None]:
        """Commits inside are not fsynced before they return (they survive a killed process, not yet a power
        cut) — only for writes whose loss the exchange lookups on restart repair, or that are followed by
        ``await durable()`` before anything acts on them. Never hold it across an ``await``. WAL is
        append-only, so a later fsync makes them durable too, and nothing written after them is ever
        durable without them."""
        self._relaxed_depth += 1
        try:
            yield
        finally:
            self._relaxed_depth -= 1

    async def durable(self) -> None:
        """Returns once every commit made so far is on disk (FULL; at once with NORMAL). The fsync runs in a
        worker thread (shared with the group commit), so the event loop keeps serving meanwhile."""
        if not self.full or self._synced_no >= self._commit_no:
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sync_waiters.append((self._commit_no, fut))
        self._sync_soon()
        await fut

    def _sync_soon(self) -> None:
        """Group commit: one fsync of the WAL, in a worker thread, covers every commit so far (the event loop
        never waits on the disk for them); stream readers are woken after it."""
        self._unsynced = True
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._sync_now()
            return
        if self._syncer is None or self._syncer.done():
            self._syncer = loop.create_task(self._sync_pending())

    async def _sync_pending(self) -> None:
        try:
            while self._unsynced:  # commits made while an fsync ran need one more
                self._unsynced = False
                notify, self._notify_after_sync = self._notify_after_sync, False
                upto = self._commit_no
                fd = self._wal()
                if fd >= 0:
                    try:
                        await asyncio.to_thread(os.fsync, fd)
                    except OSError:
                        if self._wal_fd >= 0:
                            raise
                        # closed meanwhile; closing synced the WAL
                self.fsyncs += 1
                self._synced(upto)
                if notify:
                    self._notify()
        except BaseException as exc:
            for _, fut in self._sync_waiters:
                if not fut.done():
                    fut.set_exception(exc if isinstance(exc, Exception) else OSError("fsync interrupted"))
            self._sync_waiters.clear()
            raise

    def _synced(self, upto: int) -> None:
        self._synced_no = max(self._synced_no, upto)
        if self._sync_waiters:
            still = []
            for no, fut in self._sync_waiters:
                if no <= upto:
                    if not fut.done():
                        fut.set_result(None)
                else:
                    still.append((no, fut))
            self._sync_waiters = still

    def _sync_now(self) -> None:
        self._unsynced = False
        upto = self._commit_no
        fd = self._wal()
        if fd >= 0:
            os.fsync(fd)
        self.fsyncs += 1
        self._synced(upto)
        if self._notify_after_sync:
            self._notify_after_sync = False
            self._notify()

    def _wal(self) -> int:
        if self._wal_fd < 0:
            try:
                self._wal_fd = os.open(f"{self.path}-wal", os.O_RDONLY)
            except FileNotFoundError:
                return -1
        return self._wal_fd

    def transaction(self) -> sqlite3.Connection:
        """``with store.transaction():`` groups writes into one commit."""
        return _Tx(self)  # type: ignore[return-value]


class _Tx:
    def __init__(self, store: BrokerStore) -> None:
        self.store = store

    def __enter__(self) -> sqlite3.Connection:
        self.store.db.execute("BEGIN IMMEDIATE")
        return self.store.db

    def __exit__(self, exc_type: object, *_: object) -> None:
        self.store.db.execute("ROLLBACK" if exc_type else "COMMIT")
        if not exc_type:
            self.store._committed()
