"""notify_service."""
