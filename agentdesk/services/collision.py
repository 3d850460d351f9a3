"""Stopping a send that would cross what happened since the composer opened.

Before a reply leaves, the composer asks `check_collision` with the newest message id it
had seen. If the customer wrote again or another agent answered in between, the send
stops and the agent chooses: send anyway, edit (with the new messages in view), or
discard. Internal notes by others are listed too, but do not stop a send on their own.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select

from agentdesk.services.desk import Desk
from agentdesk.store.models import Direction, Message
from agentdesk.text import one_line


@dataclass(frozen=True)
class Arrival:
    """A message that arrived after the composer opened."""

    id: int
    direction: str
    author: str
    author_address: str
    preview: str


@dataclass(frozen=True)
class Collision:
    """What changed in the thread since `since_message_id`."""

    conversation_id: int
    customer_messages: list[Arrival]
    other_replies: list[Arrival]
    other_notes: list[Arrival]

    @property
    def stops_send(self) -> bool:
        """Whether the send must wait for the agent's decision."""
        return bool(self.customer_messages or self.other_replies)

    @property
    def summary(self) -> str:
        """One line for a notice: `1 new customer message, bo replied`."""
        parts = []
        if self.customer_messages:
            n = len(self.customer_messages)
            parts.append(f"{n} new customer message{'s' if n > 1 else ''}")
        for reply in self.other_replies:
            parts.append(f"{reply.author_address or reply.author} replied: {reply.preview[:60]}")
        return ", ".join(parts)


def check_collision(desk: Desk, conversation_id: int, since_message_id: int) -> Collision | None:
    """What arrived after `since_message_id`, or None when nothing should stop the send."""
    with desk.store.session() as session:
        rows = session.exec(
            select(Message)
            .where(Message.conversation_id == conversation_id, col(Message.id) > since_message_id)
            .order_by(col(Message.id))
        ).all()
    customer, replies, notes = [], [], []
    for m in rows:
        arrival = Arrival(m.id or 0, m.direction, m.author, m.author_address, one_line(m.text, 200))
        if m.direction == Direction.IN:
            customer.append(arrival)
        elif m.direction == Direction.OUT:
            # Our own login counts too: a reply sent from another console of ours.
            replies.append(arrival)
        else:
            notes.append(arrival)
    collision = Collision(conversation_id, customer, replies, notes)
    return collision if collision.stops_send else None
