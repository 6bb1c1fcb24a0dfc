"""Crash matrix against an uninterrupted run on the same market (``tests/e2e/harness.py``).

Each service is SIGKILLed in turn — candle, analysis and order service while the VM loads its
history; all six while it trades live — and restarted by the supervisor. At the end of the window
the VM has exactly the reference run's entries and emulated orders, exchange_sim has no order
placed twice, and every position there is one of our open brackets with its stop and take."""

from __future__ import annotations

import pytest

from parayok.v1 import orders_pb2
from tests.e2e.conftest import Reference
from tests.e2e.harness import HISTORY_MS, T0, Suite, differences, run_suite, wait_for

HISTORY_VICTIMS = ("candle_service", "analysis_service", "order_service")
# Live market minute → service killed right after that step (the broker and order service near
# minutes where the reference places brackets).
LIVE_VICTIMS = {4: "candle_service", 9: "order_service", 14: "analysis_service", 20: "broker_service",
                26: "notify_service", 32: "web_bridge"}


async def kill_during_history(suite: Suite, vm_id: str) -> None:
    """candle_service as the VM starts loading (its history fetch), analysis_service a tenth of the way
    through the replay, order_service at 30 % (early enough to be caught on an idle machine too)."""
    for victim, fraction in zip(HISTORY_VICTIMS, (0.0, 0.1, 0.3), strict=True):
        reached = T0 - HISTORY_MS + int(fraction * HISTORY_MS)

        async def loading(victim: str = victim, reached: int = reached) -> bool:
            vm = await suite.vm(vm_id)
            assert vm.state != orders_pb2.VM_STATE_LIVE, f"history was over before {victim} could be killed"
            return vm.state == orders_pb2.VM_STATE_LOADING and (reached == T0 - HISTORY_MS or
                                                                vm.last_pulse_ms >= reached)
        await wait_for(loading, 120, f"the VM to load history past {reached} before killing {victim}", step=0.05)
        await suite.kill(victim)


def kill_at(victim: str):  # type: ignore[no-untyped-def]
    async def hook(suite: Suite, vm_id: str) -> None:
        await suite.kill(victim)
    return hook


@pytest.mark.parametrize("phase", ["history", "live"])
async def test_services_killed_in_turn_same_entries_and_orders_as_uninterrupted(
        phase: str, reference: Reference, tmp_path) -> None:  # type: ignore[no-untyped-def]
    if phase == "history":
        run = await run_suite(tmp_path, during_history=kill_during_history)
        victims = list(HISTORY_VICTIMS)
    else:
        run = await run_suite(tmp_path, at_minute={m: kill_at(v) for m, v in LIVE_VICTIMS.items()})
        victims = list(LIVE_VICTIMS.values())
    assert run.restarts == dict.fromkeys(victims, 1), f"restarts seen: {run.restarts}"
    ref = (await reference.get()).live
    assert run.live.live_entries(), "no entry opened live: the comparison would prove little"
    assert not differences(run.live, ref), "\n".join(differences(run.live, ref))
