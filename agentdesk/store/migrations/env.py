"""Alembic environment: runs migrations on the engine the Store hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from agentdesk.store import models  # noqa: F401  (registers the tables)
from sqlmodel import SQLModel

target_metadata = SQLModel.metadata
config = context.config

engine = config.attributes.get("engine")
if engine is None:  # the alembic CLI, for writing new revisions
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite://")

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
