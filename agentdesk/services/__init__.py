"""What the TUI and the CLI share: plain functions over a Desk, returning read models.

No Textual imports here (tests/unit/test_import_hygiene.py checks it). `Desk` is
looked up on first use (PEP 562) so that the read models (`services.views`) and the
SLA colours (`services.sla`) can be imported without SQLAlchemy: the console paints
its first inbox page before that ~250 ms of imports (see agentdesk/boot.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agentdesk.services.desk import Desk

__all__ = ["Desk"]


def __getattr__(name: str) -> Any:
    if name == "Desk":
        from agentdesk.services.desk import Desk

        return Desk
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
