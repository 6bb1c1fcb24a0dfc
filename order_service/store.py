"""Durable state of order_service in one SQLite file (WAL, one transaction per pulse).

Holds VMs (config, plan, last committed pulse, arrival sequence), entries (typed columns for the plan
and filters, plus the API message as received), orders, real-order links, symbol rules, the broker
event cursors and the durable event log behind StreamEvents. ``synchronous=NORMAL`` in WAL mode keeps
every committed transaction across a process crash (SIGKILL); only an OS crash may lose the last ones.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from order_service.model import (
    Entry,
    Order,
    Plan,
    RealOrder,
    RealStatus,
    StakeMode,
    SymbolRules,
    Tag,
    VmConfig,
)
from parayok.wal import Checkpointer

SCHEMA = """
CREATE TABLE IF NOT EXISTS vms (
    id TEXT PRIMARY KEY, config TEXT NOT NULL, last_pulse_ms INTEGER NOT NULL DEFAULT 0,
    seq INTEGER NOT NULL DEFAULT 0, created_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS entries (
    vm_id TEXT NOT NULL, id TEXT NOT NULL, symbol TEXT NOT NULL, timeframe TEXT NOT NULL,
    strategy TEXT NOT NULL, side TEXT NOT NULL, time_ms INTEGER NOT NULL, entry_price REAL NOT NULL,
    stop_loss REAL NOT NULL, take_profit REAL NOT NULL, result TEXT NOT NULL, close_time_ms INTEGER NOT NULL,
    close_price REAL NOT NULL, current_price REAL NOT NULL, opened_at_ms INTEGER NOT NULL,
    is_limit INTEGER NOT NULL, tags TEXT NOT NULL, open_seq INTEGER NOT NULL, close_seq INTEGER NOT NULL,
    raw BLOB NOT NULL, PRIMARY KEY (vm_id, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS entries_time ON entries (vm_id, time_ms);
CREATE TABLE IF NOT EXISTS orders (
    vm_id TEXT NOT NULL, id TEXT NOT NULL, quantity REAL NOT NULL, stake REAL NOT NULL, wallet REAL NOT NULL,
    gain REAL NOT NULL, tags TEXT NOT NULL, comment TEXT NOT NULL, closed INTEGER NOT NULL,
    PRIMARY KEY (vm_id, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS real_orders (
    vm_id TEXT NOT NULL, entry_id TEXT NOT NULL, client_order_id TEXT NOT NULL UNIQUE, account_id TEXT NOT NULL,
    status TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (vm_id, entry_id)
);
CREATE TABLE IF NOT EXISTS symbols (symbol TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cursors (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    event_id INTEGER PRIMARY KEY AUTOINCREMENT, vm_id TEXT NOT NULL, time_ms INTEGER NOT NULL, payload BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS events_vm ON events (vm_id, event_id);
"""

ENTRY_COLUMNS = (
    "vm_id, id, symbol, timeframe, strategy, side, time_ms, entry_price, stop_loss, take_profit, "
    "result, close_time_ms, close_price, current_price, opened_at_ms, is_limit, tags, open_seq, "
    "close_seq, raw"
)


_TAGS_JSON: dict[tuple[tuple[str, object, str], ...], str] = {}


def tags_json(tags: dict[str, Tag]) -> str:
    # Orders repeat a handful of tag combinations: memoised, 100k orders encode in milliseconds.
    key = tuple((k, t.value, t.comment) for k, t in tags.items())
    text = _TAGS_JSON.get(key)
    if text is None:
        text = json.dumps({k: [t.value, t.comment] if t.comment else [t.value] for k, t in tags.items()})
        if len(_TAGS_JSON) < 10_000:
            _TAGS_JSON[key] = text
    return text


def tags_from_json(text: str) -> dict[str, Tag]:
    return {k: Tag(v[0], v[1] if len(v) > 1 else "") for k, v in json.loads(text).items()}


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    d = dataclasses.asdict(plan)
    d["stake_mode"] = plan.stake_mode.value
    return d


def plan_from_dict(d: dict[str, Any]) -> Plan:
    d = dict(d)
    d["stake_mode"] = StakeMode(d.get("stake_mode", "fixed"))
    return Plan(**d)


def config_to_json(vm: VmConfig) -> str:
    d = dataclasses.asdict(vm)
    d["plan"] = plan_to_dict(vm.plan)
    return json.dumps(d)


def config_from_json(text: str) -> VmConfig:
    d = json.loads(text)
    d["plan"] = plan_from_dict(d["plan"])
    return VmConfig(**d)


@dataclass(slots=True)
class StoredVm:
    config: VmConfig
    last_pulse_ms: int
    seq: int


@dataclass(slots=True)
class PulseWrite:
    """Everything one pulse changes, written in one transaction."""

    vm_id: str
    last_pulse_ms: int
    seq: int
    new_entries: list[Entry] = dataclasses.field(default_factory=list)
    updated_entries: list[Entry] = dataclasses.field(default_factory=list)
    orders: list[Order] = dataclasses.field(default_factory=list)
    real_orders: list[RealOrder] = dataclasses.field(default_factory=list)
    events: list[tuple[int, bytes]] = dataclasses.field(default_factory=list)  # (time_ms, payload)


def _entry_row(vm_id: str, e: Entry) -> tuple[Any, ...]:
    return (
        vm_id,
        e.id,
        e.symbol,
        e.timeframe,
        e.strategy,
        e.side,
        e.time_ms,
        e.entry_price,
        e.stop_loss,
        e.take_profit,
        e.result,
        e.close_time_ms,
        e.close_price,
        e.current_price,
        e.opened_at_ms,
        int(e.is_limit),
        tags_json(e.tags),
        e.open_seq,
        e.close_seq,
        e.raw,
    )


def _order_row(vm_id: str, o: Order) -> tuple[Any, ...]:
    return (vm_id, o.id, o.quantity, o.stake, o.wallet, o.gain, tags_json(o.tags), o.comment, int(o.closed))


_REAL_FIELDS = tuple(f.name for f in dataclasses.fields(RealOrder))


def _real_row(r: RealOrder) -> tuple[Any, ...]:
    # Every field is a plain value: one dict, not dataclasses.asdict's recursive deep copy (most of a live
    # pulse's commit). Same keys, order and JSON text.
    d = {name: getattr(r, name) for name in _REAL_FIELDS}
    d["status"] = r.status.value
    return (r.vm_id, r.entry_id, r.client_order_id, r.account_id, r.status.value, json.dumps(d))


def real_from_json(text: str) -> RealOrder:
    d = json.loads(text)
    d["status"] = RealStatus(d["status"])
    return RealOrder(**d)


class Store:
    def __init__(self, path: Path | str) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(path), isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA foreign_keys=OFF")
        self.db.executescript(SCHEMA)
        # Not inside a live pulse's commit: measured as that pulse's 8-10 ms tail.
        self.checkpointer = Checkpointer(self.db, path)

    def close(self) -> None:
        self.checkpointer.close()
        self.db.close()

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")
        self.checkpointer.committed()

    # --- VMs ---------------------------------------------------------------------------------------

    def load_vms(self) -> list[StoredVm]:
        rows = self.db.execute("SELECT config, last_pulse_ms, seq FROM vms ORDER BY created_ms, id").fetchall()
        return [StoredVm(config_from_json(c), lp, s) for c, lp, s in rows]

    def insert_vm(self, vm: VmConfig, now_ms: int) -> None:
        with self.tx() as db:
            db.execute("INSERT INTO vms (id, config, created_ms) VALUES (?, ?, ?)", (vm.id, config_to_json(vm), now_ms))

    def save_vm(self, vm: VmConfig, event: tuple[int, bytes] | None = None) -> int | None:
        with self.tx() as db:
            db.execute("UPDATE vms SET config = ? WHERE id = ?", (config_to_json(vm), vm.id))
            return self._event(db, vm.id, event) if event else None

    def reset_vm_history(self, vm_id: str) -> None:
        """Drops what the VM received (its analysis config changed); real-order links stay."""
        with self.tx() as db:
            db.execute("DELETE FROM entries WHERE vm_id = ?", (vm_id,))
            db.execute("DELETE FROM orders WHERE vm_id = ?", (vm_id,))
            db.execute("UPDATE vms SET last_pulse_ms = 0, seq = 0 WHERE id = ?", (vm_id,))

    def delete_vm(self, vm_id: str) -> None:
        with self.tx() as db:
            for table, column in (("entries", "vm_id"), ("orders", "vm_id"), ("real_orders", "vm_id"), ("vms", "id")):
                db.execute(f"DELETE FROM {table} WHERE {column} = ?", (vm_id,))

    # --- entries and orders --------------------------------------------------------------------------

    def load_entries(self, vm_id: str) -> list[Entry]:
        rows = self.db.execute(
            "SELECT id, symbol, timeframe, strategy, side, time_ms, entry_price, stop_loss, take_profit, result, "
            "close_time_ms, close_price, current_price, opened_at_ms, is_limit, tags, open_seq, close_seq "
            "FROM entries WHERE vm_id = ?",
            (vm_id,),
        ).fetchall()
        return [
            Entry(
                id=r[0],
                symbol=r[1],
                timeframe=r[2],
                strategy=r[3],
                side=r[4],
                time_ms=r[5],
                entry_price=r[6],
                stop_loss=r[7],
                take_profit=r[8],
                result=r[9],
                close_time_ms=r[10],
                close_price=r[11],
                current_price=r[12],
                opened_at_ms=r[13],
                is_limit=bool(r[14]),
                tags=tags_from_json(r[15]),
                open_seq=r[16],
                close_seq=r[17],
            )
            for r in rows
        ]

    def load_orders(self, vm_id: str) -> dict[str, tuple[float, float, float, float, str, str, int]]:
        rows = self.db.execute(
            "SELECT id, quantity, stake, wallet, gain, tags, comment, closed FROM orders WHERE vm_id = ?", (vm_id,)
        )
        return {r[0]: tuple(r[1:]) for r in rows}  # type: ignore[misc]

    def commit_pulse(self, w: PulseWrite) -> list[int]:
        """Writes one pulse atomically; returns the ids of its events."""
        with self.tx() as db:
            if w.new_entries:
                db.executemany(
                    f"INSERT OR REPLACE INTO entries ({ENTRY_COLUMNS}) VALUES ({','.join('?' * 20)})",
                    [_entry_row(w.vm_id, e) for e in w.new_entries],
                )
            if w.updated_entries:
                db.executemany(
                    f"INSERT OR REPLACE INTO entries ({ENTRY_COLUMNS}) VALUES ({','.join('?' * 20)})",
                    [_entry_row(w.vm_id, e) for e in w.updated_entries],
                )
            if w.orders:
                db.executemany(
                    "INSERT OR REPLACE INTO orders VALUES (?,?,?,?,?,?,?,?,?)",
                    [_order_row(w.vm_id, o) for o in w.orders],
                )
            if w.real_orders:
                db.executemany(
                    "INSERT OR REPLACE INTO real_orders VALUES (?,?,?,?,?,?)", [_real_row(r) for r in w.real_orders]
                )
            db.execute(
                "UPDATE vms SET last_pulse_ms = MAX(last_pulse_ms, ?), seq = ? WHERE id = ?",
                (w.last_pulse_ms, w.seq, w.vm_id),
            )
            if not w.events:
                return []
            db.executemany(
                "INSERT INTO events (vm_id, time_ms, payload) VALUES (?, ?, ?)",
                [(w.vm_id, t, payload) for t, payload in w.events],
            )
            # One writer inside its transaction: the new rows' ids are consecutive, ending at the last one.
            last = int(db.execute("SELECT last_insert_rowid()").fetchone()[0])
            return list(range(last - len(w.events) + 1, last + 1))

    def replace_orders(self, vm_id: str, upserts: Sequence[Order], removed: Iterable[str]) -> None:
        with self.tx() as db:
            db.executemany("DELETE FROM orders WHERE vm_id = ? AND id = ?", [(vm_id, i) for i in removed])
            db.executemany(
                "INSERT OR REPLACE INTO orders VALUES (?,?,?,?,?,?,?,?,?)", [_order_row(vm_id, o) for o in upserts]
            )

    def entry_raw(self, vm_id: str, entry_id: str) -> bytes | None:
        row = self.db.execute("SELECT raw FROM entries WHERE vm_id = ? AND id = ?", (vm_id, entry_id)).fetchone()
        return None if row is None else bytes(row[0])

    def query_entries(
        self, vm_id: str, where: str, args: Sequence[Any], offset: int, limit: int, orders_only: bool
    ) -> tuple[list[tuple[Any, ...]], int]:
        """Pages of (entry id, raw) or, with ``orders_only``, entries that have an order (+ order columns)."""
        base = "FROM entries e JOIN orders o ON o.vm_id = e.vm_id AND o.id = e.id" if orders_only else "FROM entries e"
        cond = "e.vm_id = ?" + (" AND " + where if where else "")
        total = self.db.execute(f"SELECT COUNT(*) {base} WHERE {cond}", (vm_id, *args)).fetchone()[0]
        cols = "e.id, e.raw" + (", o.quantity, o.stake, o.wallet, o.gain, o.tags, o.comment" if orders_only else "")
        rows = self.db.execute(
            f"SELECT {cols} {base} WHERE {cond} ORDER BY e.time_ms, e.open_seq LIMIT ? OFFSET ?",
            (vm_id, *args, limit, offset),
        ).fetchall()
        return rows, int(total)

    # --- real orders -------------------------------------------------------------------------------

    def real_orders(self, vm_id: str | None = None) -> list[RealOrder]:
        if vm_id is None:
            rows = self.db.execute("SELECT data FROM real_orders").fetchall()
        else:
            rows = self.db.execute("SELECT data FROM real_orders WHERE vm_id = ?", (vm_id,)).fetchall()
        return [real_from_json(r[0]) for r in rows]

    def real_by_client_id(self, client_order_id: str) -> RealOrder | None:
        row = self.db.execute("SELECT data FROM real_orders WHERE client_order_id = ?", (client_order_id,)).fetchone()
        return None if row is None else real_from_json(row[0])

    def save_real(self, real: RealOrder, event: tuple[int, bytes] | None = None) -> int | None:
        with self.tx() as db:
            db.execute("INSERT OR REPLACE INTO real_orders VALUES (?,?,?,?,?,?)", _real_row(real))
            return self._event(db, real.vm_id, event) if event else None

    # --- symbols and cursors ----------------------------------------------------------------------

    def symbol_rules(self) -> dict[str, SymbolRules]:
        return {s: SymbolRules(**json.loads(d)) for s, d in self.db.execute("SELECT symbol, data FROM symbols")}

    def save_symbol(self, rules: SymbolRules) -> None:
        with self.tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO symbols VALUES (?, ?)", (rules.symbol, json.dumps(dataclasses.asdict(rules)))
            )

    def cursor(self, name: str) -> int:
        row = self.db.execute("SELECT value FROM cursors WHERE name = ?", (name,)).fetchone()
        return 0 if row is None else int(row[0])

    def set_cursor(self, name: str, value: int) -> None:
        with self.tx() as db:
            db.execute("INSERT OR REPLACE INTO cursors VALUES (?, ?)", (name, value))

    # --- events ------------------------------------------------------------------------------------

    @staticmethod
    def _event(db: sqlite3.Connection, vm_id: str, event: tuple[int, bytes]) -> int:
        cur = db.execute("INSERT INTO events (vm_id, time_ms, payload) VALUES (?, ?, ?)", (vm_id, event[0], event[1]))
        return int(cur.lastrowid or 0)

    def add_event(self, vm_id: str, time_ms: int, payload: bytes) -> int:
        with self.tx() as db:
            return self._event(db, vm_id, (time_ms, payload))

    def last_event_id(self) -> int:
        return int(self.db.execute("SELECT COALESCE(MAX(event_id), 0) FROM events").fetchone()[0])

    def events_after(self, after: int, vm_id: str, limit: int = 1000) -> list[tuple[int, str, int, bytes]]:
        if vm_id:
            q = (
                "SELECT event_id, vm_id, time_ms, payload FROM events WHERE vm_id = ? AND event_id > ? "
                "ORDER BY event_id LIMIT ?"
            )
            return self.db.execute(q, (vm_id, after, limit)).fetchall()
        q = "SELECT event_id, vm_id, time_ms, payload FROM events WHERE event_id > ? ORDER BY event_id LIMIT ?"
        return self.db.execute(q, (after, limit)).fetchall()
