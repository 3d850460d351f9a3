"""Inbox views: keyset pages of conversations in urgency order.

Urgency order is (sort_due, last_message_at, id) ascending: the soonest SLA due
first, then the longest waiting. The closed view runs the same key backwards
(newest first). Each page starts after a Cursor, so the cost of a page does not
grow with how far down the list it is (no OFFSET).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, tuple_
from sqlmodel import Session, col, select

from agentdesk.clock import utcnow
from agentdesk.services.desk import Desk
from agentdesk.services.views import ContactView, ConversationRow, Cursor, CustomerRef, Page, View
from agentdesk.store.models import (
    Agent, ContactPoint, Conversation, Customer, OutboxItem, OutboxStatus, Status,
)

PAGE_SIZE = 200


def _filtered(statement: Any, view: View, me: int, session: Session) -> Any:
    from agentdesk.services import review, sla, snooze, workflow  # they import this module

    if view is View.OPEN:
        return statement.where(snooze.open_condition(session))
    if view is View.MINE:
        return statement.where(
            Conversation.assignee_id == me, Conversation.status != Status.CLOSED
        )
    if view is View.UNASSIGNED:
        return statement.where(
            col(Conversation.assignee_id).is_(None), snooze.open_condition(session)
        )
    if view is View.PENDING:
        return statement.where(Conversation.status == Status.PENDING)
    if view is View.CLOSED:
        return statement.where(Conversation.status == Status.CLOSED)
    if view is View.SNOOZED:
        return statement.where(Conversation.status == Status.SNOOZED)
    if view is View.BREACHING:
        return statement.where(
            Conversation.status == Status.OPEN,
            col(Conversation.sort_due) <= utcnow() + sla.policy().warn_before,
            col(Conversation.sla_due_at).is_not(None),
        )
    if view is View.NEEDS_APPROVAL:
        return statement.where(review.needs_approval_condition())
    if view is View.MENTIONS:
        return statement.where(workflow.mentions_condition(me))
    return statement


def _sort_key() -> tuple[Any, Any, Any]:
    return (
        col(Conversation.sort_due),
        col(Conversation.last_message_at),
        col(Conversation.id),
    )


def page(desk: Desk, view: View, after: Cursor | None = None, limit: int = PAGE_SIZE) -> Page:
    """The `limit` conversations of `view` that come after `after` in urgency order."""
    backwards = view is View.CLOSED
    key = _sort_key()
    with desk.store.session() as session:
        me = desk.agent_id(session)
        statement = (
            select(Conversation, Customer.name, Agent.login)
            .join(Customer, col(Customer.id) == Conversation.customer_id)
            .outerjoin(Agent, col(Agent.id) == Conversation.assignee_id)
        )
        statement = _filtered(statement, view, me, session)
        if after is not None:
            values = tuple_(after.sort_due, after.last_message_at, after.id)
            statement = statement.where(
                tuple_(*key) < values if backwards else tuple_(*key) > values
            )
        order = [k.desc() for k in key] if backwards else list(key)
        results = session.exec(statement.order_by(*order).limit(limit + 1)).all()
        more = len(results) > limit
        results = results[:limit]
        contacts = contact_points(session, {conv.customer_id for conv, _, _ in results})
        from agentdesk.services.tags import tags_of  # tags imports this module

        tags = tags_of(session, [conv.id for conv, _, _ in results if conv.id is not None])
        failed = undelivered(session, [conv.id for conv, _, _ in results if conv.id is not None])
        rows = [
            row_of(conv, name, login, contacts[conv.customer_id], tags.get(conv.id or 0, ()),
                   undelivered=conv.id in failed)
            for conv, name, login in results
        ]
    return Page(rows=rows, next=rows[-1].cursor if more and rows else None)


def count(desk: Desk, view: View) -> int:
    """How many conversations `view` holds (an index-only count)."""
    with desk.store.session() as session:
        me = desk.agent_id(session)
        statement = _filtered(select(func.count()).select_from(Conversation), view, me, session)
        return int(session.exec(statement).one())


def contact_points(session: Session, customer_ids: Iterable[int]) -> dict[int, list[ContactView]]:
    """Every address and handle of the given customers, by customer id."""
    found: dict[int, list[ContactView]] = defaultdict(list)
    ids = list(customer_ids)
    if not ids:
        return found
    statement = (
        select(ContactPoint)
        .where(col(ContactPoint.customer_id).in_(ids))
        .order_by(col(ContactPoint.id))
    )
    for point in session.exec(statement):
        found[point.customer_id].append(ContactView(point.channel, point.address, point.network))
    return found


def undelivered(session: Session, conversation_ids: Iterable[int]) -> set[int]:
    """Which of these conversations have a reply that failed for good."""
    ids = list(conversation_ids)
    if not ids:
        return set()
    return set(session.exec(
        select(OutboxItem.conversation_id).where(
            col(OutboxItem.conversation_id).in_(ids), OutboxItem.status == OutboxStatus.FAILED)
    ))


def row_of(
    conv: Conversation,
    customer_name: str,
    assignee: str | None,
    addresses: Sequence[ContactView],
    tags: Sequence[str] = (),
    *,
    undelivered: bool = False,
) -> ConversationRow:
    """The read model of one inbox line."""
    assert conv.id is not None
    return ConversationRow(
        id=conv.id,
        channel=conv.channel,
        network=conv.network,
        status=conv.status,
        subject=conv.subject,
        preview=conv.preview,
        customer=CustomerRef(conv.customer_id, customer_name, list(addresses)),
        assignee=assignee,
        priority=conv.priority,
        created_at=conv.created_at,
        updated_at=conv.updated_at,
        last_message_at=conv.last_message_at,
        sla_due_at=conv.sla_due_at,
        sort_due=conv.sort_due,
        tags=tuple(tags),
        urgency=conv.urgency,
        snoozed_until=conv.snoozed_until,
        undelivered=undelivered,
    )
