"""A new SQLite store made in one step, from a snapshot of what the migrations build.

Running every migration on an empty file costs ~130 ms (Alembic's and Mako's imports,
a dozen scripts, each with its own transaction); a first `agentdesk sync` of a big
mailbox is timed from the moment it starts, and every test makes new stores. The
snapshot (`schema.sql`) is the migrated schema's own SQL, statement by statement,
with the migration heads it stands for. `create` uses it only for a file without a
single table, and only while its heads are the migration scripts' heads: a new
migration makes it stale, and a stale snapshot is never used (Alembic builds the
store as before) until `python -m agentdesk.store.fresh` writes it again.
tests/unit/test_fresh_store.py checks that a store made from it equals a migrated one.
PostgreSQL stores are always built by Alembic.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import Engine

from agentdesk.store.heads import script_heads

SNAPSHOT = Path(__file__).with_name("schema.sql")
_HEADS = "-- heads: "
#: FTS5 makes these itself when its virtual table is created.
_FTS_SHADOWS = ("_data", "_idx", "_content", "_docsize", "_config")


def snapshot_heads(text: str) -> set[str]:
    """The migration heads a snapshot says it stands for."""
    for line in text.splitlines():
        if line.startswith(_HEADS):
            return set(line.removeprefix(_HEADS).split())
    return set()


def statements(text: str) -> list[str]:
    """The snapshot's SQL statements (a trigger's body holds semicolons of its own)."""
    found: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        if not current and (line.startswith("--") or not line.strip()):
            continue
        current += line
        if sqlite3.complete_statement(current):
            found.append(current.strip())
            current = ""
    return found


def create(engine: Engine) -> bool:
    """Build the schema from the snapshot if the file has no tables yet and the
    snapshot is current; False when it did not (the caller migrates with Alembic)."""
    try:
        text = SNAPSHOT.read_text(encoding="utf-8")
    except OSError:
        return False
    if not snapshot_heads(text) or snapshot_heads(text) != script_heads():
        return False
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute("BEGIN IMMEDIATE")  # a second process creating it waits, then sees it
        try:
            if cursor.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                connection.rollback()
                return False
            for statement in statements(text):
                cursor.execute(statement)
            connection.commit()
        except BaseException:
            connection.rollback()
            raise
        return True
    finally:
        connection.close()


def dump(path: Path) -> str:
    """The snapshot text of the migrated SQLite store at `path`."""
    connection = sqlite3.connect(path)
    try:
        heads = sorted(row[0] for row in connection.execute("SELECT version_num FROM alembic_version"))
        virtual = {name for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL TABLE%'")}
        shadows = {v + suffix for v in virtual for suffix in _FTS_SHADOWS}
        lines = [
            "-- A new agentdesk SQLite store: the schema the migrations build (see fresh.py).",
            "-- Written by `python -m agentdesk.store.fresh`; do not edit by hand.",
            _HEADS + " ".join(heads),
        ]
        for name, sql in connection.execute(
            "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid"
        ):
            if name not in shadows:
                lines.append(sql.strip() + ";")
        lines += [f"INSERT INTO alembic_version (version_num) VALUES ('{head}');" for head in heads]
        return "\n".join(lines) + "\n"
    finally:
        connection.close()


def main() -> None:
    """Migrate a scratch store with Alembic and write its snapshot to `schema.sql`."""
    import tempfile

    from alembic import command

    from agentdesk.store.engine import alembic_config, make_engine

    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "store.db"
        engine = make_engine(f"sqlite:///{path}")
        command.upgrade(alembic_config(engine), "heads")
        engine.dispose()
        SNAPSHOT.write_text(dump(path), encoding="utf-8")
    print(f"wrote {SNAPSHOT}")


if __name__ == "__main__":
    main()
