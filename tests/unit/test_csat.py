"""CSAT rating replies: which customer messages are ratings, and what recording one does."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from agentdesk.services import compose, conversations
from agentdesk.services.csat import RATING_REQUEST, asks_for_rating, rating_of
from agentdesk.store import Store
from agentdesk.store.models import Conversation, CsatRating, Event, Status
from tests.seed import desk, inbound


@pytest.mark.parametrize(
    ("text", "rating"),
    [
        ("5", 5),
        (" 1 ", 1),
        ("5.", 5),
        ("5!", 5),
        ("4/5", 4),
        ("4 / 5", 4),
        ("3 out of 5", 3),
        ("4 of 5", 4),
        ("5 stars", 5),
        ("★★★★", 4),
        ("***", 3),
        ("5 - great", 5),
        ("5 – great service, thanks!", 5),
        ("4: fine", 4),
        ("2, box was crushed", 2),
        ("5\n\nOn Fri, 14 Nov 2026, The Tea Shop wrote:\n> How did we do? Reply with 1 to 5", 5),
        ("4\r\n\r\n> quoted line\r\n> another", 4),
        ("5\n\nSent from my iPhone", 5),
        ("3\n-- \nAda Lovelace\nLondon", 3),
        ("1\n-----Original Message-----\nFrom: shop", 1),
    ],
)
def test_ratings(text: str, rating: int) -> None:
    assert rating_of(text) == rating


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "0",
        "6",
        "10",
        "5/10",
        "45",
        "5 items are missing from my order",
        "5pm works for me",
        "3 days ago I ordered a teapot",
        "I'd give you a 5",
        "five",
        "5 - but where is my refund?",
        "5 - " + "very " * 30 + "good",
        "1-5",
        "5\nAlso, can you send me an invoice?",
        "Order 12345",
        "[b]5[/b]",
    ],
)
def test_not_ratings(text: str) -> None:
    assert rating_of(text) is None


def test_rating_requests() -> None:
    assert asks_for_rating(f"Glad it arrived!\n\n{RATING_REQUEST}")
    assert asks_for_rating("Please rate us, it helps a lot")
    assert not asks_for_rating("Delivery takes 1-5 working days.")
    assert not asks_for_rating(None)


def _state(store: Store, conversation_id: int) -> tuple[str, list[int], int]:
    with store.session() as session:
        conv = session.get(Conversation, conversation_id)
        assert conv is not None
        ratings = [r.rating for r in session.exec(select(CsatRating))]
        reopens = len(session.exec(select(Event).where(Event.action == "status:open")).all())
        return conv.status, ratings, reopens


def test_a_rating_after_a_close_is_recorded_and_does_not_reopen(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "s.db")
    conv_id, _ = inbound(store)
    ada = desk(store)
    conversations.assign_to_me(ada, conv_id)
    compose.queue(ada, conv_id, f"It is on its way.\n\n{RATING_REQUEST}")
    conversations.set_status(ada, conv_id, Status.CLOSED)
    inbound(store, text="4 - quick answer", conversation_id=conv_id)
    assert _state(store, conv_id) == (Status.CLOSED, [4], 0)
    inbound(store, text="5", conversation_id=conv_id)  # a second thought replaces the first
    assert _state(store, conv_id) == (Status.CLOSED, [5], 0)
    with store.session() as session:
        row = session.exec(select(CsatRating)).one()
        assert row.agent_id == ada.agent_id(session)
    inbound(store, text="Actually the lid is cracked", conversation_id=conv_id)
    assert _state(store, conv_id) == (Status.OPEN, [5], 1)  # a real message reopens, logged


def test_a_digit_in_an_open_conversation_is_a_message(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "s.db")
    conv_id, _ = inbound(store)
    compose.queue(desk(store), conv_id, "How many cups would you like?")
    inbound(store, text="5", conversation_id=conv_id)
    assert _state(store, conv_id) == (Status.OPEN, [], 0)
    with store.session() as session:
        conv = session.get(Conversation, conv_id)
        assert conv is not None and conv.sla_due_at is not None  # the clock runs again


def test_a_rating_asked_for_without_closing_is_recorded(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "s.db")
    conv_id, _ = inbound(store)
    ada = desk(store)
    compose.queue(ada, conv_id, f"Done!\n{RATING_REQUEST}")
    conversations.set_status(ada, conv_id, Status.PENDING)
    inbound(store, text="5/5", conversation_id=conv_id)
    assert _state(store, conv_id) == (Status.PENDING, [5], 0)
