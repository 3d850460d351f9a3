"""The small interface every chat network is used through, and the events it yields.

An adapter knows its network's protocol and nothing about the store: it connects,
fetches what happened since a saved position (an opaque string the adapter alone
understands: a Matrix `next_batch`, a Telegram update offset), sends a reply into a
room, and closes. Methods are blocking so the pollers can run adapters in a worker
thread exactly like the IMAP client.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class ChatError(Exception):
    """A chat network refused or failed a request; the message says which and why."""


class AuthError(ChatError):
    """The account's credentials were refused: retrying will not help until fixed."""


class EventKind(StrEnum):
    """What a chat event does to the store."""

    MESSAGE = "message"
    """A new customer message (text, notice, image, file, ...)."""
    EDIT = "edit"
    """The customer changed an earlier message (`target`)."""
    REDACTION = "redaction"
    """The customer deleted an earlier message (`target`)."""
    UNREADABLE = "unreadable"
    """A message we cannot read (end-to-end encrypted): shown as such, never dropped."""


@dataclass(frozen=True)
class ChatFile:
    """A file that came with a chat message; `data` is None when it could not be fetched."""

    filename: str
    content_type: str
    size: int
    data: bytes | None


@dataclass(frozen=True)
class ChatEvent:
    """One thing a customer did in a chat, as the store needs it.

    `external_id` is unique within the account and stable across re-fetches, so
    ingesting the same event twice changes nothing. `room` is where replies go;
    `sender` the customer's handle (a ContactPoint address on channel "chat").
    """

    external_id: str
    kind: EventKind
    room: str
    sender: str
    sender_name: str
    network: str
    sent_at: datetime
    text: str = ""
    files: tuple[ChatFile, ...] = ()
    target: str | None = None
    """For edits and redactions: the `external_id` of the message they change."""
    problem: str | None = None
    """Why the event could not be shown in full (encrypted, file too large, ...)."""


@dataclass(frozen=True)
class ChatBatch:
    """What one fetch returned: events in order, and the position just after them."""

    events: tuple[ChatEvent, ...]
    position: str


class ChatAdapter(Protocol):
    """One chat account on one network."""

    account: str
    """The account's name from the config (`[[chat]] name`): unique across chat accounts."""
    kind: str
    """The network family: "matrix" or "telegram"."""

    def connect(self) -> None:
        """Log in (or check the token); raises AuthError or ChatError."""
        ...

    def fetch(self, position: str | None, wait: float) -> ChatBatch:
        """Events after `position` (None: the first run), waiting up to `wait` seconds."""
        ...

    def send(self, room: str, text: str, txn_id: str) -> None:
        """Post `text` into `room`; `txn_id` is stable across retries of one reply."""
        ...

    def close(self) -> None:
        """Drop the connection; safe to call twice."""
        ...
