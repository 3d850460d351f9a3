"""Putting customer messages into the store: the one path every channel uses.

Channels (IMAP, chat, the demo) parse their input and call these functions inside
their own transaction, so a message and the poller's saved position commit together.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from agentdesk.clock import utcnow
from agentdesk.services.sla import due_after
from agentdesk.services.csat import record_rating
from agentdesk.store.models import (
    ContactPoint, Conversation, Customer, Direction, Event, Message, Status,
)
from agentdesk.text import one_line


def find_or_create_customer(
    session: Session, channel: str, address: str, name: str = "", network: str | None = None
) -> Customer:
    """The customer behind `address` on `channel`, created (with that contact point) if new."""
    address = address.strip().lower() if channel == "email" else address.strip()
    point = session.exec(
        select(ContactPoint).where(ContactPoint.channel == channel, ContactPoint.address == address)
    ).first()
    if point is not None:
        customer = session.get(Customer, point.customer_id)
        assert customer is not None
        while customer.merged_into_id is not None:
            merged = session.get(Customer, customer.merged_into_id)
            assert merged is not None
            customer = merged
        return customer
    customer = Customer(name=one_line(name) or address, created_at=utcnow())
    session.add(customer)
    session.flush()
    assert customer.id is not None
    session.add(ContactPoint(customer_id=customer.id, channel=channel, address=address, network=network))
    session.flush()
    return customer


def new_conversation(
    session: Session,
    customer: Customer,
    channel: str,
    subject: str,
    at: datetime,
    *,
    network: str | None = None,
    account: str | None = None,
    external_key: str | None = None,
) -> Conversation:
    """An empty open conversation; `add_inbound` fills it."""
    assert customer.id is not None
    conv = Conversation(
        channel=channel,
        network=network,
        account=account,
        external_key=external_key,
        subject=one_line(subject, 300),
        customer_id=customer.id,
        created_at=at,
        updated_at=at,
        last_message_at=at,
    )
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
    if record_rating(session, conv, message) is None:
        if conv.status != Status.OPEN:
            # Logged so reports can tell a reopened conversation (and for how long) apart.
            session.add(Event(at=utcnow(), actor="customer", action=f"status:{Status.OPEN}",
                              conversation_id=conv.id, detail=f"was {conv.status}"))
            conv.status = Status.OPEN
            conv.closed_at = None
            conv.snoozed_until = None
        if conv.sla_due_at is None:
            # First response until we answered once; then the next-response target.
            conv.sla_due_at = due_after(conv.channel, message.sent_at, first=conv.first_response_at is None)
        conv.sort_due = conv.sla_due_at
    conv.last_message_at = max(conv.last_message_at, message.sent_at)
    conv.updated_at = utcnow()
    conv.message_count += 1
    if not conv.preview:
        conv.preview = one_line(message.text, 200)
    session.flush()
    return message
