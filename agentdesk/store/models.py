"""Every table of the store, in one module (SQLModel's advice: no import cycles).

Times are time-zone-aware UTC datetimes (SQLModel's UTCDateTime refuses naive
ones); make them with `agentdesk.clock.utcnow()`. These ORM objects never leave the
service layer: the UI and CLI get the read models of `agentdesk.services.views`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import Column, Index, LargeBinary, UniqueConstraint
from sqlalchemy import text as sql_text
from sqlmodel import Field, SQLModel


class Direction(StrEnum):
    """Which way a message went: from the customer, to the customer, or internal."""

    IN = "in"
    OUT = "out"
    NOTE = "note"


class Status(StrEnum):
    """The life of a conversation."""

    OPEN = "open"
    PENDING = "pending"
    SNOOZED = "snoozed"
    CLOSED = "closed"


class OutboxStatus(StrEnum):
    """Where a queued reply is on its way out."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    NEEDS_APPROVAL = "needs_approval"
    RETURNED = "returned"  # a lead sent a trainee's reply back with a comment


#: Sort key used for conversations without an SLA due time: they sort after every due one.
NO_DUE = datetime(9999, 12, 31, tzinfo=UTC)


class Meta(SQLModel, table=True):
    """Key/value facts about the store itself (e.g. whether it is a demo store)."""

    key: str = Field(primary_key=True)
    value: str


class Agent(SQLModel, table=True):
    """A person who answers customers; `login` is the OS login name."""

    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(unique=True, index=True)
    display_name: str
    role: str = "agent"  # lead | agent | trainee


class Customer(SQLModel, table=True):
    """One person, whatever channel they write from."""

    id: int | None = Field(default=None, primary_key=True)
    name: str
    vip: bool = False
    created_at: datetime
    merged_into_id: int | None = Field(default=None, foreign_key="customer.id")


