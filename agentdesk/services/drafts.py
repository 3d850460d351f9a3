"""Unsent replies and notes, kept per agent and conversation.

A draft belongs to the agent who wrote it: taking over or reassigning a conversation
never touches it, and another agent's composer starts from their own draft (or empty).
`base_message_id` remembers the newest message of the thread when the composer opened,
so agentdesk.services.collision can say what arrived since.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func
from sqlmodel import col, select

from agentdesk.clock import utcnow
from agentdesk.services.desk import Desk
from agentdesk.store.models import Draft, Message


@dataclass(frozen=True)
class DraftView:
    agent_login: str
    conversation_id: int
    kind: str
    text: str
    base_message_id: int
    updated_at: datetime


def _view(draft: Draft) -> DraftView:
    return DraftView(
        draft.agent_login, draft.conversation_id, draft.kind, draft.text,
        draft.base_message_id, draft.updated_at,
    )


def newest_message_id(desk: Desk, conversation_id: int) -> int:
    """The id of the conversation's newest message (0 when it has none)."""
    with desk.store.session() as session:
        newest = session.exec(
            select(func.max(Message.id)).where(Message.conversation_id == conversation_id)
        ).one()
        return int(newest or 0)


def save(
    desk: Desk, conversation_id: int, text: str, kind: str = "reply", base_message_id: int | None = None
) -> DraftView:
    """Keep the current agent's draft (one per conversation; the latest text wins).

    `base_message_id` is set the first time and kept after, unless given again.
    """
    now = utcnow()
    with desk.store.session() as session:
        draft = session.exec(
            select(Draft).where(
                Draft.agent_login == desk.agent.login, Draft.conversation_id == conversation_id
            )
        ).first()
        if draft is None:
            if base_message_id is None:
                base_message_id = int(
                    session.exec(
                        select(func.max(Message.id)).where(Message.conversation_id == conversation_id)
                    ).one()
                    or 0
                )
            draft = Draft(
                agent_login=desk.agent.login, conversation_id=conversation_id, kind=kind,
                text=text, base_message_id=base_message_id, updated_at=now,
            )
            session.add(draft)
        else:
            draft.text, draft.kind, draft.updated_at = text, kind, now
            if base_message_id is not None:
                draft.base_message_id = base_message_id
        session.flush()
        return _view(draft)


def mine(desk: Desk, conversation_id: int) -> DraftView | None:
    """The current agent's draft on this conversation, if any."""
    with desk.store.session() as session:
        draft = session.exec(
            select(Draft).where(
                Draft.agent_login == desk.agent.login, Draft.conversation_id == conversation_id
            )
        ).first()
        return _view(draft) if draft else None


def others(desk: Desk, conversation_id: int) -> list[DraftView]:
    """Drafts other agents keep on this conversation (shown, never overwritten)."""
    with desk.store.session() as session:
        rows = session.exec(
            select(Draft)
            .where(Draft.conversation_id == conversation_id, Draft.agent_login != desk.agent.login)
            .order_by(col(Draft.agent_login))
        ).all()
        return [_view(d) for d in rows if d.text.strip()]


def discard(desk: Desk, conversation_id: int) -> None:
    """Drop the current agent's draft (after sending it, or when they throw it away)."""
    with desk.store.session() as session:
        session.execute(
            delete(Draft).where(
                col(Draft.agent_login) == desk.agent.login,
                col(Draft.conversation_id) == conversation_id,
            )
        )
