"""The Matrix adapter against a real Synapse: customers write, the poller ingests, replies arrive.

The customer (and, for the bridge tests, a bridge bot and its puppet) are real
Matrix users talking plain HTTP to the homeserver; the support account is driven
by the adapter (matrix-nio) exactly as `agentdesk poll` drives it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from agentdesk.channels.chat.base import ChatAdapter
from agentdesk.channels.chat.ingest import DELETED_TEXT
from agentdesk.channels.chat.matrix import ENCRYPTED_TEXT
from agentdesk.channels.chat.runner import fetch_and_store, send_chat_outbox
from agentdesk.channels.chat.settings import ChatAccount, load_chat_accounts
from agentdesk.clock import utcnow
from agentdesk.config import AgentSettings, Settings
from agentdesk.services import Desk, compose
from agentdesk.store import Store
from agentdesk.store.models import (
    Attachment,
    ContactPoint,
    Conversation,
    Message,
    OutboxItem,
    OutboxStatus,
    Status,
)
from tests.integration.chat.homeserver import Customer, Homeserver

TOKEN_ENV = "AGENTDESK_TEST_MATRIX_TOKEN"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def account_for(server: Homeserver, support: Customer, monkeypatch: pytest.MonkeyPatch, name: str = "mx") -> ChatAccount:
    monkeypatch.setenv(TOKEN_ENV, support.token)
    settings = Settings(
        agent=AgentSettings("ann", "Ann"),
        raw={"chat": [{"name": name, "type": "matrix", "homeserver": server.url,
                       "user": support.user_id, "password_env": TOKEN_ENV}]},
    )
    return load_chat_accounts(settings)[0]


@pytest.fixture
def adapter(synapse: Homeserver, support: Customer, monkeypatch: pytest.MonkeyPatch) -> Any:
    adapter = account_for(synapse, support, monkeypatch).adapter()
    adapter.connect()
    yield adapter
    adapter.close()


def pump(store: Store, adapter: ChatAdapter, until: Callable[[], bool], timeout: float = 20) -> None:
    """Fetch and store until `until()` holds (the homeserver needs a moment per event)."""
    deadline = time.monotonic() + timeout
    while not until():
        assert time.monotonic() < deadline, "timed out waiting for the poller"
        fetch_and_store(store, adapter, wait=0.3)


def inbound(store: Store) -> list[Message]:
    with store.session() as session:
        return list(session.exec(select(Message).where(Message.direction == "in").order_by(col(Message.id))))


def conversations(store: Store) -> list[Conversation]:
    with store.session() as session:
        return list(session.exec(select(Conversation).order_by(col(Conversation.id))))


def test_direct_message_becomes_a_conversation_and_the_reply_arrives(
    synapse: Homeserver, support: Customer, adapter: Any, chat_store: Store, desk: Desk
) -> None:
    alice = synapse.register("alice", "Alice Liddell")
    room = alice.dm(support.user_id)
    alice.say(room, "Hello, where is my order 4711?")
    alice.say(room, "It was due on Monday.", msgtype="m.notice")

    pump(chat_store, adapter, lambda: len(inbound(chat_store)) == 2)
    [conv] = conversations(chat_store)
    assert (conv.channel, conv.network, conv.account, conv.status) == ("chat", "matrix", "mx", Status.OPEN)
    assert conv.sla_due_at is not None
    assert conv.sla_due_at - conv.created_at <= timedelta(minutes=30)  # chat SLAs are minutes
    messages = inbound(chat_store)
    assert [m.text for m in messages] == ["Hello, where is my order 4711?", "It was due on Monday."]
    assert {m.author for m in messages} == {"Alice Liddell"}
    with chat_store.session() as session:
        point = session.exec(select(ContactPoint).where(ContactPoint.address == alice.user_id)).one()
    assert (point.channel, point.network) == ("chat", "matrix")

    compose.queue(desk, conv.id or 0, "Hi Alice, it left our warehouse today.")
    sent, failing = send_chat_outbox(chat_store, {"mx": adapter}, "test-holder")
    assert (sent, failing) == (1, 0)
    replies = [e for e in alice.messages(room) if e["sender"] == support.user_id]
    assert [(e["content"]["msgtype"], e["content"]["body"]) for e in replies] == [
        ("m.text", "Hi Alice, it left our warehouse today.")
    ]
    with chat_store.session() as session:
        assert session.exec(select(OutboxItem)).one().status == OutboxStatus.SENT

    # Our own reply comes back in the next sync: it must not be ingested as the customer's.
    alice.say(room, "Thanks!")
    pump(chat_store, adapter, lambda: len(inbound(chat_store)) == 3)
    assert [m.author_address for m in inbound(chat_store)] == [alice.user_id] * 3


def test_images_files_edits_and_redactions(
    synapse: Homeserver, support: Customer, adapter: Any, chat_store: Store
) -> None:
    bob = synapse.register("bob", "Bob")
    room = bob.dm(support.user_id)
    first = bob.say(room, "The lid is craked")
    url = bob.upload(PNG, "lid.png", "image/png")
    bob.send(room, {"msgtype": "m.image", "body": "lid.png", "url": url,
                    "info": {"mimetype": "image/png", "size": len(PNG)}})
    doc = bob.upload(b"%PDF-1.4 invoice", "../../etc/invoice.pdf", "application/pdf")
    bob.send(room, {"msgtype": "m.file", "body": "../../etc/invoice.pdf", "url": doc,
                    "info": {"mimetype": "application/pdf"}})
    bob.send(room, {"msgtype": "m.text", "body": "* The lid is cracked",
                    "m.new_content": {"msgtype": "m.text", "body": "The lid is cracked"},
                    "m.relates_to": {"rel_type": "m.replace", "event_id": first}})
    bob.send(room, {"msgtype": "m.text", "body": "odd", "m.relates_to": "not an object"})
    oops = bob.say(room, "my card number is 4111 1111 1111 1111")
    bob.redact(room, oops)

    pump(chat_store, adapter, lambda: any(m.text == DELETED_TEXT for m in inbound(chat_store)))
    messages = inbound(chat_store)
    texts = [m.text for m in messages]
    assert texts[0] == "The lid is craked"  # the original stays as it was written
    assert texts[3].startswith("[edited an earlier message]\nThe lid is cracked")
    assert "(was: The lid is craked)" in texts[3]
    assert texts[4].startswith("[a Matrix event agentdesk could not read")  # shown, not lost
    assert texts[5] == DELETED_TEXT
    assert not any("4111" in t for t in texts)
    with chat_store.session() as session:
        files = list(session.exec(select(Attachment).order_by(col(Attachment.id))))
    assert [(f.filename, f.content_type, f.data) for f in files] == [
        ("lid.png", "image/png", PNG),
        ("invoice.pdf", "application/pdf", b"%PDF-1.4 invoice"),
    ]
    assert len(conversations(chat_store)) == 1


def test_encrypted_messages_are_shown_as_such(
    synapse: Homeserver, support: Customer, adapter: Any, chat_store: Store
) -> None:
    carol = synapse.register("carol", "Carol")
    room = carol.dm(
        support.user_id,
        state=[{"type": "m.room.encryption", "state_key": "", "content": {"algorithm": "m.megolm.v1.aes-sha2"}}],
    )
    carol.send(
        room,
        {"algorithm": "m.megolm.v1.aes-sha2", "ciphertext": "AwgAEn...", "sender_key": "k",
         "session_id": "s", "device_id": "CAROLDEV"},
        event_type="m.room.encrypted",
    )
    pump(chat_store, adapter, lambda: len(inbound(chat_store)) == 1)
    [message] = inbound(chat_store)
    assert message.text == ENCRYPTED_TEXT
    assert message.parse_error == "end-to-end encrypted"
    assert message.author == "Carol"


@pytest.mark.parametrize(
    ("state_type", "protocol", "label"),
    [("m.bridge", "whatsapp", "whatsapp"), ("uk.half-shot.bridge", "signal", "signal")],
)
def test_bridged_rooms_carry_the_network_and_hide_the_bridge_bot(
    synapse: Homeserver, support: Customer, adapter: Any, chat_store: Store,
    state_type: str, protocol: str, label: str,
) -> None:
    bot = synapse.register(f"{protocol}bot", f"{protocol} bridge bot")
    puppet = synapse.register(f"{protocol}_4915", "Maria (WA)")
    bridge_state = {
        "type": state_type,
        "state_key": f"net.maunium.{protocol}://{protocol}/4915",
        "content": {"bridgebot": bot.user_id, "creator": bot.user_id,
                    "protocol": {"id": protocol, "displayname": protocol.title()},
                    "channel": {"id": "4915"}},
    }
    room = bot.dm(puppet.user_id, state=[bridge_state])
    puppet.join(room)
    bot.invite(room, support.user_id)
    bot.say(room, "Portal created", msgtype="m.notice")
    puppet.say(room, "Hola, my parcel never arrived")

    pump(chat_store, adapter, lambda: len(inbound(chat_store)) == 1)
    [conv] = conversations(chat_store)
    [message] = inbound(chat_store)
    assert conv.network == label
    assert (message.author, message.author_address) == ("Maria (WA)", puppet.user_id)
    with chat_store.session() as session:
        point = session.exec(select(ContactPoint).where(ContactPoint.address == puppet.user_id)).one()
    assert point.network == label


def test_new_room_or_new_customer_is_a_new_conversation_and_a_close_reopens(
    synapse: Homeserver, support: Customer, adapter: Any, chat_store: Store, desk: Desk
) -> None:
    dave = synapse.register("dave", "Dave")
    erin = synapse.register("erin", "Erin")
    room1 = dave.dm(support.user_id)
    dave.say(room1, "first question")
    pump(chat_store, adapter, lambda: len(inbound(chat_store)) == 1)
    [conv] = conversations(chat_store)
    with chat_store.session() as session:
        stored = session.get(Conversation, conv.id)
        assert stored is not None
        stored.status = Status.CLOSED
        stored.closed_at = utcnow()

    dave.say(room1, "one more thing")
    room2 = dave.dm(support.user_id)
    dave.say(room2, "another topic, another room")
    room3 = erin.dm(support.user_id)
    erin.say(room3, "hi from Erin")
    pump(chat_store, adapter, lambda: len(inbound(chat_store)) == 4)

    convs = conversations(chat_store)
    assert len(convs) == 3
    assert convs[0].id == conv.id and convs[0].status == Status.OPEN and convs[0].message_count == 2
    assert convs[0].customer_id == convs[1].customer_id != convs[2].customer_id


def test_a_restarted_adapter_resumes_from_the_saved_position(
    synapse: Homeserver, support: Customer, chat_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = account_for(synapse, support, monkeypatch)
    frank = synapse.register("frank", "Frank")
    room = frank.dm(support.user_id)
    for n in range(3):
        frank.say(room, f"before {n}")
    first = account.adapter()
    first.connect()
    pump(chat_store, first, lambda: len(inbound(chat_store)) == 3)
    first.close()
    for n in range(3):
        frank.say(room, f"after {n}")
    second = account.adapter()
    second.connect()
    try:
        pump(chat_store, second, lambda: len(inbound(chat_store)) >= 6)
        fetch_and_store(chat_store, second, wait=0.3)
    finally:
        second.close()
    assert [m.text for m in inbound(chat_store)] == [f"before {n}" for n in range(3)] + [
        f"after {n}" for n in range(3)
    ]


def test_a_wrong_token_is_an_auth_error(synapse: Homeserver, support: Customer, monkeypatch: pytest.MonkeyPatch) -> None:
    from agentdesk.channels.chat.base import AuthError

    account = account_for(synapse, support, monkeypatch)
    monkeypatch.setenv(TOKEN_ENV, "syt_not_a_token")
    adapter = account.adapter()
    with pytest.raises(AuthError):
        adapter.connect()
    adapter.close()