class ContactPoint(SQLModel, table=True):
    """An address a customer is reached at: an email address or a chat handle."""

    __table_args__ = (UniqueConstraint("channel", "address"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    channel: str  # email | chat
    address: str
    network: str | None = None  # e.g. telegram, whatsapp (for chat handles)


class Conversation(SQLModel, table=True):
    """A thread with one customer on one channel.

    `sort_due` is `sla_due_at` or `NO_DUE`: it is never NULL so that the inbox can page
    by keyset over (sort_due, last_message_at, id) with one index per view.
    """

    __table_args__ = (
        Index("ix_conversation_status_sort", "status", "sort_due", "last_message_at", "id"),
        Index(
            "ix_conversation_assignee_sort",
            "assignee_id",
            "status",
            "sort_due",
            "last_message_at",
            "id",
        ),
        # "all" and "mine" (not closed: a status range) page in this order (0014).
        Index("ix_conversation_sort", "sort_due", "last_message_at", "id"),
        Index("ix_conversation_assignee_due", "assignee_id", "sort_due", "last_message_at", "id"),
        Index("ix_conversation_status_urgency", "status", "urgency", "last_message_at"),
        Index("ix_conversation_last_message_at", "last_message_at"),
        Index("ix_conversation_status_recent", "status", "last_message_at"),
        Index("ix_conversation_assignee_recent", "assignee_id", "last_message_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel: str
    network: str | None = None
    account: str | None = None
    external_key: str | None = Field(default=None, index=True)
    status: str = Status.OPEN
    subject: str = ""
    preview: str = ""
    customer_id: int = Field(foreign_key="customer.id", index=True)
    assignee_id: int | None = Field(default=None, foreign_key="agent.id")
    priority: str = "normal"
    created_at: datetime
    updated_at: datetime
    last_message_at: datetime
    first_response_at: datetime | None = None
    closed_at: datetime | None = None
    sla_due_at: datetime | None = None
    first_due_at: datetime | None = None
    """When the first answer was due, fixed when the conversation arrived (targets and
    business hours as configured then): reports measure "within SLA" against it."""
    sort_due: datetime = NO_DUE
    snoozed_until: datetime | None = None
    message_count: int = 0
    urgency: int = 0
    """Triage score (agentdesk.services.urgency); recomputed when urgency_at < updated_at."""
    urgency_at: datetime | None = None
    follow_up_at: datetime | None = None
    """A pending conversation comes back (open) at this time if the customer stays silent."""
    automatic: bool = False
    """Started by automatic mail (auto-reply, bounce, bulk): kept out of the needs-reply views."""


#: Email sources are unique: a message fetched twice (retry, two pollers, a resync after
#: SIGKILL) is refused by the database itself, not only by the poller's own checks.
EMAIL_SOURCE_UNIQUE_WHERE = "source LIKE 'imap:%' OR source LIKE 'import:%'"


class Message(SQLModel, table=True):
    """One message of a conversation: inbound, outbound or an internal note.

    `raw` keeps the email source byte for byte; `parse_error` says why a mail could
    not be parsed (it is then shown raw, never dropped).
    """

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key="conversation.id", index=True)
    direction: str
    author: str = ""
    author_address: str = ""
    sent_at: datetime
    subject: str = ""
    text: str = ""
    html: str | None = None
    message_id_header: str | None = Field(default=None, index=True)
    in_reply_to: str | None = None
    references: str | None = None
    raw: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    parse_error: str | None = None
    source: str | None = None  # e.g. "imap:shop/INBOX:uidvalidity:uid" or "demo"
    auto_kind: str | None = None
    """Why this is automatic mail (auto-reply, bounce, bulk, read-receipt), or None."""
    raw_sha256: str | None = Field(default=None, index=True)
    """Hash of `raw`: finds a mail again that has no Message-ID (resync after UIDVALIDITY change)."""

    __table_args__ = (
        Index(
            "ux_message_email_source",
            "source",
            unique=True,
            sqlite_where=sql_text(EMAIL_SOURCE_UNIQUE_WHERE),
            # Migration 0002 gives PostgreSQL's copy the same WHERE. Saying so here too
            # (postgresql_where) would load SQLAlchemy's PostgreSQL dialect in every
            # process, SQLite ones included, to check the keyword: ~15 ms of each start.
        ),
        # Lookups by source (ingest's exactly-once check) cannot use the partial index (0007).
        Index("ix_message_source", "source"),
    )


class Attachment(SQLModel, table=True):
    """A file sent with a message; the name is sanitised before it is stored."""

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="message.id", index=True)
    filename: str
    content_type: str = "application/octet-stream"
    size: int = 0
    data: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))


class Tag(SQLModel, table=True):
    """A label saying why a conversation is what it is ("late by carrier")."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)


class ConversationTag(SQLModel, table=True):
    """Which tags a conversation carries."""

    conversation_id: int = Field(foreign_key="conversation.id", primary_key=True)
    tag_id: int = Field(foreign_key="tag.id", primary_key=True)


class OutboxItem(SQLModel, table=True):
    """A reply on its way out; it stays here until a channel has delivered it."""

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key="conversation.id", index=True)
    message_id: int = Field(foreign_key="message.id")
    channel: str
    status: str = Field(default=OutboxStatus.QUEUED, index=True)
    attempts: int = 0
    last_error: str | None = None
    next_attempt_at: datetime | None = None
    """After a failed attempt, not before this (each reply backs off on its own)."""
    created_by: str = ""
    created_at: datetime
    sent_at: datetime | None = None


class Event(SQLModel, table=True):
    """The audit log: one line for every change, who made it and when."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    actor: str
    action: str
    conversation_id: int | None = Field(default=None, foreign_key="conversation.id", index=True)
    detail: str = ""


class MailSyncState(SQLModel, table=True):
    """How far one IMAP folder has been read: committed with the messages it covers."""

    __table_args__ = (UniqueConstraint("account", "folder"),)

    id: int | None = Field(default=None, primary_key=True)
    account: str
    folder: str
    uidvalidity: int
    last_uid: int = 0
    updated_at: datetime


