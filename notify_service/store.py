"""Durable state of notify_service in one SQLite file (WAL): subscribers, the outbox, stream cursors.

Every message is written to the outbox before it is sent and removed once Telegram confirms it. A
message is queued under a key (an event id, a Notify dedupe key, a Telegram update id) that is
remembered in ``seen``: the same key is never queued twice, so an event read again after a restart
never produces a second message. Queuing the messages of an event and advancing that stream's
cursor happen in one transaction.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger("notify_service.store")

# Dedupe keys are kept this long: far beyond any replay of an event stream or a Telegram update.
SEEN_RETENTION_MS = 30 * 86_400_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS subscribers (
    chat_id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    subscribed_ms INTEGER NOT NULL,
    entries_enabled INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    chat_id INTEGER NOT NULL,
    text TEXT NOT NULL,
    markup TEXT,
    created_ms INTEGER NOT NULL,
    inflight INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS outbox_chat ON outbox (chat_id, id);
CREATE TABLE IF NOT EXISTS seen (key TEXT PRIMARY KEY, created_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS cursors (stream TEXT PRIMARY KEY, event_id INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS balances (account_id TEXT PRIMARY KEY, notified REAL NOT NULL);
CREATE TABLE IF NOT EXISTS real_orders (client_order_id TEXT PRIMARY KEY, doc TEXT NOT NULL);
"""

_CURSOR_UPSERT = (
    "INSERT INTO cursors (stream, event_id) VALUES (?, ?) "
    "ON CONFLICT (stream) DO UPDATE SET event_id = max(event_id, excluded.event_id)"
)


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass(frozen=True)
class Subscriber:
    chat_id: int
    name: str
    subscribed_ms: int
    entries_enabled: bool


@dataclass(frozen=True)
class Message:
    """One message for one chat; ``markup`` is a Telegram reply_markup as a plain dict."""

    chat_id: int
    text: str
    markup: dict[str, Any] | None = None


@dataclass(frozen=True)
class OutboxRow:
    id: int
    key: str
    chat_id: int
    text: str
    markup: dict[str, Any] | None


