"""Opening a store: SQLite (WAL, busy timeout) or PostgreSQL by URL, migrated to head."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, create_engine

from agentdesk.store.heads import MIGRATIONS, script_heads
from agentdesk.store.location import is_database_url, shown_location

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from alembic.config import Config

#: How long a writer waits for another one before SQLite reports "database is locked".
BUSY_TIMEOUT_MS = 10_000


def url_for(path_or_url: str | Path) -> str:
    """A SQLAlchemy URL for a file path, or the URL itself when it already is one."""
    text = str(path_or_url)
    if is_database_url(text):
        return text
    return f"sqlite:///{Path(text).expanduser().resolve()}"


class StoreUnavailable(RuntimeError):
    """The store could not be opened (server down, not a database, no permission): the
    message says which store and why in one line, as the CLI and the console print it."""

    @classmethod
    def because(cls, path_or_url: str | Path, error: BaseException) -> StoreUnavailable:
        reason = getattr(error, "orig", None) or error  # the driver's words, not SQLAlchemy's wrapping
        return cls(f"cannot open the store {shown_location(path_or_url)}: {' '.join(str(reason).split())}")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine with the connection settings every agentdesk process needs."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(engine: Engine) -> Config:
    """Alembic's config pointed at our migrations, using `engine`."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def at_heads(engine: Engine) -> bool:
    """True when the store already has every migration, checked without importing Alembic.

    Start-up runs this on every open; Alembic's own check costs ~150 ms of imports and
    script loading, this one a query and a glance at a few small files.
    """
    heads = script_heads()
    if not heads:
        return False
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version")
            current = {row[0] for row in rows}
    except Exception:  # no table yet (a new store), or no database: let Alembic handle it
        return False
    return current == heads


class Store:
    """A migrated database and the way to get sessions on it."""

    def __init__(self, url: str, *, migrate: bool = True) -> None:
        self.url = url
        self.engine = make_engine(url)
        if migrate and not at_heads(self.engine):
            self._create_or_migrate()

    def _create_or_migrate(self) -> None:
        """A new SQLite file gets the migrated schema in one step (see `fresh`); an older
        store, or PostgreSQL, is migrated by Alembic."""
        if self.is_sqlite:
            from agentdesk.store import fresh

            if fresh.create(self.engine) or at_heads(self.engine):  # or a racing process made it
                return
        from alembic import command  # ~100 ms of imports: only when there is work

        # "heads": each feature adds its own migration branch off 0001 (merged later).
        command.upgrade(alembic_config(self.engine), "heads")

    @classmethod
    def open(cls, path_or_url: str | Path, *, migrate: bool = True) -> Store:
        """Open (and create or upgrade) the store at a file path or database URL."""
        url = url_for(path_or_url)
        try:
            if url.startswith("sqlite:///"):
                Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
            return cls(url, migrate=migrate)
        except (SQLAlchemyError, sqlite3.Error, OSError) as error:  # sqlite3's own: a raw connection's
            raise StoreUnavailable.because(path_or_url, error) from error

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One unit of work: committed on success, rolled back on error."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def after_bulk_load(self) -> None:
        """Refresh the planner's statistics after thousands of rows went in at once.

        PostgreSQL plans from sampled statistics that autovacuum refreshes only after a
        while (a minute or more); until then a store just filled by a first sync, an
        import or the demo looks empty to the planner, which then plans every query as
        for an empty table: whole-table scans for searches and inbox pages (with the
        tsvector computed per row, before migration 0013: 25 ms rather than 1 ms a
        search at 3,000 messages, growing with the table). ANALYZE samples, so it takes well under a second at any size. SQLite's planner
        needs no statistics for these queries: nothing to do. The rows are committed by
        then, so a failure here is only logged: autovacuum will get there in the end.
        """
        if self.is_sqlite:
            return
        try:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE message, conversation, customer, contactpoint")
                conn.commit()
        except SQLAlchemyError as error:
            log.warning("refreshing the planner's statistics after a bulk load: %s", error)

    def dispose(self) -> None:
        self.engine.dispose()
