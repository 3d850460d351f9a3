"""Storing raw mail: parse, deduplicate, thread, and add it through intake, a batch at once.

`store_mails` takes a whole fetched batch; `store_mail` is a batch of one (the
importer and the load bench use it). The caller owns the transaction: the IMAP
sync stores a batch and moves its saved UID position in the same commit, so a crash
loses nothing and repeats nothing. The unique index on `message.source` refuses a
second copy of the same fetched mail even if two processes ever raced past every
other check.

A batch costs a fixed handful of statements, whatever its size: one query each for
known sources, Message-IDs and hashes, the thread lookups of `ThreadFinder`, the
customers of `CustomerBook`, then one multi-row INSERT each for conversations,
messages (the FTS triggers index them), attachments and events. Mail is decided
in arrival order, so a mail answering an earlier one of the same batch joins its
conversation exactly as if each had been stored alone.

Mail *from* the shop's own address (`ours`: a reply someone sent from a phone or a
webmail with the support address in Cc, a copy in a watched folder) is not a
customer writing: it is stored as our reply (direction out), answers the
conversation as a reply from the console would (first response, SLA clock stopped)
and never reopens it; one that starts a thread starts it with its first recipient
as the customer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from agentdesk.channels.mime import ParsedMail, parse
from agentdesk.channels.threading import ThreadFinder
from agentdesk.clock import utcnow
from agentdesk.services.csat import rating_of
from agentdesk.services.sla import mark_answered
from agentdesk.services.intake import (
    CustomerBook,
    CustomerLike,
    NewRow,
    add_inbound,
    chunks,
    conversation_values,
    executemany,
    insert_rows,
    load_customers,
    note_inbound,
    update_rows,
    write_rows,
)
from agentdesk.store import fts_backlog
from agentdesk.store.models import (
    Attachment, Conversation, Customer, Direction, Event, Message,
)
from agentdesk.text import one_line

UNKNOWN_SENDER = "unknown sender"

#: A sync or import of at least this many mails is a bulk load: into SQLite the sync
#: checkpoints the WAL once, at its end, and indexes for search beside the storing; on
#: either database the store's statistics are refreshed after it (`Store.after_bulk_load`).
BULK_MAILS = 1000

_MESSAGES = Message.__table__  # type: ignore[attr-defined]
_ATTACHMENTS = Attachment.__table__  # type: ignore[attr-defined]
_EVENTS = Event.__table__  # type: ignore[attr-defined]
_CONVERSATIONS = Conversation.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Stored:
    """What happened to one mail: stored (with its ids) or skipped as a duplicate."""

    message_id: int | None
    conversation_id: int | None
    duplicate: bool
    parse_error: str | None = None
    auto_kind: str | None = None


@dataclass(frozen=True)
class Incoming:
    """One fetched mail for `store_mails`; `mail` when it was parsed already (elsewhere)."""

    source: str
    raw: bytes
    received: datetime | None = None
    mail: ParsedMail | None = None


def _sent_at(mail: ParsedMail, received: datetime | None) -> datetime:
    """The Date header unless missing or implausibly in the future; else when it arrived."""
    now = utcnow()
    fallback = received or now
    if mail.date is None or mail.date > now + timedelta(days=1):
        return fallback
    return mail.date


def customer_address(mail: ParsedMail) -> str:
    """The name a customer gets when we only know their address."""
    return mail.from_address or UNKNOWN_SENDER


def _from_us(mail: ParsedMail, ours: frozenset[str]) -> bool:
    """Sent from one of the shop's own addresses to someone else (a reply made outside
    agentdesk); mail from us to nobody but us is stored as it always was."""
    return (mail.from_address or "").lower() in ours and _their_address(mail, ours) is not None


def _their_address(mail: ParsedMail, ours: frozenset[str]) -> str | None:
    """The first recipient that is not us: the customer of a thread we started."""
    return next((address for address in mail.to if address not in ours), None)


def store_mail(
    session: Session,
    account: str,
    source: str,
    raw: bytes,
    *,
    received: datetime | None = None,
    mail: ParsedMail | None = None,
    ours: frozenset[str] = frozenset(),
) -> Stored:
    """Store `raw` once (parsed, threaded, with attachments); a known mail is skipped."""
    return store_mails(session, account, [Incoming(source, raw, received, mail)], ours=ours)[0]


def store_mails(
    session: Session,
    account: str,
    batch: Sequence[Incoming],
    *,
    ours: frozenset[str] = frozenset(),
    index_later: fts_backlog.Deferral | None = None,
) -> list[Stored]:
    """Store each mail of `batch` once, in order; the results match the batch one to one.
    `ours`: the shop's own addresses, lower-cased (mail from them is our reply).
    `index_later` (a big sync on SQLite): leave the messages' search indexing to an
    `fts_backlog.Indexer`; the caller hands it over once this transaction commits."""
    mails = [item.mail or parse(item.raw) for item in batch]
    duplicate = _duplicates(session, account, batch, mails)
    fresh = [i for i in range(len(batch)) if not duplicate[i]]
    results = [Stored(None, None, True) for _ in batch]
    if not fresh:
        return results

    # 1. Threads, in arrival order: a mail may answer one earlier in the batch. A new
    # conversation is a plain NewRow (cheap to change), its customer looked up in bulk.
    finder = ThreadFinder(session, account, [mails[i] for i in fresh])
    ours = frozenset(address.lower() for address in ours)
    outbound = {i for i in fresh if ours and _from_us(mails[i], ours)}

    def who(i: int) -> str:
        """The customer's address: the sender, or for our own mail its recipient."""
        if i in outbound:
            return _their_address(mails[i], ours) or UNKNOWN_SENDER
        return customer_address(mails[i])

    book = CustomerBook(session, "email", [who(i) for i in fresh])
    people = load_customers(session, (c.customer_id for c in finder.conversations))
    writer = _Writer(session, book, index_later)
    plan: list[_Planned] = []
    owner: dict[int, CustomerLike] = {}  # id() of a conversation begun here -> its customer
    for i in fresh:
        mail, item = mails[i], batch[i]
        sent_at = _sent_at(mail, item.received)
        match = finder.match(mail)
        conv: Conversation | NewRow
        if match.conversation is None:
            conv = NewRow(_CONVERSATIONS, **conversation_values(
                0, "email", mail.subject or "(no subject)", sent_at, account=account
            ))
            conv.automatic = mail.auto_kind is not None
            customer = book.get(who(i), None if i in outbound else mail.from_name)
            writer.start(conv, customer)
            owner[id(conv)] = customer
        elif isinstance(match.conversation, NewRow):
            conv = match.conversation
            customer = owner[id(conv)]
        else:
            conv = match.conversation
            customer = people.get(conv.customer_id) or _customer(session, conv.customer_id)
        finder.remember(mail.message_id, conv)
        plan.append(_Planned(i, mail, item, conv, customer, match.conversation is None,
                             match.reason, sent_at))

    # 2. What each mail does to its conversation, in memory; written in bulk below.
    for step in plan:
        mail, conv, customer = step.mail, step.conv, step.customer
        row = _message_row(mail, step.item, step.sent_at)
        if step.index in outbound:
            # Our reply, sent outside agentdesk: it answers, as Ctrl+S would, unless the
            # customer has written since (then their message still waits for an answer).
            row["direction"] = Direction.OUT.value
            conv.message_count += 1
            conv.updated_at = utcnow()
            if step.sent_at >= conv.last_message_at:
                mark_answered(conv, step.sent_at)
            writer.add(step, row)
            continue
        # The From display name fills a name we did not know (it was the bare address).
        if mail.from_name and customer.name in ("", customer_address(mail)):
            customer.name = one_line(mail.from_name, 200)
        if mail.auto_kind is not None and not step.starts:
            # Automatic mail (an out-of-office answer to our reply, a bounce) joins its
            # thread but must neither reopen it nor start an SLA clock, so it does not go
            # through add_inbound, whose job is exactly that.
            conv.message_count += 1
            conv.updated_at = utcnow()
            writer.add(step, row)
        elif isinstance(conv, Conversation) and rating_of(mail.text) is not None:
            # Maybe a CSAT rating in a conversation from before this batch (one begun in it
            # asked for none): the rule lives in add_inbound (csat.record_rating). What
            # came before is written first, so ids keep the arrival order.
            writer.write()
            message = Message(**row)
            add_inbound(session, conv, message)
            assert message.id is not None
            writer.add(step, None, message.id)
        else:
            reopened = note_inbound(conv, step.sent_at, mail.text)
            writer.add(step, row, before=reopened)
        if mail.auto_kind is None and conv.automatic:
            conv.automatic = False  # a person wrote in this thread after all
    for step, message_id in writer.write(final=True):
        assert step.conv.id is not None
        results[step.index] = Stored(
            message_id, step.conv.id, False, step.mail.parse_error, step.mail.auto_kind
        )
    return results


