"""broker_service."""
