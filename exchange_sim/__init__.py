"""exchange_sim: a Binance USDⓈ-M futures simulator (REST, websockets, matching, faults).

See exchange_sim/README.md for paths, admin API and semantics; exchange_sim.testing for helpers.
"""
