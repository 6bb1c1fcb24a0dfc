"""SQLite WAL checkpoints off the event loop.

SQLite checkpoints a WAL database inside whichever commit crosses 1,000 WAL pages: that commit then copies
the WAL into the database and fsyncs both, several ms on the event loop (order_service's live pulses met
it as an 8-10 ms commit). A store opened in WAL mode turns that off (``PRAGMA wal_autocheckpoint=0``) and
calls :meth:`Checkpointer.committed` after each commit: every ``every`` commits a PASSIVE checkpoint runs on
a second connection in a worker thread. PASSIVE copies what no reader needs and never waits for the writer,
so the event loop's commits go on meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from pathlib import Path

log = logging.getLogger("parayok.wal")


class Checkpointer:
    def __init__(self, db: sqlite3.Connection, path: Path | str, every: int = 500) -> None:
        db.execute("PRAGMA wal_autocheckpoint=0")
        self.path = str(path)
        self.every = every
        self.checkpoints = 0
        self.threads: set[int] = set()  # where checkpoints ran (tests check it was not the loop's)
        self._since = 0
        self._running: asyncio.Future[None] | None = None
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._closed = False

    def committed(self) -> None:
        self._since += 1
        if self._since >= self.every:
            self.soon()

    def soon(self) -> None:
        if self._running is not None and not self._running.done():
            return
        self._since = 0
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.run()
            return
        self._running = loop.run_in_executor(None, self.run)

    def run(self) -> None:
        with self._lock:
            if self._closed:
                return
            try:
                if self._db is None:
                    self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
                    # NORMAL and FULL alike sync the WAL before a checkpoint and the database after it
                    self._db.execute("PRAGMA synchronous=NORMAL")
                self._db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            except sqlite3.Error as exc:  # busy or I/O: the next one retries; the WAL only grows meanwhile
                log.warning("WAL checkpoint failed", extra={"event": "checkpoint_failed", "error": str(exc)})
                return
            self.checkpoints += 1
            self.threads.add(threading.get_ident())

    def close(self) -> None:
        """Before the store's own connection closes (the last connection checkpoints the rest, with fsync)."""
        with self._lock:
            self._closed = True
            if self._db is not None:
                self._db.close()
                self._db = None
