"""Putting conversations into a test store through the same intake path channels use."""

from __future__ import annotations

from datetime import datetime, timedelta

from agentdesk.clock import utcnow
from agentdesk.config import AgentSettings
from agentdesk.services import Desk
from agentdesk.services.intake import add_inbound, find_or_create_customer, new_conversation
from agentdesk.store import Store
from agentdesk.store.models import Message


def inbound(
    store: Store,
    address: str = "ada@example.test",
    subject: str = "Where is my order?",
    text: str = "My order 1234 has not arrived.",
    at: datetime | None = None,
    conversation_id: int | None = None,
) -> tuple[int, int]:
    """A customer email: a new conversation (or one more message in `conversation_id`).

    Returns (conversation id, message id).
    """
    at = at or utcnow()
    with store.session() as session:
        customer = find_or_create_customer(session, "email", address, address.split("@")[0])
        if conversation_id is None:
            conv = new_conversation(session, customer, "email", subject, at)
        else:
            from agentdesk.store.models import Conversation

            conv = session.get(Conversation, conversation_id)  # type: ignore[assignment]
            assert conv is not None
        message = add_inbound(
            session,
            conv,
            Message(
                conversation_id=0, direction="in", author=customer.name, author_address=address,
                sent_at=at, subject=subject, text=text,
            ),
        )
        assert conv.id is not None and message.id is not None
        return conv.id, message.id


def many(store: Store, n: int, start: datetime | None = None) -> list[int]:
    """`n` conversations a minute apart, oldest first; returns their ids."""
    start = start or utcnow() - timedelta(days=1)
    return [
        inbound(store, f"c{i}@example.test", f"Question {i}", f"text {i}", start + timedelta(minutes=i))[0]
        for i in range(n)
    ]


def desk(store: Store, login: str = "ada", name: str | None = None) -> Desk:
    """A Desk for agent `login` on `store`."""
    return Desk(store, AgentSettings(login=login, name=name or login.title()))
