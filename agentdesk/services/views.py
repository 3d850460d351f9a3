"""Read models: the plain, frozen data the UI and CLI get from the services.

No ORM object leaves the service layer; these are safe to hand to another thread,
to keep on screen, and to print as JSON.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class View(StrEnum):
    """The built-in inbox views."""

    OPEN = "open"
    MINE = "mine"
    UNASSIGNED = "unassigned"
    PENDING = "pending"
    CLOSED = "closed"
    ALL = "all"
    SNOOZED = "snoozed"
    BREACHING = "breaching"
    NEEDS_APPROVAL = "needs_approval"
    MENTIONS = "mentions"


VIEW_TITLES: dict[View, str] = {
    View.OPEN: "All open",
    View.MINE: "Mine",
    View.UNASSIGNED: "Unassigned",
    View.PENDING: "Pending",
    View.CLOSED: "Closed",
    View.ALL: "All",
    View.SNOOZED: "Snoozed",
    View.BREACHING: "Breaching soon",
    View.NEEDS_APPROVAL: "Needs approval",
    View.MENTIONS: "Mentions",
}


@dataclass(frozen=True)
class Cursor:
    """Where a keyset page ends: the sort key of its last row."""

    sort_due: datetime
    last_message_at: datetime
    id: int


@dataclass(frozen=True)
class ContactView:
    channel: str
    address: str
    network: str | None = None


@dataclass(frozen=True)
class CustomerRef:
    id: int
    name: str
    addresses: list[ContactView]


@dataclass(frozen=True)
class ConversationRow:
    """One inbox line."""

    id: int
    channel: str
    network: str | None
    status: str
    subject: str
    preview: str
    customer: CustomerRef
    assignee: str | None
    priority: str
    created_at: datetime
    updated_at: datetime
    last_message_at: datetime
    sla_due_at: datetime | None
    sort_due: datetime
    tags: tuple[str, ...] = ()
    urgency: int = 0
    snoozed_until: datetime | None = None
    undelivered: bool = False
    """A reply of ours failed for good (the inbox says so; F sends it again)."""

    @property
    def cursor(self) -> Cursor:
        return Cursor(self.sort_due, self.last_message_at, self.id)

    @property
    def title(self) -> str:
        """The subject, or the first line when there is none (chat)."""
        return self.subject or self.preview


@dataclass(frozen=True)
class Page:
    """A keyset page of inbox rows; `next` is None on the last page."""

    rows: list[ConversationRow]
    next: Cursor | None


@dataclass(frozen=True)
class AttachmentView:
    filename: str
    size: int
    content_type: str


@dataclass(frozen=True)
class MessageView:
    id: int
    direction: str
    author: str
    author_address: str
    sent_at: datetime
    subject: str
    text: str
    parse_error: str | None
    attachments: list[AttachmentView]
    delivery: str | None
    """The outbox status of an outbound message (queued, sent, failed), else None."""
    delivery_error: str | None = None
    """Why the last attempt to send it failed (the server's words), if it did."""
    auto_kind: str | None = None
    """Automatic mail (auto-reply, bounce, bulk, read-receipt), never answered automatically."""


@dataclass(frozen=True)
class PastConversation:
    id: int
    channel: str
    subject: str
    status: str
    created_at: datetime
    last_message_at: datetime
    network: str | None = None
    """The chat network a bridge reported (whatsapp, telegram...), as the inbox shows it."""


@dataclass(frozen=True)
class CustomerView:
    id: int
    name: str
    vip: bool
    addresses: list[ContactView]
    conversations: list[PastConversation]


@dataclass(frozen=True)
class ConversationDetail:
    """An opened conversation: its row, its customer's whole history and its thread."""

    row: ConversationRow
    customer: CustomerView
    messages: list[MessageView]


def to_jsonable(value: Any) -> Any:
    """A read model as JSON-ready dicts, lists and ISO-8601 strings."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    if isinstance(value, datetime):
        return value.isoformat()
    return value
