"""Merging customers: the same person wrote from a chat handle and an email address.

Merging FROM into INTO moves FROM's contact points and conversations to INTO, so
the customer pane shows every channel's history together, and marks FROM as
`merged_into` INTO. The store remembers: intake follows `merged_into_id`, so a
handle that somehow still points at FROM lands on INTO. Every merge is logged.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, col, select

from agentdesk.clock import utcnow
from agentdesk.services.desk import Desk
from agentdesk.services.inbox import contact_points
from agentdesk.services.views import ContactView
from agentdesk.store.models import ContactPoint, Conversation, Customer, Event

MAX_CHAIN = 100


class MergeError(ValueError):
    """The merge cannot be done (unknown customer, same customer, ...)."""


@dataclass(frozen=True)
class CustomerSummary:
    """A customer as the merge command shows it."""

    id: int
    name: str
    addresses: list[ContactView]
    conversations: int
    merged_into: int | None


@dataclass(frozen=True)
class MergeResult:
    """What a merge did."""

    into: CustomerSummary
    merged_from: int
    moved_contacts: int
    moved_conversations: int


def resolve(session: Session, customer_id: int) -> Customer:
    """The customer that `customer_id` is (or was merged into, following the chain)."""
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise MergeError(f"no customer #{customer_id}")
    for _ in range(MAX_CHAIN):
        if customer.merged_into_id is None:
            return customer
        nxt = session.get(Customer, customer.merged_into_id)
        if nxt is None:
            return customer
        customer = nxt
    raise MergeError(f"customer #{customer_id}: the merge chain does not end")


def summary(session: Session, customer: Customer) -> CustomerSummary:
    assert customer.id is not None
    count = len(session.exec(select(Conversation.id).where(Conversation.customer_id == customer.id)).all())
    return CustomerSummary(
        id=customer.id,
        name=customer.name,
        addresses=contact_points(session, [customer.id])[customer.id],
        conversations=count,
        merged_into=customer.merged_into_id,
    )


def find(desk: Desk, customer_id: int) -> CustomerSummary:
    """One customer (after following merges), for showing before a merge."""
    with desk.store.session() as session:
        return summary(session, resolve(session, customer_id))


def merge(desk: Desk, from_id: int, into_id: int) -> MergeResult:
    """Merge customer `from_id` into `into_id` (both after following earlier merges)."""
    with desk.store.session() as session:
        source = resolve(session, from_id)
        target = resolve(session, into_id)
        if source.id == target.id:
            raise MergeError(f"customers #{from_id} and #{into_id} are already the same customer")
        assert source.id is not None and target.id is not None
        moved_contacts = session.execute(
            update(ContactPoint)
            .where(col(ContactPoint.customer_id) == source.id)
            .values(customer_id=target.id)
        ).rowcount  # type: ignore[attr-defined]
        moved_conversations = session.execute(
            update(Conversation)
            .where(col(Conversation.customer_id) == source.id)
            .values(customer_id=target.id)
        ).rowcount  # type: ignore[attr-defined]
        source.merged_into_id = target.id
        target.vip = target.vip or source.vip
        session.add(
            Event(
                at=utcnow(),
                actor=desk.agent.login,
                action="customer:merge",
                conversation_id=None,
                detail=f"customer {source.id} ({source.name}) merged into {target.id} ({target.name})",
            )
        )
        session.flush()
        return MergeResult(
            into=summary(session, target),
            merged_from=source.id,
            moved_contacts=int(moved_contacts or 0),
            moved_conversations=int(moved_conversations or 0),
        )


def find_by_reference(desk: Desk, reference: str) -> int:
    """The customer id an agent typed: `#12` / `12`, an email address or a chat handle."""
    text = reference.strip().lstrip("#")
    if text.isdigit():
        return int(text)
    with desk.store.session() as session:
        point = session.exec(
            select(ContactPoint).where(
                (col(ContactPoint.address) == text) | (col(ContactPoint.address) == text.lower())
            )
        ).first()
    if point is None:
        raise MergeError(f"no customer with the address or handle {text!r}")
    return point.customer_id
