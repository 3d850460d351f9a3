"""What the TUI and the CLI share: plain functions over a Desk, returning read models.

No Textual imports here (tests/unit/test_import_hygiene.py checks it).
"""

from agentdesk.services.desk import Desk

__all__ = ["Desk"]
