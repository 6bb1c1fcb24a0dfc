"""Test hook: ``PARAYOK_BROKER_CRASH_AT=<step>`` makes the process SIGKILL itself at that bracket step.

Used only by the crash tests (a real ``python -m broker_service`` killed mid-placement, then
restarted); empty in every real deployment, where :func:`crash_point` is a no-op.
"""

from __future__ import annotations

import logging
import os
import signal

_crash_at = ""
_crash_cid = ""

# The steps a bracket placement passes through, in order (see binance_account.BinanceAccount).
STEPS = (
    "recorded",  # request written, nothing sent
    "entry_sending",  # about to send the entry
    "entry_sent",  # the exchange answered the entry, answer not yet written
    "entry_filled",  # entry fill written, legs not sent
    "legs_sending",  # about to send stop and take
    "stop_sent",  # the stop is at the exchange, answer not written (take may be in flight)
    "legs_sent",  # both legs at the exchange, not yet written
    "rolling_back",  # a leg failed: about to close the position
)


def configure(setting: str) -> None:
    """``<step>`` (any bracket) or ``<step>@<client_order_id>`` (only that bracket)."""
    global _crash_at, _crash_cid
    step, _, cid = setting.partition("@")
    if step and step not in STEPS:
        raise ValueError(f"broker_crash_at: unknown step {step!r}; one of {', '.join(STEPS)}")
    _crash_at, _crash_cid = step, cid


def crash_point(step: str, client_order_id: str = "") -> None:
    if _crash_at and step == _crash_at and (not _crash_cid or _crash_cid == client_order_id):
        logging.getLogger("broker_service").error(
            "crash point reached", extra={"event": "crash", "step": step, "client_order_id": client_order_id}
        )
        os.kill(os.getpid(), signal.SIGKILL)
