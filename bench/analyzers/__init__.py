"""User analyzers of the benchmarks, loaded by analysis_service through ``PARAYOK_ANALYZERS_DIR=bench/analyzers``."""
