"""The console's first inbox page, read with the standard library before SQLAlchemy loads.

Why a second reader: SQLAlchemy, SQLModel and the table classes cost ~250 ms of
imports, more than a bare Textual app needs to start and paint. The console paints
this page first (agentdesk/boot.py) and loads the rest behind it. It covers only
what start-up shows, the first page of the "All open" view on a SQLite store that
already has every migration; anything else returns None and start-up takes the
ordinary path. `inbox.page(desk, View.OPEN)` stays the definition: the tests check
that both give equal pages (snoozes woken or not, tags, several addresses, failed
replies).
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

from agentdesk.clock import utcnow
from agentdesk.services.views import ContactView, ConversationRow, CustomerRef, Page
from agentdesk.store.heads import script_heads
from agentdesk.store.location import is_database_url

#: As in `inbox.PAGE_SIZE` (a test keeps them equal; importing inbox would load SQLAlchemy).
PAGE_SIZE = 200

_COLUMNS = (
    "c.id, c.channel, c.network, c.status, c.subject, c.preview, c.customer_id, c.priority,"
    " c.created_at, c.updated_at, c.last_message_at, c.sla_due_at, c.sort_due, c.urgency,"
    " c.snoozed_until, cu.name, a.login"
)


def _stored(moment: datetime) -> str:
    """A UTC time as SQLAlchemy stores DateTime in SQLite (naive, with microseconds)."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def _time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value).replace(tzinfo=UTC)


def sqlite_path(location: str) -> Path | None:
    """The file behind a store location (a path or a sqlite URL); None for other databases."""
    if not is_database_url(location):
        return Path(location).expanduser()
    if location.startswith("sqlite:///"):
        return Path(location.removeprefix("sqlite:///"))
    return None


def read(location: str) -> tuple[Page, int] | None:
    """The first page of open conversations and their count, or None (take the slow path)."""
    path = sqlite_path(location)
    if path is None or not path.is_file():
        return None
    try:
        db = sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=2)
    except sqlite3.Error:
        return None
    try:
        return _read(db)
    except (sqlite3.Error, ValueError):
        return None  # locked, damaged or unexpected: the ordinary path will say what it is
    finally:
        db.close()


def _read(db: sqlite3.Connection) -> tuple[Page, int] | None:
    heads = script_heads()
    current = {row[0] for row in db.execute("SELECT version_num FROM alembic_version")}
    if not heads or current != heads:
        return None  # a migration is due: Store.open runs it on the ordinary path
    now = _stored(utcnow())
    expired = db.execute(
        "SELECT 1 FROM conversation WHERE status = 'snoozed' AND snoozed_until <= ? LIMIT 1",
        (now,),
    ).fetchone()
    # As `snooze.open_condition`: expired snoozes count as open until `wake` runs.
    if expired is None:
        where, params = "c.status = 'open'", ()
    else:
        where = "(c.status = 'open' OR (c.status = 'snoozed' AND c.snoozed_until <= ?))"
        params = (now,)
    found = db.execute(
        f"SELECT {_COLUMNS} FROM conversation c JOIN customer cu ON cu.id = c.customer_id"
        f" LEFT JOIN agent a ON a.id = c.assignee_id WHERE {where}"
        " ORDER BY c.sort_due, c.last_message_at, c.id LIMIT ?",
        (*params, PAGE_SIZE + 1),
    ).fetchall()
    more = len(found) > PAGE_SIZE
    found = found[:PAGE_SIZE]
    contacts = _contacts(db, sorted({row[6] for row in found}))
    tags = _tags(db, [row[0] for row in found])
    failed = _undelivered(db, [row[0] for row in found])
    rows = [
        ConversationRow(
            id=r[0], channel=r[1], network=r[2], status=r[3], subject=r[4], preview=r[5],
            customer=CustomerRef(r[6], r[15], contacts.get(r[6], [])),
            assignee=r[16], priority=r[7],
            created_at=_time(r[8]), updated_at=_time(r[9]),  # type: ignore[arg-type]
            last_message_at=_time(r[10]), sla_due_at=_time(r[11]),  # type: ignore[arg-type]
            sort_due=_time(r[12]), tags=tags.get(r[0], ()), urgency=r[13],  # type: ignore[arg-type]
            snoozed_until=_time(r[14]), undelivered=r[0] in failed,
        )
        for r in found
    ]
    total = db.execute(f"SELECT count(*) FROM conversation c WHERE {where}", params).fetchone()[0]
    return Page(rows=rows, next=rows[-1].cursor if more and rows else None), int(total)


def _marks(count: int) -> str:
    return ",".join("?" * count)


def _contacts(db: sqlite3.Connection, customer_ids: list[int]) -> dict[int, list[ContactView]]:
    found: dict[int, list[ContactView]] = defaultdict(list)
    if customer_ids:
        for customer_id, channel, address, network in db.execute(
            "SELECT customer_id, channel, address, network FROM contactpoint"
            f" WHERE customer_id IN ({_marks(len(customer_ids))}) ORDER BY id",
            customer_ids,
        ):
            found[customer_id].append(ContactView(channel, address, network))
    return found


def _tags(db: sqlite3.Connection, conversation_ids: list[int]) -> dict[int, tuple[str, ...]]:
    found: dict[int, list[str]] = defaultdict(list)
    if conversation_ids:
        for conversation_id, name in db.execute(
            "SELECT ct.conversation_id, t.name FROM conversationtag ct JOIN tag t ON t.id = ct.tag_id"
            f" WHERE ct.conversation_id IN ({_marks(len(conversation_ids))}) ORDER BY t.name",
            conversation_ids,
        ):
            found[conversation_id].append(name)
    return {i: tuple(names) for i, names in found.items()}


def _undelivered(db: sqlite3.Connection, conversation_ids: list[int]) -> set[int]:
    if not conversation_ids:
        return set()
    return {row[0] for row in db.execute(
        "SELECT conversation_id FROM outboxitem WHERE status = 'failed'"
        f" AND conversation_id IN ({_marks(len(conversation_ids))})", conversation_ids)}
