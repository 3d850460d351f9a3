"""The store itself, on SQLite and on a real PostgreSQL 15: migrations, search, WAL."""

from __future__ import annotations

from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from agentdesk.store import Store
from agentdesk.store.engine import alembic_config
from agentdesk.store.models import Message
from tests.seed import inbound


def _heads(store: Store) -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config(store.engine)).get_heads())


def _current(store: Store) -> set[str]:
    with store.engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def _check_migrated(store: Store) -> None:
    assert _current(store) == _heads(store)
    tables = set(inspect(store.engine).get_table_names())
    assert {"agent", "conversation", "message", "outboxitem", "event", "presence", "draft"} <= tables


def test_migrates_empty_sqlite(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "new" / "store.db")
    _check_migrated(store)
    store.dispose()
    Store.open(tmp_path / "new" / "store.db").dispose()  # a second open is a no-op


def test_migrates_empty_postgresql(pg_url: str) -> None:
    store = Store.open(pg_url)
    _check_migrated(store)
    store.dispose()
    store = Store.open(pg_url)
    _check_migrated(store)
    store.dispose()


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "store.db")
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
    store.dispose()


def _sqlite_hits(store: Store, query: str) -> list[int]:
    with store.engine.connect() as conn:
        return [
            row[0]
            for row in conn.execute(
                text("SELECT rowid FROM message_fts WHERE message_fts MATCH :q ORDER BY rowid"),
                {"q": query},
            )
        ]


def test_sqlite_fts_follows_insert_update_delete(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "store.db")
    _, first = inbound(store, text="The parcel arrived crushed")
    _, second = inbound(store, "bo@example.test", text="Refund for order 77 please")
    assert _sqlite_hits(store, "crushed") == [first]
    assert _sqlite_hits(store, "refund") == [second]
    assert _sqlite_hits(store, "bo") == [second]  # the author is searchable too
    with store.session() as session:
        message = session.get(Message, first)
        assert message is not None
        message.text = "The parcel never came"
    assert _sqlite_hits(store, "crushed") == []
    assert _sqlite_hits(store, "never") == [first]
    with store.session() as session:
        session.delete(session.get(Message, second))
    assert _sqlite_hits(store, "refund") == []
    store.dispose()


def test_postgresql_full_text_keeps_a_stored_tsvector_in_step(pg_url: str) -> None:
    """Migration 0013: the vector is a generated column (GIN-indexed), so an edited
    message is found by its new words at once, and only by them."""
    store = Store.open(pg_url)
    _, first = inbound(store, text="The parcel arrived crushed")
    inbound(store, "bo@example.test", text="Refund for order 77 please")

    def hits(word: str) -> list[int]:
        with store.engine.connect() as conn:
            return [h[0] for h in conn.execute(
                text("SELECT id FROM message WHERE search_vector @@ plainto_tsquery('simple', :q)"), {"q": word}
            )]

    assert hits("crushed") == [first]
    with store.session() as session:
        message = session.get(Message, first)
        assert message is not None
        message.text = "The parcel arrived dented"
    assert hits("crushed") == [] and hits("dented") == [first]
    with store.engine.connect() as conn:
        indexes = {i["name"] for i in inspect(conn).get_indexes("message")}
    assert "ix_message_search" in indexes and "ix_message_fts" not in indexes
    store.dispose()


def test_migration_0013_down_and_up_again_on_postgresql(pg_url: str) -> None:
    """Down: the expression index of 0001 is back and the column gone; up: found again."""
    from alembic import command

    store = Store.open(pg_url)
    _, first = inbound(store, text="The parcel arrived crushed")
    command.downgrade(alembic_config(store.engine), "0013@0012")
    with store.engine.connect() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("message")}
        indexes = {i["name"] for i in inspect(conn).get_indexes("message")}
    assert "search_vector" not in columns and "ix_message_fts" in indexes
    command.upgrade(alembic_config(store.engine), "heads")
    with store.engine.connect() as conn:
        found = conn.execute(
            text("SELECT id FROM message WHERE search_vector @@ plainto_tsquery('simple', 'crushed')")
        ).all()
    assert [row[0] for row in found] == [first]
    store.dispose()
