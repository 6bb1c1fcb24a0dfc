"""Exchange faults while live, against the same market without faults (``tests/e2e/harness.py``):
dropped websockets (market and user data), expired listen keys, an order accepted then answered 503
and a burst of 429s. Trading goes on and ends where the fault-free run ends: the same entries and
emulated orders, the same real orders ending the same way, every exchange position one of our open
brackets with its stop and take, nothing placed twice."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import Reference
from tests.e2e.harness import Suite, differences, run_suite

# Live market minute → fault injected right after that step. A fault with a path waits for the next
# matching request: the next bracket's entry (the reference places one at minute 12) is accepted and
# answered 503; the next two cancels of an algo order (the OCO cancel when a stop or take fills, then
# the reconcile's) meet 429s. The plain 429 burst hits whoever calls next (candle or broker service).
FAULTS: dict[int, tuple[str, dict[str, object]]] = {
    3: ("/_sim/drop_ws", {"kind": "all"}),
    7: ("/_sim/expire_listen_keys", {}),
    10: ("/_sim/faults", {"kind": "accept_503", "count": 1, "path": "/fapi/v1/order", "method": "POST"}),
    11: ("/_sim/faults", {"kind": "429", "count": 2, "path": "/fapi/v1/algoOrder", "method": "DELETE"}),
    17: ("/_sim/faults", {"kind": "429", "count": 3}),
    24: ("/_sim/drop_ws", {"kind": "market"}),
}


def inject(path: str, body: dict[str, object]):  # type: ignore[no-untyped-def]
    async def hook(suite: Suite, vm_id: str) -> None:
        await suite.admin("POST", path, body)
    return hook


async def test_exchange_faults_while_live_same_end_state_as_without(reference: Reference, tmp_path: Path) -> None:
    run = await run_suite(tmp_path, at_minute={m: inject(p, b) for m, (p, b) in FAULTS.items()})
    assert run.faults_left == [], f"faults that never fired: {run.faults_left}"
    ref = (await reference.get()).live
    assert not differences(run.live, ref), "\n".join(differences(run.live, ref))
    # Lockstep market: each bracket fills at the same price as without faults, so it ends the same way.
    assert run.live.real == ref.real, f"real orders: {run.live.real}, without faults: {ref.real}"
    assert not run.restarts, f"a fault killed a service: {run.restarts}"
