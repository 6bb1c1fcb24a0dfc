"""Long-lived objects kept out of the cyclic collector's full passes.

A full (generation 2) pass walks every tracked object of the process: after a history load that is
millions of candles, entries and modules, and the pass stops the event loop for 100–250 ms (measured
under bench/live_latency.py in each service) — a live pulse that meets it is late by that much.
``settle()`` collects once, at a moment when nothing is waiting (startup, the end of a history load),
and moves what survived to the permanent generation, which no later pass walks. Objects freed by
reference counting are still freed; only cycles among frozen objects would outlive their use, which is
why ``settle()`` collects before it freezes.
"""

from __future__ import annotations

import gc


def settle() -> None:
    gc.collect()
    gc.freeze()
