"""Queueing a reply or writing an internal note: what Ctrl+S and `agentdesk reply` do.

A reply becomes an outbound Message (shown in the thread at once) and an OutboxItem
(status queued) in one transaction; a channel delivers it later and marks it sent.
A note is a Message with direction "note" and never leaves the store.
"""

from __future__ import annotations

from enum import StrEnum

from agentdesk.clock import utcnow
from agentdesk.services.conversations import _get, record
from agentdesk.services.desk import Desk
from agentdesk.store.models import NO_DUE, Direction, Message, OutboxItem, Status


class Kind(StrEnum):
    REPLY = "reply"
    NOTE = "note"


class EmptyReply(ValueError):
    """Nothing to send: the text is blank."""


def reply_subject(subject: str) -> str:
    """`Re: subject`, without stacking `Re: Re:`."""
    if not subject:
        return ""
    return subject if subject[:3].lower() == "re:" else f"Re: {subject}"


def queue(desk: Desk, conversation_id: int, text: str, kind: Kind = Kind.REPLY) -> int:
    """Store a reply (queued in the outbox) or an internal note; returns the message id."""
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
        )
        session.add(message)
        session.flush()
        assert message.id is not None
        conv.updated_at = now
        conv.message_count += 1
        if kind is Kind.REPLY:
            session.add(
                OutboxItem(
                    conversation_id=conversation_id,
                    message_id=message.id,
                    channel=conv.channel,
                    created_by=desk.agent.login,
                    created_at=now,
                )
            )
            if conv.first_response_at is None:
                conv.first_response_at = now
            # The customer has their answer: nothing is due until they write again.
            conv.sla_due_at = None
            if conv.status == Status.OPEN:
                conv.sort_due = NO_DUE
            conv.last_message_at = now
        record(session, desk.agent.login, kind.value, conversation_id, f"message {message.id}")
        return message.id
