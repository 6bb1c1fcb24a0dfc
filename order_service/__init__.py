"""order_service."""
