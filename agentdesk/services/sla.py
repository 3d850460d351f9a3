"""SLA targets: how long a customer may wait for an answer on each channel."""

from __future__ import annotations

from datetime import datetime, timedelta

#: Default first/next response targets per channel (the workflow issue adds config).
DEFAULT_TARGETS: dict[str, timedelta] = {
    "email": timedelta(hours=24),
    "chat": timedelta(minutes=5),
}


def due_after(channel: str, since: datetime) -> datetime:
    """When an answer to a customer message received at `since` is due."""
    return since + DEFAULT_TARGETS.get(channel, DEFAULT_TARGETS["email"])
