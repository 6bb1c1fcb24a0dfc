"""Batch computation of the indicators for a known history (see README.md here).

`Engine.prepare_history` / `Ticker.enter_batch` build a `plan.TickerPlan` per ticker:
numba kernels (`kernels`) compute every batchable indicator over the ticker's whole
candle sequence, `specs` turns the results into per-chunk flag values, and the ticker's
box runs as generated segment writers plus the remaining incremental analyzers.
"""
