"""The store: models, engine and sessions, migrations, full-text search."""

from agentdesk.store.engine import Store

__all__ = ["Store"]
