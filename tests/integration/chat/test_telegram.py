"""The Telegram adapter's real HTTP code against a loopback Bot API protocol fake.

Telegram cannot be reached from here; `telegram_fake` implements getMe, getUpdates
(offset, limit, timeout, allowed_updates, confirmation by offset, 409 on a
concurrent poll), sendMessage (4096-character limit, unknown chat) and getFile
with the documented JSON shapes. What these tests check: private chats become
conversations with text, photos (biggest size) and documents; edits are shown as
such; group messages are skipped but still confirmed; the saved offset makes a
restart neither lose nor repeat an update; long replies are split to fit; a
wrong token is an AuthError whose text does not contain the token.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select

from agentdesk import clock
from agentdesk.clock import utcnow

from agentdesk.channels.chat.base import AuthError, ChatError
from agentdesk.channels.chat.ingest import saved_position
from agentdesk.channels.chat.runner import fetch_and_store, send_chat_outbox, sync_chat_account
from agentdesk.channels.chat.settings import ChatAccount, load_chat_accounts
from agentdesk.channels.chat.telegram import TelegramAdapter, split_message
from agentdesk.config import AgentSettings, Settings
from agentdesk.services import Desk, compose
from agentdesk.store import Store
from agentdesk.store.models import Attachment, ContactPoint, Conversation, Message, OutboxItem, OutboxStatus
from tests.integration.chat.telegram_fake import TOKEN, FakeBotAPI

TOKEN_ENV = "AGENTDESK_TEST_TELEGRAM_TOKEN"


def account_for(api: FakeBotAPI, monkeypatch: pytest.MonkeyPatch, token: str = TOKEN) -> ChatAccount:
    monkeypatch.setenv(TOKEN_ENV, token)
    settings = Settings(
        agent=AgentSettings("ann", "Ann"),
        raw={"chat": [{"name": "tg", "type": "telegram", "api_url": api.url, "password_env": TOKEN_ENV}]},
    )
    return load_chat_accounts(settings)[0]


def _conversation(
    api: FakeBotAPI, store: Store, monkeypatch: pytest.MonkeyPatch, chat_id: int, name: str, text: str
) -> tuple[TelegramAdapter, int]:
    """A customer's first message fetched into a conversation: the adapter and its id."""
    adapter = account_for(api, monkeypatch).adapter()
    api.say(chat_id, name, text)
    fetch_and_store(store, adapter, wait=0)
    with store.session() as session:
        conv_id = session.exec(select(Conversation.id)).one()
    assert conv_id is not None
    return adapter, conv_id


def inbound(store: Store) -> list[Message]:
    with store.session() as session:
        return list(session.exec(select(Message).where(Message.direction == "in").order_by(col(Message.id))))


