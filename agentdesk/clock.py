"""The one place that says what time it is, so tests can pin the clock."""

from __future__ import annotations

from datetime import UTC, datetime

_frozen: datetime | None = None


def utcnow() -> datetime:
    """Aware UTC now, or the pinned time in tests."""
    if _frozen is not None:
        return _frozen
    return datetime.now(UTC)


def freeze(at: datetime | None) -> None:
    """Pin the clock to `at` (aware UTC); `None` lets it run again."""
    global _frozen
    _frozen = at
