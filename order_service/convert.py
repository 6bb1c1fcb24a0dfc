"""API messages ⇄ order_service domain types (protobuf only, no grpc)."""

from __future__ import annotations

import math

from order_service import report as report_mod
from order_service.model import (
    Entry,
    Order,
    Plan,
    RealOrder,
    RealStatus,
    StakeMode,
    Tag,
    VmConfig,
    VmState,
    VmStatus,
)
from order_service.taggers import TagDescription
from parayok.convert import TIMEFRAME_TO_NAME, timeframe_enum, timeframe_name
from parayok.v1 import analysis_pb2, common_pb2, orders_pb2

SIDES = {common_pb2.SIDE_BUY: "buy", common_pb2.SIDE_SELL: "sell"}
SIDE_ENUM = {v: k for k, v in SIDES.items()}
RESULTS = {
    common_pb2.ENTRY_RESULT_PENDING: "pending",
    common_pb2.ENTRY_RESULT_ACTIVE: "active",
    common_pb2.ENTRY_RESULT_WON: "won",
    common_pb2.ENTRY_RESULT_LOST: "lost",
}
RESULT_ENUM = {v: k for k, v in RESULTS.items()}
STATES = {
    VmState.STOPPED: orders_pb2.VM_STATE_STOPPED,
    VmState.LOADING: orders_pb2.VM_STATE_LOADING,
    VmState.LIVE: orders_pb2.VM_STATE_LIVE,
    VmState.FINISHED: orders_pb2.VM_STATE_FINISHED,
    VmState.ERROR: orders_pb2.VM_STATE_ERROR,
}
BROKERS = {
    orders_pb2.BROKER_KIND_NONE: "none",
    orders_pb2.BROKER_KIND_PAPER: "paper",
    orders_pb2.BROKER_KIND_BINANCE: "binance",
    orders_pb2.BROKER_KIND_BINANCE_DEMO: "binance-demo",
}
BROKER_ENUM = {v: k for k, v in BROKERS.items()}
REAL_STATUS = {
    RealStatus.SENT: orders_pb2.REAL_ORDER_STATUS_SENT,
    RealStatus.OPEN: orders_pb2.REAL_ORDER_STATUS_OPEN,
    RealStatus.CLOSED: orders_pb2.REAL_ORDER_STATUS_CLOSED,
    RealStatus.FAILED: orders_pb2.REAL_ORDER_STATUS_FAILED,
}
INTERVALS = {
    orders_pb2.REPORT_INTERVAL_HOUR: "h",
    orders_pb2.REPORT_INTERVAL_DAY: "d",
    orders_pb2.REPORT_INTERVAL_WEEK: "w",
    orders_pb2.REPORT_INTERVAL_MONTH: "m",
}


def tags_from_pb(tags: list[common_pb2.Tag]) -> dict[str, Tag]:
    out: dict[str, Tag] = {}
    for t in tags:
        which = t.WhichOneof("value")
        value: str | float = t.number if which == "number" else t.text
        out[t.name] = Tag(value, t.comment)
    return out


def tags_to_pb(tags: dict[str, Tag]) -> list[common_pb2.Tag]:
    out = []
    for name, tag in tags.items():
        if isinstance(tag.value, str):
            out.append(common_pb2.Tag(name=name, text=tag.value, comment=tag.comment))
        else:
            out.append(common_pb2.Tag(name=name, number=float(tag.value), comment=tag.comment))
    return out


def _finite(value: float, name: str) -> float:
    if not math.isfinite(value):
        raise ValueError(f"entry.{name}: not a finite number")
    return value


def entry_from_pb(pb: analysis_pb2.Entry) -> Entry:
    """An entry from analysis_service; ValueError naming the field when it cannot be used."""
    if not pb.id:
        raise ValueError("entry.id: required")
    if pb.side not in SIDES:
        raise ValueError(f"entry.side: BUY or SELL required ({pb.id})")
    return Entry(
        id=pb.id,
        symbol=pb.symbol,
        timeframe=TIMEFRAME_TO_NAME.get(pb.timeframe, ""),
        strategy=pb.strategy,
        side=SIDES[pb.side],
        time_ms=pb.time_ms,
        entry_price=_finite(pb.entry_price, "entry_price"),
        stop_loss=_finite(pb.stop_loss, "stop_loss"),
        take_profit=_finite(pb.take_profit, "take_profit"),
        result=RESULTS.get(pb.result, "active"),
        close_time_ms=pb.close_time_ms,
        close_price=pb.close_price,
        current_price=pb.current_price,
        opened_at_ms=pb.opened_at_ms,
        is_limit=pb.is_limit,
        tags=tags_from_pb(list(pb.tags)),
        raw=pb.SerializeToString(),
        by_price_update=pb.opened_by_price_update,
    )


