"""Placeholder replaced by the TUI commit."""
