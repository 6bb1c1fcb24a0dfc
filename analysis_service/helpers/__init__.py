"""Numeric helpers shared by analyzers."""
