"""Noticing, cheaply, that someone else changed the store: what live screens poll.

A console calls `Watcher.poll()` from a worker every half second. When nothing changed
that costs one tiny statement on a dedicated connection and no query of the data:

* SQLite: `PRAGMA data_version` on a connection that never writes. Its value moves
  whenever any other connection (another process, or our own pool) commits.
* PostgreSQL: `LISTEN agentdesk_changes` on a dedicated autocommit connection; the
  triggers of migration 0003 NOTIFY with the table's name at every commit touching
  conversation, message, event, outboxitem or presence.

Only when the detector fires does the Watcher look closer, to tell a change of data
(new mail, a reply, a status or assignment change: the inbox and the open conversation
must be re-read) from a mere presence heartbeat (nothing to redraw unless who-is-where
changed). Presence also changes with no write at all, when a session goes stale; the
Watcher re-reads it when the next heartbeat is due to expire.
"""

from __future__ import annotations

import os
import socket
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from agentdesk.clock import utcnow
from agentdesk.services import presence
from agentdesk.services.desk import Desk
from agentdesk.store import Store
from agentdesk.store.models import Event, Message, OutboxItem, OutboxStatus, PollerLease

#: The LISTEN/NOTIFY channel of migration 0003.
CHANNEL = "agentdesk_changes"
#: How often screens are expected to poll (seconds).
POLL_EVERY = 0.5
#: A detector that cannot tell which table changed reports this.
UNKNOWN = "*"


class ChangeDetector(Protocol):
    """Says which tables changed since the last call (empty: nothing; {UNKNOWN}: something)."""

    def changes(self) -> set[str]: ...

    def close(self) -> None: ...


class SqliteDetector:
    """`PRAGMA data_version` on a private read-only connection."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._conn: sqlite3.Connection | None = None
        self._version: int | None = None
        self.changes()

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self._path, check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA busy_timeout = 2000")
        return conn

    def changes(self) -> set[str]:
        try:
            if self._conn is None:
                self._conn = self._connect()
            version = int(self._conn.execute("PRAGMA data_version").fetchone()[0])
        except sqlite3.Error:
            self.close()  # try again from scratch next time; meanwhile assume a change
            return {UNKNOWN}
        previous, self._version = self._version, version
        return set() if previous == version else {UNKNOWN}

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class PostgresDetector:
    """LISTEN on a private autocommit psycopg connection; reconnects after errors."""

    def __init__(self, url: str) -> None:
        sa_url = make_url(url).set(drivername="postgresql")
        self._conninfo = sa_url.render_as_string(hide_password=False)
        self._conn: Any = None
        self._connect()

    def _connect(self) -> None:
        import psycopg

        self._conn = psycopg.connect(self._conninfo, autocommit=True)
        self._conn.execute(f"LISTEN {CHANNEL}")

    def changes(self) -> set[str]:
        try:
            if self._conn is None or self._conn.closed:
                self._connect()
                return {UNKNOWN}  # we may have missed notifications while away
            return {n.payload or UNKNOWN for n in self._conn.notifies(timeout=0)}
        except Exception:  # the server restarted or the network dropped: retry next poll
            self.close()
            return {UNKNOWN}

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:
                pass
            self._conn = None


class QuietDetector:
    """For a store no other connection can reach: never reports a change."""

    def changes(self) -> set[str]:
        return set()

    def close(self) -> None:
        return None


def detector_for(store: Store) -> ChangeDetector:
    """The cheap change detector for this store's database."""
    if store.is_sqlite:
        database = make_url(store.url).database
        if not database or database == ":memory:":
            return QuietDetector()  # a private in-memory store: nobody else can change it
        return SqliteDetector(database)
    return PostgresDetector(store.url)


@dataclass(frozen=True)
class Changes:
    """What a screen must re-read after a poll."""

    data: bool = False
    """Conversations, messages, the audit log or the outbox changed."""
    presence: bool = False
    """Someone started or stopped viewing or replying, or a session went stale."""

    def __bool__(self) -> bool:
        return self.data or self.presence


_DATA_TABLES = {"conversation", "message", "event", "outboxitem"}


class Watcher:
    """Polled by a console to learn whether to redraw; holds one dedicated connection."""

    def __init__(self, desk: Desk) -> None:
        self._desk = desk
        self._detector = detector_for(desk.store)
        self._data = self._data_fingerprint()
        self._who, self._expiry = presence.fingerprint(desk)

    def _data_fingerprint(self) -> tuple[Any, ...]:
        """Index-only maxima that move with every change a screen shows."""
        with self._desk.store.engine.connect() as conn:
            return (
                conn.execute(select(func.max(Event.id))).scalar(),
                conn.execute(select(func.max(Message.id))).scalar(),
                conn.execute(
                    select(func.count()).where(
                        OutboxItem.status.in_([OutboxStatus.QUEUED, OutboxStatus.SENDING])  # type: ignore[attr-defined]
                    )
                ).scalar(),
            )

    def poll(self, now: datetime | None = None) -> Changes:
        """What changed since the last poll (cheap when nothing did)."""
        kinds = self._detector.changes()
        data = who = False
        if UNKNOWN in kinds:
            fingerprint = self._data_fingerprint()
            data, self._data = fingerprint != self._data, fingerprint
        elif kinds & _DATA_TABLES:
            data = True
        now = now or utcnow()
        if kinds or (self._expiry is not None and now >= self._expiry):
            current, self._expiry = presence.fingerprint(self._desk)
            who, self._who = current != self._who, current
        return Changes(data=data, presence=who)

    def close(self) -> None:
        self._detector.close()


@dataclass(frozen=True)
class PollerService:
    """A poller (usually `agentdesk poll` under systemd) holding a lease right now."""

    account: str
    holder: str
    expires_at: datetime


def poller_services(store: Store) -> list[PollerService]:
    """Unexpired poller leases: while there is one, a console leaves polling to it."""
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(PollerLease.account, PollerLease.holder, PollerLease.expires_at)  # type: ignore[call-overload]
            .where(PollerLease.expires_at > utcnow())
            .order_by(PollerLease.account)
        ).all()
    return [PollerService(account, holder, expires_at) for account, holder, expires_at in rows]


def console_should_poll(store: Store) -> bool:
    """Whether a console should run its own poller: only when no other process holds a lease.

    On a team server `agentdesk poll` holds (and renews) the leases, so the consoles
    never connect to the mail server themselves; a lone console polls for itself.
    """
    mine = f"{socket.gethostname()}:{os.getpid()}:"
    return not any(not s.holder.startswith(mine) for s in poller_services(store))
