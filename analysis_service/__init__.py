"""analysis_service."""
