"""Writing a fetched chat batch into the store, together with the account's new position.

One batch is one transaction: its messages and the position after them commit
together, so a poller killed at any point starts again from a position whose
messages are all stored, and none twice. Three guards make that hold even when
something goes wrong around us:

- the position moves by a conditional UPDATE (compare-and-set on the old value), so
  a second poller that read the same position cannot store the same batch again;
- every event leaves a `ChatMessageRef` (unique per account and event id), so an
  event fetched twice (a Matrix timeline gap filled from history) is stored once;
- an edit or a redaction finds the message it changes through that same ref.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from agentdesk.channels.chat.base import ChatBatch, ChatEvent, EventKind
from agentdesk.clock import utcnow
from agentdesk.services.intake import add_inbound, find_or_create_customer, new_conversation
from agentdesk.store import Store
from agentdesk.store.models import (
    Attachment,
    ChatMessageRef,
    ChatPosition,
    Conversation,
    Message,
)
from agentdesk.text import clean, safe_filename

CHANNEL = "chat"
DELETED_TEXT = "[the customer deleted this message]"


class PositionMoved(RuntimeError):
    """The saved position is no longer the one this batch was fetched from.

    Another poller stored the batch first; ours is dropped and fetched again.
    """


@dataclass(frozen=True)
class IngestResult:
    """What a batch did: messages stored, events skipped as already known, new position."""

    stored: int
    duplicates: int
    position: str


def conversation_key(room: str, sender: str) -> str:
    """`Conversation.external_key` of a chat: the room and the customer in it.

    A new room, or a new customer writing in a known room, is a new conversation.
    Room ids and handles never contain spaces, so the room can be read back for replies.
    """
    return f"{room} {sender}"


def room_of(external_key: str) -> str:
    """The room a conversation's replies go to."""
    return external_key.split(" ", 1)[0]


def saved_position(store: Store, account: str) -> str | None:
    """The position the account's next fetch starts from (None before the first)."""
    with store.session() as session:
        row = session.get(ChatPosition, account)
        return row.position if row is not None else None


def ingest(store: Store, account: str, kind: str, before: str | None, batch: ChatBatch) -> IngestResult:
    """Store `batch` (fetched from position `before`) and move the position, atomically."""
    try:
        with store.session() as session:
            _move_position(session, account, kind, before, batch.position)
            stored = duplicates = 0
            for event in batch.events:
                if _apply(session, account, event):
                    stored += 1
                else:
                    duplicates += 1
    except IntegrityError as error:  # a concurrent first insert of the position row
        raise PositionMoved(f"chat account {account!r}: position moved by another poller") from error
    return IngestResult(stored, duplicates, batch.position)


def _move_position(session: Session, account: str, kind: str, before: str | None, after: str) -> None:
    # The UPDATE comes first so the transaction holds the write lock before reading anything.
    now = utcnow()
    if before is None:
        if session.get(ChatPosition, account) is not None:
            raise PositionMoved(f"chat account {account!r}: position moved by another poller")
        session.add(ChatPosition(account=account, kind=kind, position=after, updated_at=now))
        session.flush()
        return
    moved = session.execute(
        update(ChatPosition)
        .where(col(ChatPosition.account) == account, col(ChatPosition.position) == before)
        .values(position=after, updated_at=now)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise PositionMoved(f"chat account {account!r}: position moved by another poller")


def _ref(session: Session, account: str, external_id: str) -> ChatMessageRef | None:
    return session.exec(
        select(ChatMessageRef).where(
            ChatMessageRef.account == account, ChatMessageRef.external_id == external_id
        )
    ).first()


def _apply(session: Session, account: str, event: ChatEvent) -> bool:
    """Store one event; False when it was stored before (or changes nothing we have)."""
    if _ref(session, account, event.external_id) is not None:
        return False
    if event.kind is EventKind.REDACTION:
        return _redact(session, account, event)
    text = clean(event.text).strip()
    conv: Conversation | None = None
    if event.kind is EventKind.EDIT and event.target is not None:
        original_ref = _ref(session, account, event.target)
        original = session.get(Message, original_ref.message_id) if original_ref else None
        if original is not None:
            conv = session.get(Conversation, original.conversation_id)
            was = " ".join(original.text.split())[:200]
            text = f"[edited an earlier message]\n{text}\n\n(was: {was})" if was else f"[edited]\n{text}"
        else:
            text = f"[edited]\n{text}"
    if conv is None:
        conv = _conversation_for(session, account, event)
    message = Message(
        conversation_id=conv.id or 0,
        direction="in",
        author=clean(event.sender_name, keep_newlines=False) or event.sender,
        author_address=event.sender,
        sent_at=event.sent_at,
        text=text,
        parse_error=event.problem,
        source=f"chat:{account}:{event.external_id}",
    )
    add_inbound(session, conv, message)
    assert message.id is not None
    for file in event.files:
        session.add(
            Attachment(
                message_id=message.id,
                filename=safe_filename(file.filename),
                content_type=clean(file.content_type, keep_newlines=False)[:200]
                or "application/octet-stream",
                size=file.size if file.data is None else len(file.data),
                data=file.data,
            )
        )
    session.add(ChatMessageRef(account=account, external_id=event.external_id, message_id=message.id))
    session.flush()
    return True


def _conversation_for(session: Session, account: str, event: ChatEvent) -> Conversation:
    """The room's conversation with this customer (closed ones reopen), else a new one."""
    key = conversation_key(event.room, event.sender)
    conv = session.exec(
        select(Conversation)
        .where(
            Conversation.channel == CHANNEL,
            Conversation.account == account,
            Conversation.external_key == key,
        )
        .order_by(col(Conversation.id).desc())
    ).first()
    if conv is not None:
        return conv
    customer = find_or_create_customer(
        session, CHANNEL, event.sender, event.sender_name, network=event.network
    )
    return new_conversation(
        session,
        customer,
        CHANNEL,
        "",
        event.sent_at,
        network=event.network,
        account=account,
        external_key=key,
    )


def _redact(session: Session, account: str, event: ChatEvent) -> bool:
    """The customer deleted a message: its text and files go, a marker stays in the thread."""
    target = _ref(session, account, event.target) if event.target else None
    message = session.get(Message, target.message_id) if target else None
    if message is None:
        return False  # a message we never stored (or one of our own replies)
    message.text = DELETED_TEXT
    message.html = None
    message.raw = None
    session.execute(delete(Attachment).where(col(Attachment.message_id) == message.id))
    session.add(ChatMessageRef(account=account, external_id=event.external_id, message_id=message.id or 0))
    session.flush()
    return True
