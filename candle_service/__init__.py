"""candle_service."""
