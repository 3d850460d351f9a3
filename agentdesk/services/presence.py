"""Who else is looking at a conversation: one row per running console, kept by heartbeats.

Each console has a session id (a random token made when it starts) and beats every
BEAT_EVERY seconds with what it shows: a conversation and whether the agent is only
viewing it or replying. A session whose last beat is older than GONE_AFTER is gone
(its console quit without saying so, or its ssh connection died); readers ignore it and
the next beat of anyone sweeps it away.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete
from sqlmodel import col, select

from agentdesk.clock import utcnow
from agentdesk.services.desk import Desk
from agentdesk.store.models import Presence

#: A console beats this often (seconds) while it runs.
BEAT_EVERY = 10.0
#: A session is gone this long after its last beat.
GONE_AFTER = timedelta(seconds=30)


class Activity(StrEnum):
    VIEWING = "viewing"
    REPLYING = "replying"


@dataclass(frozen=True)
class PresenceView:
    """Another agent's console on a conversation."""

    agent_login: str
    agent_name: str
    conversation_id: int
    activity: str
    heartbeat_at: datetime

    @property
    def label(self) -> str:
        """`ada viewing` / `bo replying`, for a row or a header."""
        return f"{self.agent_login} {self.activity}"


def new_session_id() -> str:
    """A token naming one running console."""
    return secrets.token_hex(8)


def beat(
    desk: Desk,
    session_id: str,
    conversation_id: int | None = None,
    activity: Activity = Activity.VIEWING,
) -> None:
    """Say (again) what this console shows; also sweeps sessions gone long ago."""
    now = utcnow()
    with desk.store.session() as session:
        row = session.get(Presence, session_id)
        if row is None:
            session.add(
                Presence(
                    session_id=session_id,
                    agent_login=desk.agent.login,
                    agent_name=desk.agent.name,
                    conversation_id=conversation_id,
                    activity=activity,
                    heartbeat_at=now,
                )
            )
        else:
            row.conversation_id = conversation_id
            row.activity = activity
            row.heartbeat_at = now
        session.execute(
            delete(Presence).where(col(Presence.heartbeat_at) < now - 10 * GONE_AFTER)
        )


def leave(desk: Desk, session_id: str) -> None:
    """This console quits: nobody should see it any more."""
    with desk.store.session() as session:
        session.execute(delete(Presence).where(col(Presence.session_id) == session_id))


def others_on(
    desk: Desk, conversation_ids: Iterable[int], session_id: str | None = None
) -> dict[int, list[PresenceView]]:
    """Live sessions on these conversations other than `session_id`, by conversation.

    Another console of the same agent (a second ssh session) counts as someone else.
    """
    ids = list(conversation_ids)
    found: dict[int, list[PresenceView]] = defaultdict(list)
    if not ids:
        return found
    since = utcnow() - GONE_AFTER
    with desk.store.session() as session:
        statement = (
            select(Presence)
            .where(col(Presence.conversation_id).in_(ids), col(Presence.heartbeat_at) > since)
            .order_by(col(Presence.agent_login), col(Presence.session_id))
        )
        for row in session.exec(statement):
            if row.session_id == session_id or row.conversation_id is None:
                continue
            view = PresenceView(
                row.agent_login, row.agent_name, row.conversation_id, row.activity, row.heartbeat_at
            )
            # One entry per agent: replying wins over viewing.
            same = [p for p in found[row.conversation_id] if p.agent_login == row.agent_login]
            if same:
                if view.activity == Activity.REPLYING and same[0].activity != Activity.REPLYING:
                    found[row.conversation_id].remove(same[0])
                    found[row.conversation_id].append(view)
                continue
            found[row.conversation_id].append(view)
    return found


def everyone(desk: Desk, session_id: str | None = None) -> dict[int, list[PresenceView]]:
    """Every live session on any conversation except `session_id` (the table stays tiny)."""
    since = utcnow() - GONE_AFTER
    with desk.store.session() as session:
        ids = session.exec(
            select(Presence.conversation_id).where(
                col(Presence.heartbeat_at) > since, col(Presence.conversation_id).is_not(None)
            )
        ).all()
    return others_on(desk, {i for i in ids if i is not None}, session_id)


def fingerprint(desk: Desk) -> tuple[tuple[tuple[str, int | None, str], ...], datetime | None]:
    """Who is where right now, and when the next of them goes stale.

    Heartbeats alone do not change the first part, so a screen re-reads presence only
    when it differs or when the second part (the next expiry) has passed.
    """
    since = utcnow() - GONE_AFTER
    with desk.store.session() as session:
        rows = session.exec(
            select(Presence).where(col(Presence.heartbeat_at) > since)
        ).all()
    live = tuple(sorted((r.session_id, r.conversation_id, r.activity) for r in rows))
    expiry = min((r.heartbeat_at for r in rows), default=None)
    return live, (expiry + GONE_AFTER if expiry else None)