def entry_to_pb(raw: bytes, with_flags: bool = True) -> analysis_pb2.Entry:
    pb = analysis_pb2.Entry.FromString(raw)
    if not with_flags:
        pb.ClearField("flags")
    return pb


def entry_event_pb(entry: Entry) -> analysis_pb2.Entry:
    """Events carry entries without their (large) flag snapshot: GetEntry returns it."""
    return entry_to_pb(entry.raw, with_flags=False)


# --- plans and VMs ---------------------------------------------------------------------------------


def plan_from_pb(pb: orders_pb2.Plan) -> Plan:
    if pb.stake_mode == orders_pb2.STAKE_MODE_PERCENT:
        mode = StakeMode.PERCENT
    elif pb.stake_mode in (orders_pb2.STAKE_MODE_FIXED, orders_pb2.STAKE_MODE_UNSPECIFIED):
        mode = StakeMode.FIXED
    else:
        raise ValueError(f"plan.stake_mode: unknown value {pb.stake_mode}")
    return Plan(
        start_sum=pb.start_sum,
        stake_mode=mode,
        stake_fixed=pb.stake_fixed,
        stake_percent=pb.stake_percent,
        leverage=pb.leverage,
        cost_buy_percent=pb.cost_buy_percent,
        cost_sell_percent=pb.cost_sell_percent,
        simult_risk_percent=pb.simult_risk_percent,
        symbols=[s.strip().upper() for s in pb.symbols],
        timeframes=[timeframe_name(t, "plan.timeframes") for t in pb.timeframes],
        strategies=list(pb.strategies),
        tags=dict(pb.tags),
        expression=pb.expression,
    )


def plan_to_pb(plan: Plan) -> orders_pb2.Plan:
    return orders_pb2.Plan(
        start_sum=plan.start_sum,
        stake_mode=orders_pb2.STAKE_MODE_PERCENT
        if plan.stake_mode == StakeMode.PERCENT
        else orders_pb2.STAKE_MODE_FIXED,
        stake_fixed=plan.stake_fixed,
        stake_percent=plan.stake_percent,
        leverage=plan.leverage,
        cost_buy_percent=plan.cost_buy_percent,
        cost_sell_percent=plan.cost_sell_percent,
        simult_risk_percent=plan.simult_risk_percent,
        symbols=plan.symbols,
        timeframes=[timeframe_enum(t) for t in plan.timeframes],  # type: ignore[misc]
        strategies=plan.strategies,
        tags=plan.tags,
        expression=plan.expression,
    )


def vm_from_pb(pb: orders_pb2.Vm) -> VmConfig:
    """A VM from the API (plan left empty = the seed's defaults)."""
    if pb.broker_kind not in BROKERS and pb.broker_kind != orders_pb2.BROKER_KIND_UNSPECIFIED:
        raise ValueError(f"vm.broker_kind: unknown value {pb.broker_kind}")
    kind = BROKERS.get(pb.broker_kind, "paper" if pb.broker_account else "none")
    return VmConfig(
        id=pb.id,
        name=pb.name,
        symbols=[s.strip().upper() for s in pb.symbols],
        timeframes=[timeframe_name(t, "vm.timeframes") for t in pb.timeframes],
        analyzers=list(pb.analyzers),
        history_days=pb.history_days,
        history_from_ms=pb.history_from_ms,
        end_ms=pb.end_ms,
        broker_account=pb.broker_account,
        broker_kind=kind,
        plan=plan_from_pb(pb.plan) if pb.HasField("plan") else Plan(),
        live_trading=pb.live_trading,
    )


