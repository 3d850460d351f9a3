"""Putting customer messages into the store: the one path every channel uses.

Channels (IMAP, chat, the demo) parse their input and call these functions inside
their own transaction, so a message and the poller's saved position commit together.
A channel that stores many messages at once (the IMAP sync) uses the batch forms,
`CustomerBook`, `conversation_values` with `NewRow` and `note_inbound`; the
single-message functions are those same steps for a batch of one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from operator import itemgetter

from typing import Any

from sqlalchemy import Table, bindparam, insert, update
from sqlmodel import Session, col, select

from agentdesk.clock import utcnow
from agentdesk.services.csat import record_rating
from agentdesk.services.sla import due_after
from agentdesk.store.models import (
    ContactPoint, Conversation, Customer, Direction, Event, Message, Status,
)
from agentdesk.text import one_line

#: Values per `IN (...)` list: well under SQLite's and PostgreSQL's parameter limits.
IN_CHUNK = 500


def chunks(values: Iterable[object], size: int = IN_CHUNK) -> Iterable[list[object]]:
    """`values` (duplicates removed) in lists short enough for one `IN (...)`."""
    unique = list(dict.fromkeys(values))
    for start in range(0, len(unique), size):
        yield unique[start : start + size]


#: (table, columns) -> the INSERT's SQL, a getter of its parameters from a row, and the
#: bind processor of each parameter that has one (by position), for SQLite.
_SQLITE_INSERTS: dict[tuple[str, tuple[str, ...]], tuple[str, Any, list[tuple[int, Any]]]] = {}


def executemany(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert `rows` (all with the same keys) into `table`, in one executemany.

    On SQLite the statement goes to the driver as compiled once, its parameters
    converted by the columns' own bind processors (so values are stored exactly as
    SQLAlchemy stores them): SQLAlchemy's per-row parameter handling costs as much as
    the insert. Only the columns with a processor (dates) are visited value by value,
    and a value repeated in the batch (the time the batch was stored) is converted
    once. PostgreSQL goes through SQLAlchemy, which batches it into multi-row INSERTs.
    """
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name != "sqlite":
        session.execute(insert(table), rows)
        return
    keys = tuple(rows[0])
    prepared = _SQLITE_INSERTS.get((table.name, keys))
    if prepared is None:
        compiled = insert(table).compile(dialect=dialect, column_keys=list(keys))
        names = list(compiled.positiontup or [])
        assert sorted(names) == sorted(keys), (names, keys)
        processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
                      for name in names]
        getter = itemgetter(*names) if len(names) > 1 else lambda row: (row[names[0]],)
        converted = [(i, process) for i, process in enumerate(processors) if process is not None]
        prepared = _SQLITE_INSERTS[(table.name, keys)] = (str(compiled), getter, converted)
    sql, getter, converted = prepared
    if not converted:
        connection.exec_driver_sql(sql, [getter(row) for row in rows])
        return
    params = [list(getter(row)) for row in rows]
    for index, process in converted:
        done: dict[Any, Any] = {}
        for values in params:
            value = values[index]
            try:
                values[index] = done[value]
            except KeyError:
                values[index] = done[value] = process(value)
            except TypeError:  # not hashable: convert it every time
                values[index] = process(value)
    connection.exec_driver_sql(sql, [tuple(values) for values in params])


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> list[int]:
    """Insert `rows` into `table` with one executemany; their new ids, in order.

    PostgreSQL hands the ids back in order from batched multi-row INSERT ... RETURNING.
    SQLite would need one statement per row for that (it does not promise the order of
    RETURNING rows), which costs more than the insert itself; but a plain executemany
    there gives each row the largest id so far plus one (an INTEGER PRIMARY KEY without
    AUTOINCREMENT), and nobody else can write until we commit, so the ids are the
    last N up to the largest one.
    """
    if not rows:
        return []
    id_column = table.c.id
    if session.get_bind().dialect.name != "sqlite":
        inserted = session.execute(
            insert(table).returning(id_column, sort_by_parameter_order=True), rows
        )
        return list(inserted.scalars().all())
    executemany(session, table, rows)
    connection = session.connection()
    last = connection.exec_driver_sql(f"SELECT max(id) FROM {table.name}").scalar_one()
    first = last - len(rows) + 1
    count = connection.exec_driver_sql(
        f"SELECT count(*) FROM {table.name} WHERE id >= ?", (first,)
    ).scalar_one()
    assert count == len(rows), f"{table.name}: ids not consecutive"
    return list(range(first, last + 1))


