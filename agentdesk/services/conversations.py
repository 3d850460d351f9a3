"""Opening a conversation and changing its state (assign, close, reopen).

Every change writes an Event line in the same transaction, so the audit log can
never disagree with the data.
"""

from __future__ import annotations

from collections import defaultdict

from sqlmodel import Session, col, select

from agentdesk.clock import utcnow
from agentdesk.services.desk import Desk
from agentdesk.services.inbox import contact_points, row_of
from agentdesk.services.views import (
    AttachmentView,
    ConversationDetail,
    CustomerView,
    MessageView,
    PastConversation,
)
from agentdesk.store import Store
from agentdesk.store.models import (
    NO_DUE,
    Agent,
    Attachment,
    Conversation,
    Customer,
    Event,
    Message,
    OutboxItem,
    OutboxStatus,
    Status,
)


class NotFound(LookupError):
    """No conversation has that id."""


def any_exist(store: Store) -> bool:
    """Whether the store holds any conversation at all."""
    with store.session() as session:
        return session.exec(select(Conversation.id).limit(1)).first() is not None


def _get(session: Session, conversation_id: int) -> Conversation:
    conv = session.get(Conversation, conversation_id)
    if conv is None:
        raise NotFound(f"no conversation #{conversation_id}")
    return conv


def record(session: Session, actor: str, action: str, conversation_id: int | None, detail: str = "") -> None:
    """Append one audit line."""
    session.add(Event(at=utcnow(), actor=actor, action=action, conversation_id=conversation_id, detail=detail))


def _tags(session: Session, conversation_id: int) -> tuple[str, ...]:
    from agentdesk.services.tags import tags_of  # tags imports this module

    return tags_of(session, [conversation_id])[conversation_id]


def open_detail(desk: Desk, conversation_id: int) -> ConversationDetail:
    """The conversation, its customer with every address and past conversation, and its thread."""
    with desk.store.session() as session:
        conv = _get(session, conversation_id)
        customer = session.get(Customer, conv.customer_id)
        assert customer is not None and customer.id is not None
        assignee = session.get(Agent, conv.assignee_id).login if conv.assignee_id else None  # type: ignore[union-attr]
        addresses = contact_points(session, [customer.id])[customer.id]
        past = session.exec(
            select(Conversation)
            .where(Conversation.customer_id == customer.id)
            .order_by(col(Conversation.last_message_at).desc())
            .limit(200)
        ).all()
        messages = session.exec(
            select(Message)
            .where(Message.conversation_id == conversation_id)
            .order_by(col(Message.sent_at), col(Message.id))
        ).all()
        message_ids = [m.id for m in messages]
        files: dict[int, list[AttachmentView]] = defaultdict(list)
        for att in session.exec(
            select(Attachment).where(col(Attachment.message_id).in_(message_ids))
        ):
            files[att.message_id].append(AttachmentView(att.filename, att.size, att.content_type))
        outbox = {
            item.message_id: item
            for item in session.exec(
                select(OutboxItem).where(OutboxItem.conversation_id == conversation_id)
            )
        }
        return ConversationDetail(
            row=row_of(conv, customer.name, assignee, addresses, _tags(session, conversation_id),
                       undelivered=any(i.status == OutboxStatus.FAILED for i in outbox.values())),
            customer=CustomerView(
                id=customer.id,
                name=customer.name,
                vip=customer.vip,
                addresses=addresses,
                conversations=[
                    PastConversation(p.id or 0, p.channel, p.subject or p.preview, p.status, p.created_at,
                                     p.last_message_at, p.network)
                    for p in past
                ],
            ),
            messages=[
                MessageView(
                    id=m.id or 0,
                    direction=m.direction,
                    author=m.author,
                    author_address=m.author_address,
                    sent_at=m.sent_at,
                    subject=m.subject,
                    text=m.text,
                    parse_error=m.parse_error,
                    attachments=files.get(m.id or 0, []),
                    delivery=outbox[m.id].status if m.id in outbox else None,
                    delivery_error=outbox[m.id].last_error if m.id in outbox else None,
                    auto_kind=m.auto_kind,
                )
                for m in messages
            ],
        )


def assign_to_me(desk: Desk, conversation_id: int) -> None:
    """Make the current agent the conversation's assignee."""
    with desk.store.session() as session:
        conv = _get(session, conversation_id)
        _assign(session, desk, conv, desk.agent_id(session), desk.agent.login)


def assign_to(desk: Desk, conversation_id: int, login: str) -> None:
    """Hand the conversation to the agent with `login` (agents.UnknownAgent if none)."""
    from agentdesk.services.agents import find

    with desk.store.session() as session:
        conv = _get(session, conversation_id)
        agent = find(session, login)
        assert agent.id is not None
        _assign(session, desk, conv, agent.id, login)


def _assign(session: Session, desk: Desk, conv: Conversation, agent_id: int, login: str) -> None:
    """Make `agent_id` the assignee (a no-op when it already is), with its audit line."""
    if conv.assignee_id == agent_id:
        return
    conv.assignee_id = agent_id
    conv.updated_at = utcnow()
    record(session, desk.agent.login, "assign", conv.id, login)


def unassign(desk: Desk, conversation_id: int) -> None:
    """Take the conversation off whoever has it."""
    with desk.store.session() as session:
        conv = _get(session, conversation_id)
        if conv.assignee_id is None:
            return
        conv.assignee_id = None
        conv.updated_at = utcnow()
        record(session, desk.agent.login, "unassign", conversation_id)


def set_status(desk: Desk, conversation_id: int, status: Status) -> None:
    """Close, reopen or park a conversation; closing takes it out of SLA order."""
    with desk.store.session() as session:
        conv = _get(session, conversation_id)
        if conv.status == status:
            return
        now = utcnow()
        conv.status = status
        conv.updated_at = now
        if status == Status.CLOSED:
            conv.closed_at = now
            conv.sort_due = NO_DUE
        else:
            conv.closed_at = None
            conv.sort_due = conv.sla_due_at or NO_DUE
        record(session, desk.agent.login, f"status:{status}", conversation_id)
