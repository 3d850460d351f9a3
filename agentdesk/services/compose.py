"""Queueing a reply or writing an internal note: what Ctrl+S and `agentdesk reply` do.

A reply becomes an outbound Message (shown in the thread at once) and an OutboxItem
(status queued) in one transaction; a channel delivers it later and marks it sent.
A note is a Message with direction "note" and never leaves the store.
"""

from __future__ import annotations

from datetime import timedelta
from email.utils import make_msgid
from enum import StrEnum

from sqlalchemy import and_, or_, update
from sqlmodel import col

from agentdesk.clock import utcnow
from agentdesk.services.conversations import _get, record
from agentdesk.services.desk import Desk
from agentdesk.services import review
from agentdesk.services.sla import mark_answered
from agentdesk.services.workflow import record_mentions
from agentdesk.store.models import Direction, Message, OutboxItem, OutboxStatus, Status


class Kind(StrEnum):
    REPLY = "reply"
    NOTE = "note"


def _new_message_id(desk: Desk, channel: str, account: str | None, kind: Kind) -> str | None:
    """An email reply's Message-ID, made when it is queued (None: SMTP makes one at send)."""
    if kind is not Kind.REPLY or channel != "email" or not desk.mail_domains:
        return None
    domain = desk.mail_domains.get(account or "") or next(iter(desk.mail_domains.values()))
    return make_msgid(domain=domain)


class EmptyReply(ValueError):
    """Nothing to send: the text is blank."""


def reply_subject(subject: str) -> str:
    """`Re: subject`, without stacking `Re: Re:`."""
    if not subject:
        return ""
    return subject if subject[:3].lower() == "re:" else f"Re: {subject}"


def queue(
    desk: Desk,
    conversation_id: int,
    text: str,
    kind: Kind = Kind.REPLY,
    then_status: Status | None = None,
    follow_up: timedelta | None = None,
) -> int:
    """Store a reply (queued in the outbox) or an internal note; returns the message id.

    `then_status` (e.g. pending) is set in the same transaction, so "send and wait for
    the customer" is one keystroke; with `follow_up` a pending conversation comes back
    if the customer stays silent that long. A trainee's reply waits for a lead's
    approval (agentdesk.services.review) instead of entering the outbox.
    """
    body = text.replace("\r\n", "\n").strip("\n")
    if not body.strip():
        raise EmptyReply("the reply is empty")
    with desk.store.session() as session:
        conv = _get(session, conversation_id)
        now = utcnow()
        message = Message(
            conversation_id=conversation_id,
            direction=Direction.NOTE if kind is Kind.NOTE else Direction.OUT,
            author=desk.agent.name,
            author_address=desk.agent.login,
            sent_at=now,
            subject=reply_subject(conv.subject),
            text=body,
            message_id_header=_new_message_id(desk, conv.channel, conv.account, kind),
        )
        session.add(message)
        session.flush()
        assert message.id is not None
        conv.updated_at = now
        conv.message_count += 1
        if kind is Kind.REPLY:
            held = review.needs_review(session, desk.agent.login)
            session.add(
                OutboxItem(
                    conversation_id=conversation_id,
                    message_id=message.id,
                    channel=conv.channel,
                    status=OutboxStatus.NEEDS_APPROVAL if held else OutboxStatus.QUEUED,
                    created_by=desk.agent.login,
                    created_at=now,
                )
            )
            if not held:
                mark_answered(conv, now)
        else:
            record_mentions(session, message)
        record(session, desk.agent.login, kind.value, conversation_id, f"message {message.id}")
        if then_status is not None:
            review.apply_status(session, desk.agent.login, conv, then_status, now, follow_up)
        return message.id


def send_again(desk: Desk, conversation_id: int) -> int:
    """The agent's "send again" (F): every reply of the conversation that failed for
    good is queued with fresh attempts, and one waiting to retry after an error is
    tried at the next outbox run instead of after its back-off. Returns how many; the
    audit log says who."""
    with desk.store.session() as session:
        _get(session, conversation_id)
        result = session.execute(
            update(OutboxItem)
            .where(
                col(OutboxItem.conversation_id) == conversation_id,
                or_(
                    col(OutboxItem.status) == OutboxStatus.FAILED,
                    and_(col(OutboxItem.status) == OutboxStatus.QUEUED,
                         col(OutboxItem.next_attempt_at).is_not(None)),
                ),
            )
            .values(status=OutboxStatus.QUEUED, attempts=0, next_attempt_at=None)
        )
        count = int(result.rowcount or 0)  # type: ignore[attr-defined]
        if count:
            record(session, desk.agent.login, "send_again", conversation_id, f"{count} repl(ies)")
        return count
