"""Indexing a big sync's messages for search beside the sync instead of inside it.

FTS5 indexing is ~40% of what storing a mail costs (~30 µs of ~75). A sync storing
thousands of mails marks each batch's new message ids in `fts_backlog`, in the
batch's own transaction, so the triggers of migration 0012 leave them alone; an
`Indexer` thread then indexes that range on a connection of its own (SQLite does the
work without holding Python's lock) while the sync prepares the next batch, and
deletes the backlog row in the same transaction. So a message is never indexed
twice or not at all: the backlog row and the index entries change together. A
backlog a crash left behind is indexed by the next sync (`catch_up`). Until its
range is indexed (milliseconds), a message is stored but not yet found by search.
SQLite only; PostgreSQL indexes through its GIN index as it stores.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

from sqlalchemy import text
from sqlmodel import Session

from agentdesk.store.engine import Store
from agentdesk.store.fts import FTS_INDEX_RANGE, FTS_SQLITE_TRIGGERS

log = logging.getLogger(__name__)

_INDEX = text(FTS_INDEX_RANGE)
_DROP_INSERT_TRIGGER = text("DROP TRIGGER message_fts_ai")
_CREATE_INSERT_TRIGGER = text(next(s for s in FTS_SQLITE_TRIGGERS if "message_fts_ai" in s))
_TAKE = text("DELETE FROM fts_backlog WHERE first_id = :first RETURNING last_id")


def defer(session: Session, count: int) -> int:
    """Mark the ids the next `count` messages inserted in this transaction will get as
    indexed later, and return the first; call it right before inserting them (SQLite
    gives a new row the largest id plus one, and nobody else can insert until this
    transaction commits). A range left over by a crash at the same ids is replaced:
    its messages are gone, or the largest id would be above it."""
    top = int(session.execute(text("SELECT coalesce(max(id), 0) FROM message")).scalar_one())
    session.execute(
        text("INSERT OR REPLACE INTO fts_backlog (first_id, last_id) VALUES (:first, :last)"),
        {"first": top + 1, "last": top + count},
    )
    return top + 1


def index(store: Store, first: int, prepare: Callable[[Session], None] | None = None) -> None:
    """Index the backlog range starting at `first` and drop it, in one transaction (the
    row goes first: of two processes catching up at once, only one indexes it).
    `prepare` is called with the session first (the sync's connection settings)."""
    with store.session() as session:
        if prepare is not None:
            prepare(session)
        row = session.execute(_TAKE, {"first": first}).first()
        if row is not None:
            session.execute(_INDEX, {"first": first, "last": int(row[0])})


def catch_up(store: Store) -> int:
    """Index every range still in the backlog (a crash left it); how many there were."""
    if not store.is_sqlite:
        return 0
    with store.session() as session:
        firsts = [int(r[0]) for r in session.execute(text("SELECT first_id FROM fts_backlog"))]
    for first in firsts:
        index(store, first)
    return len(firsts)


class Indexer:
    """A thread indexing the ranges handed to it, in order; `close` waits for all.

    The sync's transactions and the indexer's take turns, never wait on SQLite's lock
    (its busy handler sleeps in steps of up to 25 ms): a range is handed over when its
    batch has committed, and the next batch waits for the indexer (`Deferral.ready`)
    only at its first write, after the reading and deciding the indexing overlaps.
    A range that fails to index stays in the backlog (logged): the next sync's
    `catch_up` indexes it, so search misses it for a while but never for good.
    """

    def __init__(self, store: Store, prepare: Callable[[Session], None] | None = None) -> None:
        """`prepare`: applied to each session the indexer opens (the sync passes its
        late-checkpoint setting: a connection checkpointing every 4 MB of WAL would
        copy the whole growing WAL again and again)."""
        self._store = store
        self._prepare = prepare
        self._ranges: queue.SimpleQueue[int | None] = queue.SimpleQueue()
        self._pending = 0
        self._idle = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="agentdesk-fts-indexer", daemon=True)
        self._thread.start()

    def deferral(self) -> Deferral:
        """For one transaction of the sync."""
        return Deferral(self)

    def add(self, first: int) -> None:
        """Index the committed backlog range that starts at `first`."""
        with self._idle:
            self._pending += 1
        self._ranges.put(first)

    def wait(self) -> None:
        """Until every range handed over is indexed (or failed)."""
        with self._idle:
            self._idle.wait_for(lambda: self._pending == 0)

    def _run(self) -> None:
        while (first := self._ranges.get()) is not None:
            try:
                index(self._store, first, self._prepare)
            except Exception as error:  # noqa: BLE001 (left in the backlog, caught up later)
                log.warning("search index of messages from id %s deferred: %s", first, error)
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def close(self) -> None:
        self._ranges.put(None)
        self._thread.join()


class Deferral:
    """One transaction's messages whose search indexing an `Indexer` takes over."""

    def __init__(self, indexer: Indexer) -> None:
        self._indexer = indexer
        self._firsts: list[int] = []

    def ready(self) -> None:
        """Call before the transaction's first write: the indexer finishes first."""
        self._indexer.wait()

    @contextmanager
    def unindexed(self, session: Session, count: int) -> Iterator[None]:
        """Around inserting this transaction's next `count` messages: they are indexed
        later, and meanwhile the insert trigger is not there at all. Even a trigger that
        skips them costs ~13 µs a row (SQLite builds the whole new row for it, the raw
        mail included), so it is dropped and created again inside this transaction: no
        other connection ever sees it missing, and a rollback or a crash restores it."""
        self._firsts.append(defer(session, count))  # a write first: the transaction is open
        session.execute(_DROP_INSERT_TRIGGER)
        try:
            yield
        except BaseException:
            with suppress(Exception):  # the transaction is rolled back anyway
                session.execute(_CREATE_INSERT_TRIGGER)
            raise
        session.execute(_CREATE_INSERT_TRIGGER)

    def hand_over(self) -> None:
        """Call once the transaction has committed."""
        for first in self._firsts:
            self._indexer.add(first)
        self._firsts = []