def test_private_chats_with_text_photos_documents_and_edits(
    telegram: FakeBotAPI, chat_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    adapter = account_for(telegram, monkeypatch).adapter()
    adapter.connect()
    first = telegram.say(501, "Lena", "Hi, my order has not arrived", last="Meyer", username="lena_m")
    telegram.photo(501, "Lena", b"\xff\xd8\xff" + b"jpeg" * 100, caption="the box")
    telegram.document(501, "Lena", b"%PDF invoice", "../invoice 7.pdf", "application/pdf")
    telegram.edit(first, "Hi, my order 4711 has not arrived")
    telegram.group_message(502, "Sam", "hello group")
    telegram.say(503, "Omar", "Do you ship to Cairo?")

    stored, duplicates, moved = fetch_and_store(chat_store, adapter, wait=0)
    assert (stored, duplicates, moved) == (5, 0, True)

    with chat_store.session() as session:
        convs = list(session.exec(select(Conversation).order_by(col(Conversation.id))))
        files = list(session.exec(select(Attachment).order_by(col(Attachment.id))))
        points = {p.address: p for p in session.exec(select(ContactPoint))}
    assert [(c.network, c.external_key) for c in convs] == [
        ("telegram", "501 telegram:501"), ("telegram", "503 telegram:503"),
    ]
    messages = inbound(chat_store)
    assert messages[0].author == "Lena Meyer (@lena_m)"
    assert [m.text for m in messages][:3] == ["Hi, my order has not arrived", "the box", ""]
    assert messages[3].text.startswith("[edited an earlier message]\nHi, my order 4711 has not arrived")
    assert [(f.filename, f.content_type, f.data) for f in files] == [
        ("photo_2.jpg", "image/jpeg", b"\xff\xd8\xff" + b"jpeg" * 100),  # the biggest size
        ("invoice 7.pdf", "application/pdf", b"%PDF invoice"),
    ]
    assert points["telegram:501"].network == "telegram"
    assert "telegram:502" not in points  # groups are not support chats

    # The next poll confirms everything: the fake forgets the updates below the offset.
    assert fetch_and_store(chat_store, adapter, wait=0) == (0, 0, False)
    assert telegram.updates == []


def test_restart_neither_loses_nor_repeats_an_update(
    telegram: FakeBotAPI, chat_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = account_for(telegram, monkeypatch)
    for n in range(3):
        telegram.say(601, "Kim", f"message {n}")
    assert sync_chat_account(chat_store, account, "holder-1").new == 3
    offset = saved_position(chat_store, "tg")

    # A poller that fetched but died before storing: the updates are still unconfirmed.
    for n in range(3, 5):
        telegram.say(601, "Kim", f"message {n}")
    crashed = account.adapter()
    crashed.fetch(offset, 0)
    assert saved_position(chat_store, "tg") == offset

    assert sync_chat_account(chat_store, account, "holder-2").new == 2
    assert [m.text for m in inbound(chat_store)] == [f"message {n}" for n in range(5)]
    # Feeding the same batch again (a stale poller) is refused by the position check.
    from agentdesk.channels.chat.ingest import PositionMoved, ingest

    with pytest.raises(PositionMoved):
        ingest(chat_store, "tg", "telegram", offset, crashed.fetch(offset, 0))
    assert len(inbound(chat_store)) == 5


def test_long_replies_are_split_and_delivered(
    telegram: FakeBotAPI, chat_store: Store, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    adapter = account_for(telegram, monkeypatch).adapter()
    adapter.connect()
    telegram.say(701, "Ute", "Can you explain the warranty?")
    fetch_and_store(chat_store, adapter, wait=0)
    with chat_store.session() as session:
        conv_id = session.exec(select(Conversation.id)).one()
    long_reply = ("Our warranty covers the lid for two years. " * 120).strip() + " 😀" * 50
    compose.queue(desk, conv_id or 0, long_reply)
    assert send_chat_outbox(chat_store, {"tg": adapter}, "holder") == (1, 0)
    parts = [m["text"] for m in telegram.sent]
    assert len(parts) == 2 and all(len(p.encode("utf-16-le")) // 2 <= 4096 for p in parts)
    assert " ".join(parts).split() == long_reply.split()
    assert all(m["chat"]["id"] == 701 for m in telegram.sent)


def test_a_failed_send_stays_in_the_outbox_and_is_retried(
    telegram: FakeBotAPI, chat_store: Store, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    adapter, conv_id = _conversation(telegram, chat_store, monkeypatch, 801, "Pia", "hello?")
    compose.queue(desk, conv_id, "Hello Pia!")
    # While the account is not connected (reconnecting), its replies wait untouched.
    assert send_chat_outbox(chat_store, {"other-account": adapter}, "holder") == (0, 0)
    with chat_store.session() as session:
        assert session.exec(select(OutboxItem)).one().attempts == 0
    telegram.fail_next_send = 1
    assert send_chat_outbox(chat_store, {"tg": adapter}, "holder") == (0, 1)  # one to retry
    with chat_store.session() as session:
        item = session.exec(select(OutboxItem)).one()
        assert item.status == OutboxStatus.QUEUED and "500" in (item.last_error or "")
    assert send_chat_outbox(chat_store, {"tg": adapter}, "holder") == (0, 1)  # backing off
    clock.freeze(utcnow() + timedelta(minutes=2))
    try:
        assert send_chat_outbox(chat_store, {"tg": adapter}, "holder") == (1, 0)
    finally:
        clock.freeze(None)
    assert [m["text"] for m in telegram.sent] == ["Hello Pia!"]


def test_a_split_reply_whose_second_part_failed_does_not_repeat_the_first(
    telegram: FakeBotAPI, chat_store: Store, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    adapter, conv_id = _conversation(telegram, chat_store, monkeypatch, 802, "Ines", "tell me everything")
    long_reply = "\n\n".join(f"Part {n}. " + "word " * 700 for n in range(2))  # two messages
    compose.queue(desk, conv_id, long_reply)
    telegram.fail_send_after = 1  # the first part goes, the second fails
    assert send_chat_outbox(chat_store, {"tg": adapter}, "holder") == (0, 1)
    assert len(telegram.sent) == 1
    clock.freeze(utcnow() + timedelta(minutes=2))
    try:
        assert send_chat_outbox(chat_store, {"tg": adapter}, "holder") == (1, 0)
    finally:
        clock.freeze(None)
    parts = [m["text"] for m in telegram.sent]
    assert len(parts) == 2 and parts[0].startswith("Part 0") and parts[1].startswith("Part 1")


def test_an_update_that_cannot_be_read_is_shown_not_lost(
    telegram: FakeBotAPI, chat_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    adapter = account_for(telegram, monkeypatch).adapter()
    odd = telegram._message(901, "Vera", photo=[{"width": 1}])  # a photo size without file_id
    telegram._push("message", odd)
    telegram.say(901, "Vera", "did you get my picture?")
    assert fetch_and_store(chat_store, adapter, wait=0)[0] == 2
    first, second = inbound(chat_store)
    assert first.text == "[a Telegram message agentdesk could not read]" and "KeyError" in (first.parse_error or "")
    assert second.text == "did you get my picture?"


def test_a_wrong_token_is_an_auth_error_without_the_token(telegram: FakeBotAPI) -> None:
    adapter = TelegramAdapter("tg", "999:wrong-secret-token", telegram.url)
    with pytest.raises(AuthError) as raised:
        adapter.connect()
    assert "401" in str(raised.value) and "wrong-secret-token" not in str(raised.value)


def test_unreachable_api_is_a_chat_error(monkeypatch: pytest.MonkeyPatch) -> None:
    adapter = TelegramAdapter("tg", TOKEN, "http://127.0.0.1:9")
    with pytest.raises(ChatError) as raised:
        adapter.fetch(None, 0)
    assert TOKEN not in str(raised.value)


def test_split_message_keeps_every_word_and_prefers_breaks() -> None:
    text = "\n\n".join(f"Paragraph {n}. " + "word " * 300 for n in range(6))
    parts = split_message(text)
    assert all(len(p) <= 4096 for p in parts)
    assert " ".join(parts).split() == text.split()
    assert all(p.startswith("Paragraph") for p in parts)
    assert split_message("short") == ["short"]
    assert split_message("x" * 5000) == ["x" * 4096, "x" * 904]


def test_a_reply_interrupted_mid_send_is_failed_for_the_agent_to_check(
    telegram: FakeBotAPI, chat_store: Store, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    adapter, conv_id = _conversation(telegram, chat_store, monkeypatch, 811, "Rui", "hello?")
    compose.queue(desk, conv_id, "Hello Rui!")
    with chat_store.session() as session:  # a sender died between claiming and marking sent
        item = session.exec(select(OutboxItem)).one()
        item.status = OutboxStatus.SENDING
    assert send_chat_outbox(chat_store, {"other": adapter}, "holder") == (0, 0)  # not its account
    with chat_store.session() as session:
        assert session.exec(select(OutboxItem)).one().status == OutboxStatus.SENDING
    # Failed for good: it waits for the agent (F), so it is not counted as retrying.
    assert send_chat_outbox(chat_store, {"tg": adapter}, "holder") == (0, 0)
    with chat_store.session() as session:
        item = session.exec(select(OutboxItem)).one()
    assert item.status == OutboxStatus.FAILED and "may have reached the customer" in (item.last_error or "")
    assert telegram.sent == []
