"""The bot's commands: what each answers, from OrderService and BrokerService data.

Plain domain code: the services are reached through a :class:`Backend` (the gRPC adapter lives in
:mod:`notify_service.clients`); Telegram through nothing at all — a command returns the reply to
queue. Only allowed chats ever get here (the bot drops the rest before).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from html import escape
from typing import Any, Protocol

from parayok.v1 import analysis_pb2, broker_pb2, orders_pb2

from . import render
from .store import NotifyStore

log = logging.getLogger("notify_service.commands")

DAY_MS = 86_400_000
# A confirmation button older than this does nothing: a stale /live must be asked again.
CONFIRM_TTL_S = 300
MAX_LINES = 30

HELP = """<b>PARAYOK bot</b>
/start — subscribe to notifications
/stop — unsubscribe
/status — VMs and their state
/account [id] — balance, unrealised PnL, positions
/orders — open orders
/entries [n] [vm] — last entries
/profit [days] — gain over the last days
/daily [n] — gain per day
/report — today's report
/live on|off &lt;vm&gt; — switch real trading
/entries_on, /entries_off — emulated entries on/off for this chat
/help — this list"""


class BackendError(Exception):
    """A service the command needs failed; the message is shown to the user."""


class Backend(Protocol):
    async def list_vms(self) -> list[orders_pb2.Vm]: ...
    async def get_vm(self, vm_id: str) -> orders_pb2.Vm: ...
    async def update_vm(self, vm: orders_pb2.Vm) -> orders_pb2.Vm: ...
    async def list_accounts(self) -> list[broker_pb2.Account]: ...
    async def get_account(self, account_id: str) -> broker_pb2.Account: ...
    async def list_orders(self, vm_id: str, active_only: bool) -> list[orders_pb2.Order]: ...
    async def list_entries(self, vm_id: str, from_ms: int) -> list[analysis_pb2.Entry]: ...
    async def get_report(self, vm_id: str, from_ms: int, to_ms: int, interval: int) -> orders_pb2.Report: ...


@dataclass(frozen=True)
class Reply:
    text: str
    markup: dict[str, Any] | None = None


def _now_ms() -> int:
    return int(time.time() * 1000)


def _today_start_ms(now_ms: int) -> int:
    return now_ms - now_ms % DAY_MS


def _int_arg(args: list[str], index: int, default: int, low: int, high: int, name: str) -> int:
    if len(args) <= index:
        return default
    try:
        value = int(args[index])
    except ValueError:
        raise BadArgs(f"{name} must be a number") from None
    return max(low, min(high, value))


class BadArgs(Exception):
    pass


class Commands:
    def __init__(self, store: NotifyStore, backend: Backend, clock: Callable[[], int] = _now_ms) -> None:
        self._store = store
        self._backend = backend
        self._clock = clock
        self._table: dict[str, Callable[[int, str, list[str]], Awaitable[Reply]]] = {
            "start": self.start, "stop": self.stop, "cancel": self.stop, "help": self.help,
            "status": self.status, "account": self.account, "orders": self.orders, "entries": self.entries,
            "profit": self.profit, "daily": self.daily, "report": self.report, "live": self.live,
            "entries_on": self.entries_on, "entries_off": self.entries_off,
        }

    @property
    def names(self) -> list[str]:
        return list(self._table)

    async def run(self, command: str, chat_id: int, chat_name: str, args: list[str]) -> Reply:
        handler = self._table.get(command)
        if handler is None:
            return Reply(f"Unknown command /{escape(command)}. /help lists them.")
        try:
            return await handler(chat_id, chat_name, args)
        except BadArgs as exc:
            return Reply(f"⚠️ {escape(str(exc))}")
        except BackendError as exc:
            return Reply(f"⚠️ {escape(str(exc))}")

    # subscriptions

    async def start(self, chat_id: int, chat_name: str, args: list[str]) -> Reply:
        new = self._store.subscribe(chat_id, chat_name)
        head = "✅ Subscribed." if new else "You are already subscribed."
        return Reply(f"{head} You will get real orders, fills, closes, failures, VM errors and balance moves.\n"
                     "/entries_on adds emulated entries; /help lists the commands.")

    async def stop(self, chat_id: int, chat_name: str, args: list[str]) -> Reply:
        if self._store.unsubscribe(chat_id):
            return Reply("🔕 Unsubscribed. /start subscribes again.")
        return Reply("You were not subscribed.")

    async def entries_on(self, chat_id: int, chat_name: str, args: list[str]) -> Reply:
        if not self._store.set_entries_enabled(chat_id, True):
            return Reply("Subscribe with /start first.")
        return Reply("📝 Emulated entries: on.")

    async def entries_off(self, chat_id: int, chat_name: str, args: list[str]) -> Reply:
        if not self._store.set_entries_enabled(chat_id, False):
            return Reply("Subscribe with /start first.")
        return Reply("Emulated entries: off.")

    async def help(self, chat_id: int, chat_name: str, args: list[str]) -> Reply:
        return Reply(HELP)

    # reading

    async def status(self, chat_id: int, chat_name: str, args: list[str]) -> Reply:
        vms = await self._backend.list_vms()
        if not vms:
            return Reply("No VM.")
        return Reply("🖥 <b>VMs</b>\n" + "\n".join(render.vm_status_line(vm) for vm in vms))

    async def account(self, chat_id: int, chat_name: str, args: list[str]) -> Reply:
        if args:
            accounts = [await self._backend.get_account(args[0])]
        else:
            accounts = await self._backend.list_accounts()
        if not accounts:
            return Reply("No broker account.")
        return Reply("\n\n".join(render.account(a) for a in accounts))

    async def _main_vms(self, vm_id: str | None = None) -> list[orders_pb2.Vm]:
        """The VMs a report is about: the one named, else the live ones and the default one."""
        if vm_id:
            return [await self._backend.get_vm(vm_id)]
        vms = await self._backend.list_vms()
        chosen = [vm for vm in vms if vm.state == orders_pb2.VM_STATE_LIVE or vm.is_default]
        return chosen or vms

    async def orders(self, chat_id: int, chat_name: str, args: list[str]) -> Reply:
        parts: list[str] = []
        for vm in await self._main_vms(args[0] if args else None):
            orders = await self._backend.list_orders(vm.id, active_only=True)
            lines = [render.open_order_line(o) for o in orders[:MAX_LINES]]
            if len(orders) > MAX_LINES:
                lines.append(f"… and {len(orders) - MAX_LINES} more")
            parts.append(f"📂 <b>{escape(vm.name or vm.id)}</b>: {len(orders)} open order(s)\n" + "\n".join(lines))
        return Reply("\n\n".join(parts) or "No VM.")

    async def entries(self, chat_id: int, chat_name: str, args: list[str]) -> Reply:
        n = _int_arg(args, 0, 5, 1, MAX_LINES, "n")
        parts: list[str] = []
        for vm in await self._main_vms(args[1] if len(args) > 1 else None):
            # The API pages oldest first: the recent days hold the last entries, the whole history if not.
            found = await self._backend.list_entries(vm.id, self._clock() - 3 * DAY_MS)
            if len(found) < n:
                found = await self._backend.list_entries(vm.id, 0)
            last = sorted(found, key=lambda e: e.time_ms)[-n:]
            lines = [render.entry_line(e) for e in last] or ["no entry"]
            parts.append(f"📝 <b>{escape(vm.name or vm.id)}</b>: last {len(last)} entries\n" + "\n".join(lines))
        return Reply("\n\n".join(parts) or "No VM.")

    async def profit(self, chat_id: int, chat_name: str, args: list[str]) -> Reply:
        days = _int_arg(args, 0, 1, 1, 3650, "days")
        now = self._clock()
        parts = []
        for vm in await self._main_vms():
            report = await self._backend.get_report(vm.id, now - days * DAY_MS, now, orders_pb2.REPORT_INTERVAL_DAY)
            parts.append(render.profit(vm, days, report))
        return Reply("\n\n".join(parts) or "No VM.")

    async def daily(self, chat_id: int, chat_name: str, args: list[str]) -> Reply:
        n = _int_arg(args, 0, 7, 1, 60, "n")
        now = self._clock()
        start = _today_start_ms(now) - (n - 1) * DAY_MS
        parts = []
        for vm in await self._main_vms():
            report = await self._backend.get_report(vm.id, start, now, orders_pb2.REPORT_INTERVAL_DAY)
            parts.append(render.report_table(f"{vm.name or vm.id}: last {n} day(s)", [*report.rows, report.total]))
        return Reply("\n\n".join(parts) or "No VM.")

    async def report(self, chat_id: int, chat_name: str, args: list[str]) -> Reply:
        now = self._clock()
        parts = []
        for vm in await self._main_vms():
            report = await self._backend.get_report(vm.id, _today_start_ms(now), now, orders_pb2.REPORT_INTERVAL_HOUR)
            parts.append(render.report_table(f"{vm.name or vm.id}: today", [*report.rows, report.total]))
            if report.by_strategy:
                parts.append(render.report_table("by strategy", list(report.by_strategy)))
            if report.by_symbol:
                parts.append(render.report_table("by symbol", list(report.by_symbol)))
        return Reply("\n".join(parts) or "No VM.")

    # real trading switch

    async def live(self, chat_id: int, chat_name: str, args: list[str]) -> Reply:
        if len(args) != 2 or args[0] not in ("on", "off"):
            return Reply("Usage: /live on|off &lt;vm id&gt;")
        on, vm_id = args[0] == "on", args[1]
        vm = await self._backend.get_vm(vm_id)
        data = f"live:{args[0]}:{self._clock() // 1000}:{vm.id}"
        if len(data.encode()) > 64:  # Telegram's callback_data limit
            return Reply("⚠️ This VM id is too long for a confirmation button.")
        verb = "Start" if on else "Stop"
        text = (f"{'⚠️ ' if on else ''}{verb} <b>real trading</b> on VM <b>{escape(vm.name or vm.id)}</b> "
                f"(<code>{escape(vm.id)}</code>, account {escape(vm.broker_account or 'none')})?")
        markup = {"inline_keyboard": [[{"text": f"✅ Yes, turn {args[0]}", "callback_data": data},
                                       {"text": "Cancel", "callback_data": "live:cancel"}]]}
        return Reply(text, markup)

    async def callback(self, chat_id: int, data: str) -> tuple[str, Reply | None]:
        """A button press: (short answer for the button, message to send or None)."""
        parts = data.split(":", 3)
        if parts[0] != "live":
            return "Unknown button", None
        if len(parts) == 2 and parts[1] == "cancel":
            return "Cancelled", Reply("Real trading left as it was.")
        if len(parts) != 4 or parts[1] not in ("on", "off") or not parts[2].isdigit():
            return "Unknown button", None
        if self._clock() // 1000 - int(parts[2]) > CONFIRM_TTL_S:
            return "Expired", Reply("⌛ This confirmation expired; send /live again.")
        on, vm_id = parts[1] == "on", parts[3]
        try:
            vm = await self._backend.get_vm(vm_id)
            vm.live_trading = on
            vm = await self._backend.update_vm(vm)
        except BackendError as exc:
            return "Failed", Reply(f"⚠️ Could not switch real trading: {escape(str(exc))}")
        log.warning("real trading switched from Telegram",
                    extra={"event": "live_trading_switched", "vm_id": vm_id, "on": on, "chat_id": chat_id})
        state = "ON" if vm.live_trading else "off"
        return f"Real trading {state}", Reply(f"{'🟢' if vm.live_trading else '⚪'} Real trading is <b>{state}</b> "
                                              f"on VM <b>{escape(vm.name or vm.id)}</b>.")