def _customer(session: Session, customer_id: int) -> Customer:
    customer = session.get(Customer, customer_id)
    assert customer is not None
    return customer


@dataclass
class _Planned:
    """One fresh mail of a batch and the conversation it goes to."""

    index: int
    mail: ParsedMail
    item: Incoming
    conv: Conversation | NewRow
    customer: CustomerLike
    starts: bool
    """This mail starts `conv` (else it joins a known thread, or one begun in the batch)."""
    reason: str
    sent_at: datetime


@dataclass
class _Pending:
    step: _Planned
    row: dict[str, Any] | None
    message_id: int | None
    before: Event | None


class _Writer:
    """Customers, conversations, messages, attachments and events of a batch, written in
    order with one executemany per table (and per `write`)."""

    def __init__(
        self, session: Session, book: CustomerBook, index_later: fts_backlog.Deferral | None
    ) -> None:
        self.session = session
        self.book = book
        self.index_later = index_later
        self.pending: list[_Pending] = []
        self.done: list[tuple[_Planned, int]] = []
        self.started: list[tuple[NewRow, CustomerLike]] = []
        self.written: list[NewRow] = []
        """Conversations written by an earlier `write`: changed since, written again at the end."""

    def start(self, conv: NewRow, customer: CustomerLike) -> None:
        """A conversation begun in this batch, for `customer`."""
        self.started.append((conv, customer))

    def add(
        self,
        step: _Planned,
        row: dict[str, Any] | None,
        message_id: int | None = None,
        before: Event | None = None,
    ) -> None:
        """Queue a message `row` (or one stored already, by id), after the event `before`."""
        self.pending.append(_Pending(step, row, message_id, before))

    def write(self, *, final: bool = False) -> list[tuple[_Planned, int]]:
        """Write what is queued (customers and conversations first, for their ids);
        every step written so far and its message id. `final` also writes what changed
        on rows an earlier `write` made, and the ORM objects' changes."""
        if self.index_later is not None:
            self.index_later.ready()
        self.book.flush()
        new = [conv for conv, _ in self.started if conv.id is None]
        for conv, customer in self.started:
            assert customer.id is not None
            conv.customer_id = customer.id
        write_rows(self.session, _CONVERSATIONS, new)
        if final:
            self.book.flush_changes()
            update_rows(self.session, _CONVERSATIONS, self.written)
        else:
            self.written.extend(new)
        self.session.flush()  # conversations and customers from before the batch
        pending, self.pending = self.pending, []
        rows = []
        for entry in pending:
            if entry.row is not None:
                assert entry.step.conv.id is not None
                entry.row["conversation_id"] = entry.step.conv.id
                rows.append(entry.row)
        if rows:
            if self.index_later is None:
                ids = iter(insert_rows(self.session, _MESSAGES, rows))
            else:
                with self.index_later.unindexed(self.session, len(rows)):
                    ids = iter(insert_rows(self.session, _MESSAGES, rows))
            for entry in pending:
                if entry.row is not None:
                    entry.message_id = next(ids)
        attachments: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        now = utcnow()
        for entry in pending:
            step = entry.step
            assert entry.message_id is not None
            attachments.extend(
                {"message_id": entry.message_id, "filename": part.filename,
                 "content_type": part.content_type, "size": len(part.data), "data": part.data}
                for part in step.mail.attachments
            )
            if entry.before is not None:
                events.append(_event_row(entry.before))
            events.append({
                "at": now, "actor": "poller", "action": "email-in",
                "conversation_id": step.conv.id,
                "detail": f"message {entry.message_id} from {step.item.source}: {step.reason}",
            })
            self.done.append((step, entry.message_id))
        executemany(self.session, _ATTACHMENTS, attachments)
        executemany(self.session, _EVENTS, events)
        return self.done


