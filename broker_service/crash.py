"""Test hook: ``PARAYOK_BROKER_CRASH_AT=<step>`` makes the process SIGKILL itself at that bracket step.

Used only by the crash tests (a real ``python -m broker_service`` killed mid-placement, then
restarted); empty in every real deployment, where :func:`crash_point` is a no-op.
"""

from __future__ import annotations

import logging
import os
import signal

_crash_at = ""

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


def configure(step: str) -> None:
    global _crash_at
    if step and step not in STEPS:
        raise ValueError(f"broker_crash_at: unknown step {step!r}; one of {', '.join(STEPS)}")
    _crash_at = step


def crash_point(step: str) -> None:
    if _crash_at and step == _crash_at:
        logging.getLogger("broker_service").error("crash point reached", extra={"event": "crash", "step": step})
        os.kill(os.getpid(), signal.SIGKILL)