class NewRow:
    """A row to insert in bulk, with its model's column names as plain attributes.

    Setting an attribute of an ORM object costs ~10 µs (SQLModel, then SQLAlchemy's
    instrumentation); a batch of mail sets several per message on its conversations.
    A `NewRow` starts from the model's column defaults and is written with
    `write_rows`; after that it is an ordinary row (`update_rows` writes later changes).
    """

    def __init__(self, table: Table, **values: Any) -> None:
        self.__dict__.update(_defaults(table))
        self.__dict__.update(values)
        self.id: int | None = None

    def values(self, table: Table) -> dict[str, Any]:
        """The row's columns as `table` wants them (without the id)."""
        return {c.name: self.__dict__[c.name] for c in table.columns if c.name != "id"}


_DEFAULTS: dict[str, dict[str, Any]] = {}


def _defaults(table: Table) -> dict[str, Any]:
    """Each column's scalar default (None without one), read once from the model."""
    if table.name not in _DEFAULTS:
        _DEFAULTS[table.name] = {
            c.name: getattr(c.default, "arg", None) if c.default is not None else None
            for c in table.columns
        }
    return _DEFAULTS[table.name]


def write_rows(session: Session, table: Table, rows: list[NewRow]) -> None:
    """Insert the `rows` that have no id yet (one executemany) and give them their ids."""
    new = [row for row in rows if row.id is None]
    for row, new_id in zip(new, insert_rows(session, table, [r.values(table) for r in new]),
                           strict=True):
        row.id = new_id


def update_rows(session: Session, table: Table, rows: list[NewRow]) -> None:
    """Write every column of rows inserted earlier (one executemany)."""
    if rows:
        params = [{"_id": row.id, **row.values(table)} for row in rows]
        session.execute(
            update(table).where(table.c.id == bindparam("_id")),
            params,
            execution_options={"synchronize_session": False},
        )


def normal_address(channel: str, address: str) -> str:
    """How a contact address is kept: email addresses lower-cased, every address stripped."""
    return address.strip().lower() if channel == "email" else address.strip()


#: A customer as intake sees it: stored (ORM) or made in this batch (written by `flush`).
CustomerLike = Customer | NewRow
_CUSTOMERS: Table = Customer.__table__  # type: ignore[attr-defined]
_CONTACT_POINTS: Table = ContactPoint.__table__  # type: ignore[attr-defined]


class CustomerBook:
    """The customers behind many addresses on one channel, found with one query.

    Customers that do not exist yet are made by `get` and written, with their contact
    points, by `flush` in one statement each: an IMAP batch of a thousand mails from
    new senders costs two INSERTs, not two thousand flushes.
    """

    def __init__(
        self, session: Session, channel: str, addresses: Iterable[str], network: str | None = None
    ) -> None:
        self.session = session
        self.channel = channel
        self.network = network
        self._by_address: dict[str, CustomerLike] = {}
        self._new: list[tuple[str, NewRow]] = []
        self._written: list[NewRow] = []
        wanted = {normal_address(channel, a) for a in addresses}
        found: dict[str, int] = {}
        for chunk in chunks(wanted):
            rows = session.exec(
                select(ContactPoint.address, ContactPoint.customer_id).where(
                    ContactPoint.channel == channel, col(ContactPoint.address).in_(chunk)
                )
            ).all()
            found.update((address, customer_id) for address, customer_id in rows)
        customers = load_customers(session, found.values())
        for address, customer_id in found.items():
            customer = customers[customer_id]
            while customer.merged_into_id is not None:  # rare: a customer linked to another
                merged = session.get(Customer, customer.merged_into_id)
                assert merged is not None
                customer = merged
            self._by_address[address] = customer

    def get(self, address: str, name: str = "") -> CustomerLike:
        """The customer for `address`; a new one (named `name`) has no id until `flush`."""
        address = normal_address(self.channel, address)
        customer = self._by_address.get(address)
        if customer is None:
            customer = NewRow(_CUSTOMERS, name=one_line(name) or address, created_at=utcnow())
            self._by_address[address] = customer
            self._new.append((address, customer))
        return customer

    def flush(self) -> None:
        """Write the customers `get` made, and their contact points."""
        if not self._new:
            return
        customers = [customer for _, customer in self._new]
        write_rows(self.session, _CUSTOMERS, customers)
        executemany(self.session, _CONTACT_POINTS, [
            {"customer_id": customer.id, "channel": self.channel, "address": address,
             "network": self.network}
            for address, customer in self._new
        ])
        self._written.extend(customers)
        self._new.clear()

    def flush_changes(self) -> None:
        """Write what changed (a name) on customers an earlier `flush` wrote."""
        update_rows(self.session, _CUSTOMERS, self._written)