class PollerLease(SQLModel, table=True):
    """Who polls an account right now; a holder that stops renewing loses it at `expires_at`."""

    account: str = Field(primary_key=True)
    holder: str
    expires_at: datetime


class Mention(SQLModel, table=True):
    """An @agent mention in an internal note: it shows in that agent's mentions view."""

    __table_args__ = (Index("ix_mention_agent_conversation", "agent_id", "conversation_id"),)

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="message.id")
    conversation_id: int = Field(foreign_key="conversation.id")
    agent_id: int = Field(foreign_key="agent.id")
    created_at: datetime
    seen_at: datetime | None = None


class ReviewComment(SQLModel, table=True):
    """What a lead said when returning (or editing) a trainee's reply in the review queue."""

    id: int | None = Field(default=None, primary_key=True)
    outbox_id: int = Field(foreign_key="outboxitem.id", index=True)
    author: str
    text: str
    at: datetime


class Presence(SQLModel, table=True):
    """One running console: who it is, which conversation it shows, and whether they reply.

    A console beats every few seconds; a row whose heartbeat is older than
    agentdesk.services.presence.GONE_AFTER counts as gone (its session died).
    """

    __table_args__ = (Index("ix_presence_conversation_heartbeat", "conversation_id", "heartbeat_at"),)

    session_id: str = Field(primary_key=True)
    agent_login: str
    agent_name: str = ""
    conversation_id: int | None = None
    activity: str = "viewing"  # viewing | replying
    heartbeat_at: datetime = Field(index=True)


class Draft(SQLModel, table=True):
    """An agent's unsent reply or note: one per agent and conversation, never shared."""

    __table_args__ = (UniqueConstraint("agent_login", "conversation_id"),)

    id: int | None = Field(default=None, primary_key=True)
    agent_login: str
    conversation_id: int = Field(foreign_key="conversation.id", index=True)
    kind: str = "reply"  # reply | note
    text: str = ""
    base_message_id: int = 0
    """The newest message of the thread when the composer opened (for collision checks)."""
    updated_at: datetime


class ChatPosition(SQLModel, table=True):
    """Where a chat account's poller has read up to (Matrix next_batch, Telegram offset).

    Written in the same transaction as the messages it covers: after a crash the
    poller starts again from the last position whose messages are in the store.
    """

    __tablename__ = "chat_position"

    account: str = Field(primary_key=True)
    kind: str  # matrix | telegram
    position: str
    updated_at: datetime


class ChatMessageRef(SQLModel, table=True):
    """Which chat event (Matrix event id, Telegram chat:message id) became which Message.

    Makes ingesting idempotent and lets an edit or a redaction find the message it changes.
    """

    __tablename__ = "chat_message_ref"
    __table_args__ = (UniqueConstraint("account", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    account: str
    external_id: str
    message_id: int = Field(foreign_key="message.id", index=True)


class CsatRating(SQLModel, table=True):
    """A customer's 1-5 rating of a conversation (agentdesk.services.csat), one per conversation.

    `agent_id` is the assignee when the rating came in, so a rating stays with the agent
    who earned it even if the conversation is reassigned later.
    """

    __tablename__ = "csat_rating"

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key="conversation.id", unique=True)
    message_id: int = Field(foreign_key="message.id")
    rating: int
    comment: str = ""
    rated_at: datetime = Field(index=True)
    agent_id: int | None = Field(default=None, foreign_key="agent.id")


# Reports (agentdesk.services.reports, migrations 0006 and 0008) read a period's
# conversations as one range of a covering index, and count each one's replies and status
# changes from indexes alone.
Index(
    "ix_conversation_report",
    Conversation.created_at, Conversation.automatic, Conversation.status, Conversation.channel,
    Conversation.assignee_id, Conversation.first_response_at, Conversation.closed_at,
    Conversation.first_due_at, Conversation.id,
)
Index(
    "ix_message_conversation_direction",
    Message.conversation_id, Message.direction, Message.sent_at, Message.author_address,
)
Index("ix_event_conversation_action", Event.conversation_id, Event.action, Event.at)
