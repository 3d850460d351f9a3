"""The review queue: replies written by trainees wait for a lead before they go out.

compose.queue files a trainee's reply with outbox status `needs_approval`. A lead
then approves it (queued: the channel sends it), edits then approves it, or returns it
with a comment the trainee sees (status `returned`); the trainee revises and resubmits.
Each step writes an Event, so the audit log tells the whole story.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from agentdesk.clock import utcnow
from agentdesk.services.conversations import _get, record
from agentdesk.services.desk import Desk
from agentdesk.services.sla import mark_answered
from agentdesk.services.snooze import apply_pending
from agentdesk.store.models import (
    NO_DUE,
    Agent,
    Conversation,
    Customer,
    Message,
    OutboxItem,
    OutboxStatus,
    ReviewComment,
    Status,
)

TRAINEE = "trainee"
LEAD = "lead"


class NotAllowed(PermissionError):
    """Only a lead may approve or return a reply; only its author may resubmit it."""


class NotInReview(LookupError):
    """The outbox item is not (or no longer) waiting for this step."""


@dataclass(frozen=True)
class CommentView:
    author: str
    text: str
    at: datetime


@dataclass(frozen=True)
class ReviewItem:
    """A held reply, with its conversation and what leads said about it."""

    outbox_id: int
    conversation_id: int
    message_id: int
    status: str
    author: str
    customer: str
    subject: str
    text: str
    created_at: datetime
    comments: list[CommentView]


def role_of(session: Session, login: str) -> str:
    agent = session.exec(select(Agent).where(Agent.login == login)).first()
    return agent.role if agent else "agent"


def needs_review(session: Session, login: str) -> bool:
    """Whether replies by `login` are held for approval (the agent is a trainee)."""
    return role_of(session, login) == TRAINEE


def apply_status(
    session: Session,
    actor: str,
    conv: Conversation,
    status: Status,
    now: datetime,
    follow_up: timedelta | None = None,
) -> None:
    """Set a status as part of another change (compose's "send, then pending")."""
    if status == Status.PENDING:
        apply_pending(conv, now, follow_up)
    else:
        conv.status = status
        conv.updated_at = now
        conv.follow_up_at = None
        conv.snoozed_until = None
        conv.closed_at = now if status == Status.CLOSED else None
        conv.sort_due = NO_DUE if status == Status.CLOSED else (conv.sla_due_at or NO_DUE)
    assert conv.id is not None
    detail = f"follow-up {conv.follow_up_at.isoformat()}" if conv.follow_up_at else ""
    record(session, actor, f"status:{status}", conv.id, detail)


def _require_lead(session: Session, desk: Desk) -> None:
    if role_of(session, desk.agent.login) != LEAD:
        raise NotAllowed(f"{desk.agent.login} is not a lead: only leads review replies")


def _item(session: Session, outbox_id: int, expected: OutboxStatus) -> OutboxItem:
    item = session.get(OutboxItem, outbox_id)
    if item is None or item.status != expected:
        raise NotInReview(f"outbox item {outbox_id} is not {expected.value}")
    return item


def approve(desk: Desk, outbox_id: int, edited_text: str | None = None) -> None:
    """A lead lets a held reply go out, optionally after editing its text."""
    with desk.store.session() as session:
        _require_lead(session, desk)
        item = _item(session, outbox_id, OutboxStatus.NEEDS_APPROVAL)
        message = session.get(Message, item.message_id)
        assert message is not None
        now = utcnow()
        if edited_text is not None and edited_text.strip() and edited_text != message.text:
            message.text = edited_text.replace("\r\n", "\n").strip("\n")
            record(session, desk.agent.login, "review:edit", item.conversation_id, f"outbox {outbox_id}")
        item.status = OutboxStatus.QUEUED
        message.sent_at = now
        mark_answered(_get(session, item.conversation_id), now)
        record(session, desk.agent.login, "review:approve", item.conversation_id, f"outbox {outbox_id}")


def return_reply(desk: Desk, outbox_id: int, comment: str) -> None:
    """A lead sends a held reply back to its author with a comment."""
    if not comment.strip():
        raise ValueError("say what to change: the comment is empty")
    with desk.store.session() as session:
        _require_lead(session, desk)
        item = _item(session, outbox_id, OutboxStatus.NEEDS_APPROVAL)
        item.status = OutboxStatus.RETURNED
        session.add(ReviewComment(outbox_id=outbox_id, author=desk.agent.login, text=comment.strip(), at=utcnow()))
        record(session, desk.agent.login, "review:return", item.conversation_id, comment.strip()[:500])


def resubmit(desk: Desk, outbox_id: int, text: str) -> None:
    """The author revises a returned reply; it waits for approval again."""
    if not text.strip():
        raise ValueError("the reply is empty")
    with desk.store.session() as session:
        item = _item(session, outbox_id, OutboxStatus.RETURNED)
        if item.created_by != desk.agent.login:
            raise NotAllowed("only the reply's author can resubmit it")
        message = session.get(Message, item.message_id)
        assert message is not None
        message.text = text.replace("\r\n", "\n").strip("\n")
        item.status = OutboxStatus.NEEDS_APPROVAL
        record(session, desk.agent.login, "review:resubmit", item.conversation_id, f"outbox {outbox_id}")


def _items(session: Session, statement: object) -> list[ReviewItem]:
    rows = session.exec(statement).all()  # type: ignore[call-overload]
    ids = [item.id for item, _, _, _ in rows]
    comments: dict[int, list[CommentView]] = {i: [] for i in ids}
    for comment in session.exec(
        select(ReviewComment).where(col(ReviewComment.outbox_id).in_(ids)).order_by(col(ReviewComment.at))
    ):
        comments[comment.outbox_id].append(CommentView(comment.author, comment.text, comment.at))
    return [
        ReviewItem(
            outbox_id=item.id,
            conversation_id=item.conversation_id,
            message_id=item.message_id,
            status=item.status,
            author=item.created_by,
            customer=customer,
            subject=conv.subject or conv.preview,
            text=message.text,
            created_at=item.created_at,
            comments=comments[item.id],
        )
        for item, message, conv, customer in rows
    ]


def _statement(status: OutboxStatus) -> object:
    return (
        select(OutboxItem, Message, Conversation, Customer.name)
        .join(Message, col(Message.id) == OutboxItem.message_id)
        .join(Conversation, col(Conversation.id) == OutboxItem.conversation_id)
        .join(Customer, col(Customer.id) == Conversation.customer_id)
        .where(OutboxItem.status == status)
        .order_by(col(OutboxItem.created_at), col(OutboxItem.id))
    )


def queue_for_review(desk: Desk) -> list[ReviewItem]:
    """Every reply waiting for approval, oldest first (what the lead's screen lists)."""
    with desk.store.session() as session:
        return _items(session, _statement(OutboxStatus.NEEDS_APPROVAL))


def returned_to_me(desk: Desk) -> list[ReviewItem]:
    """The current agent's replies a lead sent back, with the comments."""
    with desk.store.session() as session:
        statement = _statement(OutboxStatus.RETURNED).where(  # type: ignore[attr-defined]
            OutboxItem.created_by == desk.agent.login
        )
        return _items(session, statement)


def needs_approval_condition() -> object:
    """SQL condition for the inbox's needs-approval view."""
    return col(Conversation.id).in_(
        select(OutboxItem.conversation_id).where(OutboxItem.status == OutboxStatus.NEEDS_APPROVAL)
    )