def load_customers(session: Session, ids: Iterable[int]) -> dict[int, Customer]:
    """Customers by id, with one query per IN_CHUNK ids (they stay in the session)."""
    customers: dict[int, Customer] = {}
    for chunk in chunks(ids):
        for customer in session.exec(select(Customer).where(col(Customer.id).in_(chunk))).all():
            assert customer.id is not None
            customers[customer.id] = customer
    return customers


def find_or_create_customer(
    session: Session, channel: str, address: str, name: str = "", network: str | None = None
) -> Customer:
    """The customer behind `address` on `channel`, created (with that contact point) if new."""
    book = CustomerBook(session, channel, [address], network)
    found = book.get(address, name)
    book.flush()
    if isinstance(found, Customer):
        return found
    customer = session.get(Customer, found.id)
    assert customer is not None
    return customer


def conversation_values(
    customer_id: int,
    channel: str,
    subject: str,
    at: datetime,
    *,
    network: str | None = None,
    account: str | None = None,
    external_key: str | None = None,
) -> dict[str, Any]:
    """The columns of an empty open conversation (the rest are the model's defaults)."""
    return {
        "channel": channel,
        "network": network,
        "account": account,
        "external_key": external_key,
        "subject": one_line(subject, 300),
        "customer_id": customer_id,
        "created_at": at,
        "updated_at": at,
        "last_message_at": at,
    }


def new_conversation(
    session: Session,
    customer: Customer,
    channel: str,
    subject: str,
    at: datetime,
    **where: str | None,
) -> Conversation:
    """An empty open conversation (flushed, so it has its id); `add_inbound` fills it.

    `where`: its network, account and external_key, as `conversation_values` takes them.
    """
    assert customer.id is not None
    conv = Conversation(**conversation_values(customer.id, channel, subject, at, **where))
    session.add(conv)
    session.flush()
    return conv


def add_inbound(session: Session, conv: Conversation, message: Message) -> Message:
    """Append a customer message: reopens the conversation and starts its SLA clock.

    A pure rating reply ("5 - great") after a close is recorded as the conversation's
    CSAT rating instead, and leaves the conversation as it was.
    """
    assert conv.id is not None
    message.conversation_id = conv.id
    message.direction = Direction.IN
    session.add(message)
    rated = record_rating(session, conv, message) is not None
    reopened = note_inbound(conv, message.sent_at, message.text, rated=rated)
    if reopened is not None:
        session.add(reopened)
    session.flush()
    return message


def note_inbound(
    conv: Conversation | NewRow, sent_at: datetime, text: str, *, rated: bool = False
) -> Event | None:
    """What a customer message does to its conversation, in memory (the caller writes it).

    Reopens it and starts the SLA clock unless the message was `rated` (recorded as a
    CSAT rating); counts it and takes the preview. Returns the `status:open` event
    when the conversation was reopened, so the caller can write it in its place.
    """
    reopened = None
    if not rated:
        if conv.status != Status.OPEN:
            # Logged so reports can tell a reopened conversation (and for how long) apart.
            assert conv.id is not None
            reopened = Event(at=utcnow(), actor="customer", action=f"status:{Status.OPEN}",
                             conversation_id=conv.id, detail=f"was {conv.status}")
            conv.status = Status.OPEN
            conv.closed_at = None
            conv.snoozed_until = None
        if conv.sla_due_at is None:
            # First response until we answered once; then the next-response target.
            conv.sla_due_at = due_after(conv.channel, sent_at, first=conv.first_response_at is None)
            if conv.message_count == 0:  # its first message: reports hold the first answer to this
                conv.first_due_at = conv.sla_due_at
        conv.sort_due = conv.sla_due_at
    conv.last_message_at = max(conv.last_message_at, sent_at)
    conv.updated_at = utcnow()
    conv.message_count += 1
    if not conv.preview:
        conv.preview = one_line(text, 200)
    return reopened
