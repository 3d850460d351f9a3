"""Snooze, pending with a follow-up, and waking them: what `s` and "then pending" do.

A snoozed conversation leaves the open views until `snoozed_until`; a pending one
waits for the customer, and with `follow_up_at` set it comes back by itself when the
customer stays silent ("if no answer in 3 days, bring it back"). `wake` does both;
the poller and the TUI call it every minute or so. Until it runs, the open views
already count an expired snooze as open (`open_condition`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from agentdesk.clock import utcnow
from agentdesk.services.conversations import _get, record
from agentdesk.services.desk import Desk
from agentdesk.services.timeparse import parse_when
from agentdesk.store.models import NO_DUE, Conversation, Status

SYSTEM_ACTOR = "agentdesk"


def _ids(conversation_ids: int | Iterable[int]) -> list[int]:
    return [conversation_ids] if isinstance(conversation_ids, int) else list(conversation_ids)


def snooze(desk: Desk, conversation_ids: int | Iterable[int], until: datetime) -> None:
    """Park conversations until `until` (aware); they come back open then."""
    if until <= utcnow():
        raise ValueError("a snooze must end in the future")
    with desk.store.session() as session:
        for conversation_id in _ids(conversation_ids):
            conv = _get(session, conversation_id)
            if conv.status == Status.CLOSED:
                conv.closed_at = None
            conv.status = Status.SNOOZED
            conv.snoozed_until = until
            conv.follow_up_at = None
            conv.updated_at = utcnow()
            record(session, desk.agent.login, "snooze", conversation_id, until.isoformat())


def snooze_text(
    desk: Desk, conversation_ids: int | Iterable[int], text: str, tz: tzinfo | None = None
) -> datetime:
    """Snooze by what the agent typed (`2h`, `tomorrow 9:00`, `mon`); returns the time.

    Raises agentdesk.services.timeparse.TimeParseError with a helpful message.
    """
    until = parse_when(text, utcnow(), tz) if tz else parse_when(text, utcnow())
    snooze(desk, conversation_ids, until)
    return until


def unsnooze(desk: Desk, conversation_ids: int | Iterable[int]) -> None:
    """Bring snoozed conversations back now."""
    with desk.store.session() as session:
        for conversation_id in _ids(conversation_ids):
            conv = _get(session, conversation_id)
            if conv.status == Status.SNOOZED:
                bring_back(conv, utcnow())
                record(session, desk.agent.login, "unsnooze", conversation_id)


def apply_pending(conv: Conversation, now: datetime, follow_up: timedelta | None = None) -> None:
    """Mark `conv` as waiting on the customer (in the caller's session and transaction)."""
    conv.status = Status.PENDING
    conv.closed_at = None
    conv.snoozed_until = None
    conv.follow_up_at = now + follow_up if follow_up else None
    conv.updated_at = now


def set_pending(
    desk: Desk, conversation_ids: int | Iterable[int], follow_up: timedelta | None = None
) -> None:
    """Waiting on the customer; with `follow_up`, back in the open views after that long."""
    with desk.store.session() as session:
        now = utcnow()
        for conversation_id in _ids(conversation_ids):
            conv = _get(session, conversation_id)
            apply_pending(conv, now, follow_up)
            detail = f"follow-up {conv.follow_up_at.isoformat()}" if conv.follow_up_at else ""
            record(session, desk.agent.login, f"status:{Status.PENDING}", conversation_id, detail)


def bring_back(conv: Conversation, now: datetime) -> None:
    """Open again and at the top of the inbox (a snooze ended, a reply failed for good)."""
    conv.status = Status.OPEN
    conv.closed_at = None
    conv.snoozed_until = None
    conv.follow_up_at = None
    conv.updated_at = now
    # It "comes back": sorted as due now, unless its SLA is due even sooner.
    conv.sort_due = min(conv.sla_due_at or NO_DUE, now)


def wake(desk: Desk, limit: int = 500) -> list[int]:
    """Reopen expired snoozes and silent follow-ups; returns the ids that came back."""
    now = utcnow()
    woken: list[int] = []
    with desk.store.session() as session:
        due = session.exec(
            select(Conversation)
            .where(
                or_(
                    and_(Conversation.status == Status.SNOOZED, col(Conversation.snoozed_until) <= now),
                    and_(Conversation.status == Status.PENDING, col(Conversation.follow_up_at) <= now),
                )
            )
            .limit(limit)
        ).all()
        for conv in due:
            assert conv.id is not None
            action = "wake" if conv.status == Status.SNOOZED else "follow-up"
            bring_back(conv, now)
            record(session, SYSTEM_ACTOR, action, conv.id)
            woken.append(conv.id)
    return woken


def open_condition(session: Session) -> Any:
    """The SQL condition of "open" for the inbox views, counting expired snoozes as open.

    The plain `status = 'open'` walks the inbox index in order; the wider condition
    costs a sort, so it is used only while some snooze has expired and `wake` has not
    run yet (a moment, normally).
    """
    now = utcnow()
    expired = session.exec(
        select(Conversation.id)
        .where(Conversation.status == Status.SNOOZED, col(Conversation.snoozed_until) <= now)
        .limit(1)
    ).first()
    if expired is None:
        return Conversation.status == Status.OPEN
    return or_(
        Conversation.status == Status.OPEN,
        and_(Conversation.status == Status.SNOOZED, col(Conversation.snoozed_until) <= now),
    )