def _event_row(event: Event) -> dict[str, Any]:
    return {"at": event.at, "actor": event.actor, "action": event.action,
            "conversation_id": event.conversation_id, "detail": event.detail}


def _message_row(mail: ParsedMail, item: Incoming, sent_at: datetime) -> dict[str, Any]:
    """The `message` row of an inbound mail (every column: executemany needs the same keys)."""
    return {
        "conversation_id": 0,
        "direction": Direction.IN.value,
        "author": mail.from_name or mail.from_address or UNKNOWN_SENDER,
        "author_address": mail.from_address,
        "sent_at": sent_at,
        "subject": mail.subject,
        "text": mail.text,
        "html": mail.html,
        "message_id_header": mail.message_id,
        "in_reply_to": mail.in_reply_to,
        "references": " ".join(mail.references) or None,
        "raw": item.raw,
        "parse_error": mail.parse_error,
        "source": item.source,
        "auto_kind": mail.auto_kind,
        "raw_sha256": mail.raw_sha256,
    }


def _duplicates(
    session: Session, account: str, batch: Sequence[Incoming], mails: list[ParsedMail]
) -> list[bool]:
    """Which mails are stored already: same source, else same Message-ID (or, without
    one, same bytes) within the account; a repeat within the batch counts too."""
    known_sources: set[str] = set()
    for chunk in chunks(item.source for item in batch):
        known_sources.update(
            s for s in session.exec(select(Message.source).where(col(Message.source).in_(chunk)))
            if s is not None
        )
    known_ids = _known_in_account(
        session, account, col(Message.message_id_header), (m.message_id for m in mails if m.message_id)
    )
    known_hashes = _known_in_account(
        session, account, col(Message.raw_sha256), (m.raw_sha256 for m in mails if not m.message_id)
    )
    duplicate: list[bool] = []
    for item, mail in zip(batch, mails, strict=True):
        if item.source in known_sources:
            seen = True
        elif mail.message_id:
            seen = mail.message_id in known_ids
        else:
            seen = mail.raw_sha256 in known_hashes
        duplicate.append(seen)
        if not seen:
            known_sources.add(item.source)
            if mail.message_id:
                known_ids.add(mail.message_id)
            known_hashes.add(mail.raw_sha256)
    return duplicate


def _known_in_account(
    session: Session, account: str, column: Any, values: Iterable[str | None]
) -> set[str]:
    """Which of `values` `column` already holds among the account's messages."""
    known: set[str] = set()
    for chunk in chunks(values):
        query = (
            select(column)
            .join(Conversation, col(Conversation.id) == col(Message.conversation_id))
            .where(Conversation.account == account, column.in_(chunk))
        )
        known.update(v for v in session.exec(query) if v is not None)
    return known
