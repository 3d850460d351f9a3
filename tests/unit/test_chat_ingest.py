"""Chat ingest and customer merge on SQLite and a real PostgreSQL: exactly-once, edits,
redactions, the position's compare-and-set, and a merged customer's history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from agentdesk.channels.chat.base import ChatBatch, ChatEvent, ChatFile, EventKind
from agentdesk.channels.chat.ingest import DELETED_TEXT, PositionMoved, ingest, saved_position
from agentdesk.config import AgentSettings
from agentdesk.services import Desk, conversations
from agentdesk.services import merge as merge_service
from agentdesk.services.intake import add_inbound, find_or_create_customer, new_conversation
from agentdesk.store import Store
from agentdesk.store.models import Attachment, ChatMessageRef, Conversation, Customer, Message

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def event(n: int, text: str = "", *, sender: str = "@ann:shop.test", room: str = "!r1:shop.test",
          kind: EventKind = EventKind.MESSAGE, target: str | None = None,
          files: tuple[ChatFile, ...] = (), network: str = "matrix") -> ChatEvent:
    return ChatEvent(
        external_id=f"$e{n}", kind=kind, room=room, sender=sender, sender_name="Ann \x1b[31mRed",
        network=network, sent_at=T0 + timedelta(minutes=n), text=text or f"message {n}",
        files=files, target=target,
    )


def inbound(store: Store) -> list[Message]:
    with store.session() as session:
        return list(session.exec(select(Message).where(Message.direction == "in").order_by(col(Message.id))))


def test_a_batch_is_stored_once_with_its_position(store: Store) -> None:
    batch = ChatBatch((event(1), event(2)), "s2")
    result = ingest(store, "mx", "matrix", None, batch)
    assert (result.stored, result.duplicates) == (2, 0)
    assert saved_position(store, "mx") == "s2"
    # The same events again (a history page overlapping the timeline): skipped.
    again = ingest(store, "mx", "matrix", "s2", ChatBatch((event(2), event(3)), "s3"))
    assert (again.stored, again.duplicates) == (1, 1)
    assert [m.text for m in inbound(store)] == ["message 1", "message 2", "message 3"]
    assert {m.author for m in inbound(store)} == {"Ann Red"}  # escape sequences cleaned


def test_a_stale_poller_cannot_store_a_batch_twice(store: Store) -> None:
    ingest(store, "mx", "matrix", None, ChatBatch((event(1),), "s1"))
    with pytest.raises(PositionMoved):
        ingest(store, "mx", "matrix", None, ChatBatch((event(1), event(2)), "s2"))
    ingest(store, "mx", "matrix", "s1", ChatBatch((event(2),), "s2"))
    with pytest.raises(PositionMoved):
        ingest(store, "mx", "matrix", "s1", ChatBatch((event(3),), "s3"))
    assert [m.text for m in inbound(store)] == ["message 1", "message 2"]
    assert saved_position(store, "mx") == "s2"


def test_positions_are_per_account(store: Store) -> None:
    ingest(store, "mx", "matrix", None, ChatBatch((event(1),), "s1"))
    ingest(store, "tg", "telegram", None, ChatBatch((event(1, sender="telegram:5", room="5"),), "7"))
    assert (saved_position(store, "mx"), saved_position(store, "tg")) == ("s1", "7")
    assert len(inbound(store)) == 2  # the same event id on two accounts is two messages


def test_edits_and_redactions(store: Store) -> None:
    photo = ChatFile("../../x.png", "image/png", 3, b"png")
    batch = ChatBatch(
        (
            event(1, "teh parcel"),
            event(2, "card 4111", files=(photo,)),
            event(3, "the parcel", kind=EventKind.EDIT, target="$e1"),
            event(4, kind=EventKind.REDACTION, target="$e2"),
            event(5, kind=EventKind.REDACTION, target="$unknown"),
            event(6, "edited something we never saw", kind=EventKind.EDIT, target="$gone"),
        ),
        "s1",
    )
    result = ingest(store, "mx", "matrix", None, batch)
    assert (result.stored, result.duplicates) == (5, 1)
    texts = [m.text for m in inbound(store)]
    assert texts[0] == "teh parcel"
    assert texts[1] == DELETED_TEXT
    assert texts[2] == "[edited an earlier message]\nthe parcel\n\n(was: teh parcel)"
    assert texts[3] == "[edited]\nedited something we never saw"
    with store.session() as session:
        assert session.exec(select(Attachment)).all() == []
        assert len(session.exec(select(ChatMessageRef)).all()) == 5
        assert len(session.exec(select(Conversation)).all()) == 1


def test_files_are_stored_with_safe_names(store: Store) -> None:
    files = (ChatFile("../../etc/passwd", "text/plain", 4, b"root"), ChatFile("big.mov", "video/mp4", 10**9, None))
    ingest(store, "mx", "matrix", None, ChatBatch((event(1, files=files),), "s1"))
    with store.session() as session:
        stored = list(session.exec(select(Attachment).order_by(col(Attachment.id))))
    assert [(a.filename, a.size, a.data) for a in stored] == [("passwd", 4, b"root"), ("big.mov", 10**9, None)]


def test_merging_a_chat_customer_into_an_email_customer(store: Store) -> None:
    desk = Desk(store, AgentSettings("lead", "Lea"))
    with store.session() as session:
        email_customer = find_or_create_customer(session, "email", "ann@example.test", "Ann Example")
        conv = new_conversation(session, email_customer, "email", "Order 4711", T0, account="shop")
        add_inbound(session, conv, Message(conversation_id=0, direction="in", sent_at=T0, text="by mail"))
        email_id = email_customer.id
    ingest(store, "mx", "matrix", None, ChatBatch((event(1),), "s1"))
    with store.session() as session:
        chat_customer = session.exec(select(Customer).where(Customer.id != email_id)).one()
        chat_id = chat_customer.id
    assert chat_id is not None and email_id is not None

    result = merge_service.merge(desk, chat_id, email_id)
    assert (result.moved_contacts, result.moved_conversations) == (1, 1)
    assert {a.address for a in result.into.addresses} == {"ann@example.test", "@ann:shop.test"}

    # A later chat message from the same handle lands on the merged customer.
    ingest(store, "mx", "matrix", "s1", ChatBatch((event(2, room="!r2:shop.test"),), "s2"))
    with store.session() as session:
        owners = set(session.exec(select(Conversation.customer_id)).all())
        newest = session.exec(select(Conversation).order_by(col(Conversation.id).desc())).first()
    assert owners == {email_id}
    assert newest is not None and newest.id is not None
    detail = conversations.open_detail(desk, newest.id)
    assert {p.channel for p in detail.customer.conversations} == {"email", "chat"}
    assert len(detail.customer.conversations) == 3

    with pytest.raises(merge_service.MergeError):
        merge_service.merge(desk, chat_id, email_id)  # already the same customer
    with pytest.raises(merge_service.MergeError):
        merge_service.merge(desk, 99999, email_id)