class NotifyStore:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._db = conn

    @classmethod
    def open(cls, path: Path) -> NotifyStore:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.executescript(_SCHEMA)
        store = cls(conn)
        store._recover()
        return store

    def close(self) -> None:
        self._db.close()

    def _recover(self) -> None:
        # A row still marked in flight was being sent when the process died: Telegram may have it
        # already and the Bot API has no idempotency key, so it is dropped rather than risk a
        # duplicate. The window is one HTTP request per chat.
        uncertain = self._db.execute("SELECT key, chat_id FROM outbox WHERE inflight = 1").fetchall()
        for key, chat_id in uncertain:
            log.warning(
                "message was in flight at the last stop; not resent",
                extra={"event": "outbox_uncertain", "key": key, "chat_id": chat_id},
            )
        with self._tx():
            self._db.execute("DELETE FROM outbox WHERE inflight = 1")
            self._db.execute("DELETE FROM seen WHERE created_ms < ?", (now_ms() - SEEN_RETENTION_MS,))

    def _tx(self) -> sqlite3.Connection:
        return _Tx(self._db)  # type: ignore[return-value]

    # subscribers

    def subscribe(self, chat_id: int, name: str) -> bool:
        """Adds a subscriber; False when it already was one."""
        cur = self._db.execute(
            "INSERT OR IGNORE INTO subscribers (chat_id, name, subscribed_ms) VALUES (?, ?, ?)",
            (chat_id, name, now_ms()),
        )
        return cur.rowcount == 1

    def unsubscribe(self, chat_id: int) -> bool:
        return self._db.execute("DELETE FROM subscribers WHERE chat_id = ?", (chat_id,)).rowcount == 1

    def set_entries_enabled(self, chat_id: int, enabled: bool) -> bool:
        """Switches emulated entries for a subscriber; False when the chat is not subscribed."""
        cur = self._db.execute(
            "UPDATE subscribers SET entries_enabled = ? WHERE chat_id = ?", (int(enabled), chat_id)
        )
        return cur.rowcount == 1

    def subscribers(self) -> list[Subscriber]:
        rows = self._db.execute(
            "SELECT chat_id, name, subscribed_ms, entries_enabled FROM subscribers ORDER BY subscribed_ms, chat_id"
        ).fetchall()
        return [Subscriber(r[0], r[1], r[2], bool(r[3])) for r in rows]

    # outbox

    def enqueue(self, key: str, messages: Iterable[Message], cursor: tuple[str, int] | None = None) -> int:
        """Queues ``messages`` under ``key`` (once ever) and moves ``cursor`` in the same transaction.

        Returns how many messages were queued: 0 when the key was seen before.
        """
        queued = 0
        with self._tx():
            fresh = self._db.execute(
                "INSERT OR IGNORE INTO seen (key, created_ms) VALUES (?, ?)", (key, now_ms())
            ).rowcount
            if fresh:
                for n, msg in enumerate(messages):
                    self._db.execute(
                        "INSERT INTO outbox (key, chat_id, text, markup, created_ms) VALUES (?, ?, ?, ?, ?)",
                        (f"{key}#{n}@{msg.chat_id}", msg.chat_id, msg.text,
                         json.dumps(msg.markup) if msg.markup else None, now_ms()),
                    )
                    queued += 1
            if cursor is not None:
                self._db.execute(_CURSOR_UPSERT, cursor)
        return queued

    def is_seen(self, key: str) -> bool:
        return self._db.execute("SELECT 1 FROM seen WHERE key = ?", (key,)).fetchone() is not None

    def pending_chats(self) -> list[int]:
        return [r[0] for r in self._db.execute("SELECT DISTINCT chat_id FROM outbox")]

    def next_for_chat(self, chat_id: int) -> OutboxRow | None:
        row = self._db.execute(
            "SELECT id, key, chat_id, text, markup FROM outbox WHERE chat_id = ? ORDER BY id LIMIT 1", (chat_id,)
        ).fetchone()
        if row is None:
            return None
        return OutboxRow(row[0], row[1], row[2], row[3], json.loads(row[4]) if row[4] else None)

    def set_inflight(self, row_id: int, inflight: bool) -> None:
        self._db.execute("UPDATE outbox SET inflight = ? WHERE id = ?", (int(inflight), row_id))

    def delivered(self, row_id: int) -> None:
        self._db.execute("DELETE FROM outbox WHERE id = ?", (row_id,))

    def outbox_size(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM outbox").fetchone()[0])

    # stream state

    def cursor(self, stream: str) -> int:
        row = self._db.execute("SELECT event_id FROM cursors WHERE stream = ?", (stream,)).fetchone()
        return int(row[0]) if row else 0

    def set_cursor(self, stream: str, event_id: int) -> None:
        self._db.execute(_CURSOR_UPSERT, (stream, event_id))

    def notified_balance(self, account_id: str) -> float | None:
        row = self._db.execute("SELECT notified FROM balances WHERE account_id = ?", (account_id,)).fetchone()
        return float(row[0]) if row else None

    def set_notified_balance(self, account_id: str, balance: float) -> None:
        self._db.execute(
            "INSERT INTO balances (account_id, notified) VALUES (?, ?) "
            "ON CONFLICT (account_id) DO UPDATE SET notified = excluded.notified",
            (account_id, balance),
        )

    def real_order(self, client_order_id: str) -> dict[str, Any] | None:
        row = self._db.execute("SELECT doc FROM real_orders WHERE client_order_id = ?", (client_order_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def remember_real_order(self, client_order_id: str, doc: dict[str, Any]) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO real_orders (client_order_id, doc) VALUES (?, ?)",
            (client_order_id, json.dumps(doc)),
        )


class _Tx:
    """BEGIN IMMEDIATE … COMMIT (ROLLBACK on error) on an autocommit connection."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> sqlite3.Connection:
        self._db.execute("BEGIN IMMEDIATE")
        return self._db

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self._db.execute("COMMIT" if exc_type is None else "ROLLBACK")
