"""The migrations build the indexes the models declare, on SQLite and PostgreSQL.

The store is only ever built by the migrations (never `create_all`), so an index added
to a migration and forgotten in `store/models.py` (or the other way round) would go
unnoticed until someone autogenerates a migration and finds it dropping the index the
reports read through. Alembic's own comparison finds that drift; the FTS tables and
column-type spellings it also reports are known differences, not index drift.
"""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import agentdesk.store.models  # noqa: F401  (registers every table on the metadata)
from agentdesk.store import Store

#: Full-text search lives outside the models: the FTS5 table on SQLite, this GIN index
#: of the stored search_vector column on PostgreSQL (migration 0013).
NOT_IN_MODELS = {"ix_message_search"}


def _index_drift(store: Store) -> list[str]:
    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    drift = []
    for diff in diffs:
        if isinstance(diff, tuple) and diff[0] in ("add_index", "remove_index"):
            index = diff[1]
            if index.name in NOT_IN_MODELS:
                continue
            drift.append(f"{diff[0]} {index.name} ({', '.join(c.name for c in index.columns)})")
    return drift


def test_migrated_indexes_match_the_models(store: Store) -> None:
    assert _index_drift(store) == []


def test_reports_read_the_period_through_the_covering_index(store: Store) -> None:
    """The report's cohort index exists with its columns in order (migrations 0008, 0010)."""
    indexes = {ix["name"]: ix["column_names"] for ix in inspect(store.engine).get_indexes("conversation")}
    assert indexes["ix_conversation_report"] == [
        "created_at", "automatic", "status", "channel", "assignee_id", "first_response_at",
        "closed_at", "first_due_at", "id",
    ]
    assert "ix_conversation_created_at" not in indexes


def test_email_sources_are_unique_only_for_synced_and_imported_mail(store: Store) -> None:
    """The unique index on message.source is partial on both databases (migration 0002):
    the model states the WHERE for SQLite only, so that PostgreSQL's dialect is not
    loaded by every process; this checks PostgreSQL's copy has it all the same."""
    indexes = {ix["name"]: ix for ix in inspect(store.engine).get_indexes("message")}
    unique = indexes["ux_message_email_source"]
    where = unique["dialect_options"][f"{store.engine.dialect.name}_where"]
    assert unique["unique"] and unique["column_names"] == ["source"]
    assert "imap:%" in str(where) and "import:%" in str(where)
