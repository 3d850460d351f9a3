"""The store: tables (`models`), opening and migrating (`engine`), full-text search.

`Store` is looked up on first use (PEP 562) so that `agentdesk.store.heads` can be
imported without SQLAlchemy (the console's fast first page, agentdesk/boot.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agentdesk.store.engine import Store

__all__ = ["Store"]


def __getattr__(name: str) -> Any:
    if name == "Store":
        from agentdesk.store.engine import Store

        return Store
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
