"""Delivering the outbox: each queued reply goes out through its channel's sender.

A reply is claimed (queued -> sending) before it is sent and marked sent after, each
in its own short transaction; a failure puts it back to queued with the error kept,
so nothing is lost and nothing leaves twice because of a retry of ours.

Each reply backs off on its own: after a failed attempt it waits `retry_delay`
(1 min, doubling to 1 h) before the next, so an SMTP outage of a few hours delays
replies but fails none. It fails for good (for the agent: F sends it again) after
MAX_ATTEMPTS, about six hours, or at once when the channel says the failure is
permanent (`PermanentFailure`, e.g. SMTP 550 "no such mailbox").
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from sqlalchemy import or_, update
from sqlmodel import Session, col, func, select

from agentdesk.clock import utcnow
from agentdesk.store import Store
from agentdesk.services.snooze import bring_back
from agentdesk.store.models import Conversation, Event, Message, OutboxItem, OutboxStatus, Status

#: Attempts before a reply fails for good: 1+2+4+8+16+32 min, then hourly, ~6 h in all.
MAX_ATTEMPTS = 12
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=1)


#: What a reply left in "sending" by a crashed sender says: it may have gone out.
INTERRUPTED = (
    "interrupted while sending: it may have reached the customer. "
    "Check before sending it again by hand."
)


class PermanentFailure(Exception):
    """The channel refused this reply for good (retrying the same thing cannot help)."""


def retry_delay(attempts: int) -> timedelta:
    """How long a reply waits after its `attempts`-th failed attempt."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)


@dataclass(frozen=True)
class OutgoingReply:
    """What a sender needs to deliver one reply."""

    outbox_id: int
    conversation: Conversation
    message: Message


class Sender(Protocol):
    """A channel's way out. Raises on failure; returns normally once delivered."""

    def send(self, reply: OutgoingReply) -> None: ...


class DemoSender:
    """The demo store's channel: every reply is delivered at once, locally."""

    def send(self, reply: OutgoingReply) -> None:
        return None


def deliver(
    store: Store,
    senders: Mapping[str, Sender],
    limit: int = 100,
    *,
    accounts: Collection[str] | None = None,
) -> int:
    """Send what is queued for the channels in `senders`; returns how many went out.

    `accounts` limits it to conversations of those accounts (a poller whose chat
    account is reconnecting leaves that account's replies queued, attempts untouched).
    """
    with store.session() as session:
        query = select(OutboxItem.id).where(
            OutboxItem.status == OutboxStatus.QUEUED,
            col(OutboxItem.channel).in_(list(senders)),
            or_(col(OutboxItem.next_attempt_at).is_(None), col(OutboxItem.next_attempt_at) <= utcnow()),
        )
        if accounts is not None:
            query = query.join(Conversation, col(Conversation.id) == col(OutboxItem.conversation_id)).where(
                col(Conversation.account).in_(list(accounts))
            )
        ids = session.exec(query.order_by(col(OutboxItem.id)).limit(limit)).all()
    sent = 0
    for outbox_id in ids:
        assert outbox_id is not None
        reply = _claim(store, outbox_id)
        if reply is None:
            continue
        try:
            senders[reply.conversation.channel].send(reply)
        except Exception as error:  # any failure keeps the reply in the outbox
            permanent = isinstance(error, PermanentFailure)
            _release(store, outbox_id, str(error) or type(error).__name__, permanent=permanent)
        else:
            _mark_sent(store, outbox_id)
            sent += 1
    return sent


def _claim(store: Store, outbox_id: int) -> OutgoingReply | None:
    with store.session() as session:
        # A conditional UPDATE is the claim: of two processes, only one changes the row.
        claimed = session.execute(
            update(OutboxItem)
            .where(col(OutboxItem.id) == outbox_id, col(OutboxItem.status) == OutboxStatus.QUEUED)
            .values(status=OutboxStatus.SENDING, attempts=col(OutboxItem.attempts) + 1)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return None
        item = session.get(OutboxItem, outbox_id)
        assert item is not None
        conv = session.get(Conversation, item.conversation_id)
        message = session.get(Message, item.message_id)
        assert conv is not None and message is not None
        return OutgoingReply(outbox_id, conv, message)


def _release(store: Store, outbox_id: int, error: str, *, permanent: bool = False) -> None:
    """Back to queued until its next attempt is due, or failed for good."""
    with store.session() as session:
        item = session.get(OutboxItem, outbox_id)
        assert item is not None
        item.last_error = error[:1000]
        if permanent or item.attempts >= MAX_ATTEMPTS:
            fail_for_good(session, item, error)
        else:
            item.status = OutboxStatus.QUEUED
            item.next_attempt_at = utcnow() + retry_delay(item.attempts)


def fail_for_good(session: Session, item: OutboxItem, error: str) -> None:
    """The reply will not go out on its own: keep why, and bring its conversation back.

    The customer has not got our answer, so a conversation closed (or parked) after
    the reply is not done: it opens again at the top of the inbox, where the agent
    sees it marked "unsent", with an audit line saying why.
    """
    item.status = OutboxStatus.FAILED
    item.last_error = error[:1000]
    item.next_attempt_at = None
    conv = session.get(Conversation, item.conversation_id)
    if conv is not None and conv.status != Status.OPEN:
        was = conv.status
        now = utcnow()
        bring_back(conv, now)
        session.add(Event(at=now, actor="outbox", action=f"status:{Status.OPEN}",
                          conversation_id=conv.id,
                          detail=f"was {was}: reply {item.message_id} not delivered"))


def fail_interrupted(store: Store, channel: str, account: str | None = None) -> int:
    """Replies of `channel` (of one `account`, if given) left in "sending" by a sender
    that died fail for good with INTERRUPTED; returns how many.

    Called only by the new holder of the outbox lease, so no live sender is in the
    middle of them. They are not retried on their own: the server may have accepted
    them before the crash, and only the agent can tell (see docs/ARCHITECTURE.md).
    """
    with store.session() as session:
        query = select(OutboxItem).where(
            col(OutboxItem.channel) == channel, col(OutboxItem.status) == OutboxStatus.SENDING
        )
        if account is not None:
            query = query.join(Conversation, col(Conversation.id) == col(OutboxItem.conversation_id)).where(
                Conversation.account == account
            )
        stuck = session.exec(query).all()
        for item in stuck:
            fail_for_good(session, item, INTERRUPTED)
        return len(stuck)


def _mark_sent(store: Store, outbox_id: int) -> None:
    with store.session() as session:
        item = session.get(OutboxItem, outbox_id)
        assert item is not None
        item.status = OutboxStatus.SENT
        item.sent_at = utcnow()


def retrying(store: Store, channel: str) -> int:
    """How many of `channel`'s replies wait for another attempt after an error.

    Replies that failed for good are not counted: they wait for the agent (F in the
    console, `services.compose.send_again`), not for the poller.
    """
    with store.session() as session:
        return int(
            session.exec(
                select(func.count())
                .select_from(OutboxItem)
                .where(
                    OutboxItem.channel == channel,
                    col(OutboxItem.status) == OutboxStatus.QUEUED,
                    col(OutboxItem.last_error).is_not(None),
                )
            ).one()
        )
