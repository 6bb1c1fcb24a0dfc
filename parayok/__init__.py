"""parayok."""