def vm_to_pb(vm: VmConfig, status: VmStatus) -> orders_pb2.Vm:
    return orders_pb2.Vm(
        id=vm.id,
        name=vm.name,
        symbols=vm.symbols,
        timeframes=[timeframe_enum(t) for t in vm.timeframes],  # type: ignore[misc]
        analyzers=vm.analyzers,
        history_days=vm.history_days,
        history_from_ms=vm.history_from_ms,
        end_ms=vm.end_ms,
        broker_account=vm.broker_account,
        broker_kind=BROKER_ENUM.get(vm.broker_kind, orders_pb2.BROKER_KIND_NONE),
        plan=plan_to_pb(vm.plan),
        live_trading=vm.live_trading,
        state=STATES[status.state],
        progress_percent=status.progress,
        error=status.error,
        last_pulse_ms=status.last_pulse_ms,
        is_default=vm.is_default,
    )


def status_pb(vm_id: str, status: VmStatus) -> orders_pb2.VmStatus:
    return orders_pb2.VmStatus(
        vm_id=vm_id, state=STATES[status.state], progress_percent=status.progress, error=status.error
    )


# --- orders and real orders ------------------------------------------------------------------------


def real_to_pb(r: RealOrder) -> orders_pb2.RealOrder:
    return orders_pb2.RealOrder(
        client_order_id=r.client_order_id,
        account_id=r.account_id,
        status=REAL_STATUS[r.status],
        filled_quantity=r.filled_quantity,
        average_price=r.average_price,
        exit_price=r.exit_price,
        realized_pnl=r.realized_pnl,
        entry_order_id=r.entry_order_id,
        stop_order_id=r.stop_order_id,
        take_order_id=r.take_order_id,
        error=r.error,
        updated_ms=r.updated_ms,
        entry_id=r.entry_id,
        symbol=r.symbol,
        side=SIDE_ENUM.get(r.side, common_pb2.SIDE_UNSPECIFIED),
    )


def order_to_pb(vm_id: str, order: Order, entry: analysis_pb2.Entry, real: RealOrder | None = None) -> orders_pb2.Order:
    pb = orders_pb2.Order(
        id=order.id,
        vm_id=vm_id,
        entry=entry,
        quantity=order.quantity,
        gain=order.gain,
        wallet=order.wallet,
        stake=order.stake,
        tags=tags_to_pb(order.tags),
        comment=order.comment,
    )
    if real is not None:
        pb.real.CopyFrom(real_to_pb(real))
    return pb


def event_bytes(vm_id: str, time_ms: int, **one: object) -> bytes:
    """An OrderEvent without its id (the store assigns it) — exactly one keyword: the oneof field."""
    ev = orders_pb2.OrderEvent(vm_id=vm_id, time_ms=time_ms)
    ((name, value),) = one.items()
    getattr(ev, name).CopyFrom(value)
    return ev.SerializeToString()


def event_from_row(event_id: int, payload: bytes) -> orders_pb2.OrderEvent:
    ev = orders_pb2.OrderEvent.FromString(payload)
    ev.event_id = event_id
    return ev


# --- reports and taggers ---------------------------------------------------------------------------


def _row_pb(row: report_mod.Row) -> orders_pb2.ReportRow:
    return orders_pb2.ReportRow(
        period_name=row.period_name,
        period_start_ms=row.period_start_ms,
        num_orders=row.num_orders,
        num_closed=row.num_closed,
        num_active=row.num_active,
        ratio=row.ratio,
        gain=row.gain,
        min_gain=row.min_gain,
        max_gain=row.max_gain,
        max_open_orders=row.max_open_orders,
    )


def report_to_pb(r: report_mod.Report) -> orders_pb2.Report:
    s = r.stats
    return orders_pb2.Report(
        rows=[_row_pb(x) for x in r.rows],
        total=_row_pb(r.total),
        stats=orders_pb2.ReportStats(
            max_drawdown_usd=s.max_drawdown_usd,
            max_drawdown_percent=s.max_drawdown_percent,
            profit_factor=s.profit_factor,
            expectancy=s.expectancy,
            average_win=s.average_win,
            average_loss=s.average_loss,
            longest_losing_streak=s.longest_losing_streak,
        ),
        by_strategy=[_row_pb(x) for x in r.by_strategy],
        by_symbol=[_row_pb(x) for x in r.by_symbol],
    )


def tagger_pb(d: TagDescription) -> common_pb2.TagDescription:
    return common_pb2.TagDescription(name=d.name, vals=list(d.vals), desc=d.desc)
