"""Priority and @mentions in internal notes.

A note that says "@sam can you check?" records a Mention for the agent with login
`sam`; the conversation then shows in Sam's mentions view until the mention is seen.
`record_mentions` runs inside compose.queue's transaction, so a note and its mentions
are written together.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import update
from sqlmodel import Session, col, select

from agentdesk.clock import utcnow
from agentdesk.services.conversations import _get, record
from agentdesk.services.desk import Desk
from agentdesk.store.models import Agent, Conversation, Mention, Message


class Priority(StrEnum):
    """How much a conversation matters, set by key."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


_MENTION = re.compile(r"(?<![\w@.])@([A-Za-z0-9_.-]*[A-Za-z0-9_])")


def set_priority(desk: Desk, conversation_ids: int | Iterable[int], priority: Priority | str) -> None:
    """Set the priority of one or several conversations."""
    value = Priority(priority)
    ids = [conversation_ids] if isinstance(conversation_ids, int) else list(conversation_ids)
    with desk.store.session() as session:
        for conversation_id in ids:
            conv = _get(session, conversation_id)
            if conv.priority == value:
                continue
            conv.priority = value
            conv.updated_at = utcnow()
            record(session, desk.agent.login, "priority", conversation_id, value.value)


def mentioned_logins(text: str) -> list[str]:
    """The @logins a note names, in order, without repeats (e-mail addresses are not mentions)."""
    seen: list[str] = []
    for login in _MENTION.findall(text):
        if login.lower() not in seen:
            seen.append(login.lower())
    return seen


def record_mentions(session: Session, message: Message) -> list[str]:
    """Write a Mention for each known agent the note names; returns their logins."""
    logins = mentioned_logins(message.text)
    if not logins:
        return []
    agents = session.exec(select(Agent).where(col(Agent.login).in_(logins))).all()
    now = utcnow()
    for agent in agents:
        assert agent.id is not None and message.id is not None
        session.add(
            Mention(
                message_id=message.id,
                conversation_id=message.conversation_id,
                agent_id=agent.id,
                created_at=now,
            )
        )
    return [a.login for a in agents]


@dataclass(frozen=True)
class MentionView:
    """A note that named the current agent."""

    conversation_id: int
    message_id: int
    author: str
    text: str
    at: datetime
    seen: bool


def my_mentions(desk: Desk, unseen_only: bool = False, limit: int = 100) -> list[MentionView]:
    """The notes that mention the current agent, newest first."""
    with desk.store.session() as session:
        me = desk.agent_id(session)
        statement = (
            select(Mention, Message)
            .join(Message, col(Message.id) == Mention.message_id)
            .where(Mention.agent_id == me)
            .order_by(col(Mention.created_at).desc(), col(Mention.id).desc())
            .limit(limit)
        )
        if unseen_only:
            statement = statement.where(col(Mention.seen_at).is_(None))
        return [
            MentionView(m.conversation_id, m.message_id, msg.author, msg.text, m.created_at, m.seen_at is not None)
            for m, msg in session.exec(statement)
        ]


def mark_mentions_seen(desk: Desk, conversation_id: int) -> None:
    """The current agent has read the conversation: its mentions leave the view."""
    with desk.store.session() as session:
        me = desk.agent_id(session)
        session.execute(
            update(Mention)
            .where(
                col(Mention.agent_id) == me,
                col(Mention.conversation_id) == conversation_id,
                col(Mention.seen_at).is_(None),
            )
            .values(seen_at=utcnow())
        )


def mentions_condition(me: int) -> object:
    """SQL condition for the inbox's mentions view: unseen mentions of agent `me`."""
    return col(Conversation.id).in_(
        select(Mention.conversation_id).where(Mention.agent_id == me, col(Mention.seen_at).is_(None))
    )
