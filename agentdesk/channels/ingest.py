"""Storing one raw mail: parse, deduplicate, thread, and add it through intake.

The caller owns the transaction: the IMAP sync stores a batch of mails and moves
its saved UID position in the same commit, so a crash loses nothing and repeats
nothing. The unique index on `message.source` refuses a second copy of the same
fetched mail even if two processes ever raced past every other check.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from agentdesk.channels.mime import ParsedMail, parse
from agentdesk.channels.threading import match_thread
from agentdesk.clock import utcnow
from agentdesk.services.intake import add_inbound, find_or_create_customer, new_conversation
from agentdesk.store.models import Attachment, Conversation, Customer, Direction, Event, Message
from agentdesk.text import one_line

UNKNOWN_SENDER = "unknown sender"


@dataclass(frozen=True)
class Stored:
    """What happened to one mail: stored (with its ids) or skipped as a duplicate."""

    message_id: int | None
    conversation_id: int | None
    duplicate: bool
    parse_error: str | None = None
    auto_kind: str | None = None


def find_duplicate(session: Session, account: str, source: str, mail: ParsedMail) -> int | None:
    """The id of a message already stored for this mail: same source, Message-ID or hash."""
    found = session.exec(select(Message.id).where(Message.source == source)).first()
    if found is not None:
        return found
    query = select(Message.id).join(
        Conversation, col(Conversation.id) == col(Message.conversation_id)
    )
    query = query.where(Conversation.account == account)
    if mail.message_id:
        query = query.where(Message.message_id_header == mail.message_id)
    else:
        query = query.where(Message.raw_sha256 == mail.raw_sha256)
    return session.exec(query.limit(1)).first()


def _sent_at(mail: ParsedMail, received: datetime | None) -> datetime:
    """The Date header unless missing or implausibly in the future; else when it arrived."""
    now = utcnow()
    fallback = received or now
    if mail.date is None or mail.date > now + timedelta(days=1):
        return fallback
    return mail.date


def store_mail(
    session: Session,
    account: str,
    source: str,
    raw: bytes,
    *,
    received: datetime | None = None,
    mail: ParsedMail | None = None,
) -> Stored:
    """Store `raw` once (parsed, threaded, with attachments); a known mail is skipped."""
    mail = mail or parse(raw)
    if find_duplicate(session, account, source, mail) is not None:
        return Stored(None, None, True)
    sent_at = _sent_at(mail, received)
    match = match_thread(session, account, mail)
    conv = match.conversation
    if conv is None:
        customer = find_or_create_customer(
            session, "email", mail.from_address or UNKNOWN_SENDER, mail.from_name
        )
        conv = new_conversation(
            session, customer, "email", mail.subject or "(no subject)", sent_at, account=account
        )
        conv.automatic = mail.auto_kind is not None
    else:
        # A reply in a known thread stays with that thread's customer; a colleague in
        # Cc answering from another address does not become a customer of their own.
        found = session.get(Customer, conv.customer_id)
        assert found is not None
        customer = found
    # The From display name fills a name we did not know (it was the bare address).
    if mail.from_name and customer.name in ("", customer_address(mail)):
        customer.name = one_line(mail.from_name, 200)
    message = Message(
        conversation_id=0,
        direction="in",
        author=mail.from_name or mail.from_address or UNKNOWN_SENDER,
        author_address=mail.from_address,
        sent_at=sent_at,
        subject=mail.subject,
        text=mail.text,
        html=mail.html,
        message_id_header=mail.message_id,
        in_reply_to=mail.in_reply_to,
        references=" ".join(mail.references) or None,
        raw=raw,
        parse_error=mail.parse_error,
        source=source,
        auto_kind=mail.auto_kind,
        raw_sha256=mail.raw_sha256,
    )
    if mail.auto_kind is not None and match.conversation is not None:
        # Automatic mail (an out-of-office answer to our reply, a bounce) joins its
        # thread but must neither reopen it nor start an SLA clock, so it does not go
        # through add_inbound, whose job is exactly that.
        assert conv.id is not None
        message.conversation_id = conv.id
        message.direction = Direction.IN
        session.add(message)
        conv.message_count += 1
        conv.updated_at = utcnow()
        session.flush()
    else:
        add_inbound(session, conv, message)
        if mail.auto_kind is None and conv.automatic:
            conv.automatic = False  # a person wrote in this thread after all
    assert message.id is not None and conv.id is not None
    for part in mail.attachments:
        session.add(
            Attachment(
                message_id=message.id,
                filename=part.filename,
                content_type=part.content_type,
                size=len(part.data),
                data=part.data,
            )
        )
    session.add(
        Event(
            at=utcnow(),
            actor="poller",
            action="email-in",
            conversation_id=conv.id,
            detail=f"message {message.id} from {source}: {match.reason}",
        )
    )
    session.flush()
    return Stored(message.id, conv.id, False, mail.parse_error, mail.auto_kind)


def customer_address(mail: ParsedMail) -> str:
    """The name a customer gets when we only know their address."""
    return mail.from_address or UNKNOWN_SENDER
