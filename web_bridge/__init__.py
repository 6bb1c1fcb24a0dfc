"""web_bridge."""
