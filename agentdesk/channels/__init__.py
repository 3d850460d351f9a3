"""Channels: how messages come in and replies go out (email, chat, the demo).

Nothing under this package imports Textual: it runs in `agentdesk poll` as well as
in a worker of the TUI.
"""
