"""A new SQLite store made from the schema snapshot equals one built by the migrations."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from alembic import command

from agentdesk.clock import utcnow
from agentdesk.store import Store, fresh
from agentdesk.store.engine import alembic_config, make_engine
from agentdesk.store.heads import script_heads
from agentdesk.store.models import Customer


def _schema(path: Path) -> tuple[list[tuple[str, str, str, str]], list[str], list[tuple[str, str]]]:
    connection = sqlite3.connect(path)
    try:
        master = sorted(connection.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"))
        heads = sorted(row[0] for row in connection.execute("SELECT version_num FROM alembic_version"))
        config = sorted(connection.execute("SELECT k, v FROM message_fts_config"))
    finally:
        connection.close()
    return master, heads, config


def _migrated(path: Path) -> Path:
    engine = make_engine(f"sqlite:///{path}")
    command.upgrade(alembic_config(engine), "heads")
    engine.dispose()
    return path


def test_the_snapshot_is_current_and_builds_what_the_migrations_build(tmp_path: Path) -> None:
    text = fresh.SNAPSHOT.read_text(encoding="utf-8")
    assert fresh.snapshot_heads(text) == script_heads(), (
        "a migration was added: run `python -m agentdesk.store.fresh` to write schema.sql again"
    )
    assert fresh.dump(_migrated(tmp_path / "migrated.db")) == text, (
        "the migrations build something else: run `python -m agentdesk.store.fresh`"
    )
    made = Store.open(tmp_path / "fresh.db")
    made.dispose()
    assert _schema(tmp_path / "fresh.db") == _schema(tmp_path / "migrated.db")
    journal = sqlite3.connect(tmp_path / "fresh.db").execute("PRAGMA journal_mode").fetchone()
    assert journal == ("wal",)


def test_a_new_store_is_made_without_alembic_and_works(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_alembic(*_: object, **__: object) -> None:
        raise AssertionError("a new SQLite store should come from the snapshot")

    monkeypatch.setattr(command, "upgrade", no_alembic)
    store = Store.open(tmp_path / "new.db")
    with store.session() as session:
        session.add(Customer(name="Ann", created_at=utcnow()))
    store.dispose()
    assert sqlite3.connect(tmp_path / "new.db").execute("SELECT name FROM customer").fetchall() == [("Ann",)]


def test_a_stale_snapshot_is_never_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stale = tmp_path / "schema.sql"
    stale.write_text("-- heads: 0001\nCREATE TABLE nothing_like_ours (id INTEGER);\n")
    monkeypatch.setattr(fresh, "SNAPSHOT", stale)
    Store.open(tmp_path / "store.db").dispose()
    master, heads, _ = _schema(tmp_path / "store.db")
    assert heads == sorted(script_heads() or ())
    assert "nothing_like_ours" not in {name for _, name, _, _ in master}


def test_a_store_with_tables_is_never_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    sqlite3.connect(path).execute("CREATE TABLE someone_elses (id INTEGER)").connection.commit()
    engine = make_engine(f"sqlite:///{path}")
    assert fresh.create(engine) is False
    engine.dispose()


def test_two_processes_making_the_same_new_store_at_once_both_get_it(tmp_path: Path) -> None:
    path = tmp_path / "raced.db"
    errors: list[BaseException] = []

    def open_it() -> None:
        try:
            Store.open(path).dispose()
        except BaseException as error:  # noqa: BLE001 (reported below)
            errors.append(error)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert _schema(path)[1] == sorted(script_heads() or ())
