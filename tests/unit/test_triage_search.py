"""Search operators, their combinations and ranking, on SQLite (FTS5) and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from agentdesk import clock
from agentdesk.services import conversations, search, tags
from agentdesk.services.desk import Desk
from agentdesk.services.intake import add_inbound, find_or_create_customer, new_conversation
from agentdesk.services.query import QueryError
from agentdesk.store import Store
from agentdesk.store.models import Attachment, Customer, Message, Status
from tests.seed import desk, inbound

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@dataclass
class Shop:
    desk: Desk
    teapot: int
    refund: int
    chat: int
    old_refund: int
    noise: int


@pytest.fixture
def shop(store: Store) -> Iterator[Shop]:
    clock.freeze(NOW)
    try:
        teapot, _ = inbound(store, "ada@example.test", "Where is my order?",
                            "My teapot has not arrived yet. Order 1234.", NOW - timedelta(days=2))
        refund, message_id = inbound(store, "bo@example.test", "Refund please",
                                     "The mug arrived broken, I want a refund.", NOW - timedelta(days=1))
        old_refund, _ = inbound(store, "dee@example.test", "Question about my order",
                                "When will my refund arrive? " + "It is a long story. " * 20,
                                NOW - timedelta(days=40))
        noise, _ = inbound(store, "eve@example.test", "Hello", "Just saying the cups are lovely.",
                           NOW - timedelta(hours=3))
        with store.session() as session:
            session.add(Attachment(message_id=message_id, filename="photo.jpg", size=10))
            bo = session.get(Customer, 2)
            assert bo is not None
            bo.vip = True
            customer = find_or_create_customer(session, "chat", "@cem", "Cem", network="telegram")
            conv = new_conversation(session, customer, "chat", "", NOW - timedelta(hours=1), network="telegram")
            add_inbound(session, conv, Message(conversation_id=0, direction="in", author="Cem",
                                               author_address="@cem", sent_at=NOW - timedelta(hours=1),
                                               text="hi can I cancel my order? wrong colour"))
            chat = conv.id
        assert chat is not None
        ada = desk(store, "ada")
        tags.add_tag(ada, teapot, "late by carrier")
        conversations.assign_to_me(ada, teapot)
        conversations.set_status(ada, old_refund, Status.CLOSED)
        yield Shop(ada, teapot, refund, chat, old_refund, noise)
    finally:
        clock.freeze(None)


def ids(shop: Shop, query: str, **kwargs: object) -> list[int]:
    return [row.id for row in search.search(shop.desk, query, **kwargs).rows]  # type: ignore[arg-type]


def test_free_text_and_phrase(shop: Shop) -> None:
    assert ids(shop, "teapot") == [shop.teapot]
    assert ids(shop, '"not arrived"') == [shop.teapot]
    assert ids(shop, '"arrived not"') == []
    assert ids(shop, "arrived mug") == [shop.refund]  # every word, in one message
    assert ids(shop, "TEAPOT") == [shop.teapot]


def test_ranking_puts_the_best_match_first(shop: Shop) -> None:
    assert ids(shop, "refund") == [shop.refund, shop.old_refund]
    assert ids(shop, "refund sort:newest") == [shop.refund, shop.old_refund]
    assert ids(shop, "refund sort:oldest") == [shop.old_refund, shop.refund]


def test_text_operators(shop: Shop) -> None:
    assert ids(shop, "from:bo") == [shop.refund]
    assert ids(shop, "from:bo@example.test") == [shop.refund]
    assert ids(shop, "subject:refund") == [shop.refund]
    assert ids(shop, "refund -broken") == [shop.old_refund]
    assert sorted(ids(shop, "-refund")) == sorted([shop.teapot, shop.chat, shop.noise])


def test_conversation_filters(shop: Shop) -> None:
    assert ids(shop, 'tag:"late by carrier"') == [shop.teapot]
    assert shop.teapot not in ids(shop, '-tag:"late by carrier"')
    assert ids(shop, "status:closed") == [shop.old_refund]
    assert shop.old_refund not in ids(shop, "-status:closed")
    assert ids(shop, "channel:chat") == [shop.chat]
    assert ids(shop, "channel:telegram") == [shop.chat]
    assert ids(shop, "assignee:ada") == [shop.teapot]
    assert ids(shop, "assignee:me") == [shop.teapot] == ids(shop, "is:mine")
    assert shop.teapot not in ids(shop, "is:unassigned")
    assert shop.teapot not in ids(shop, "assignee:none")
    assert ids(shop, "has:attachment") == [shop.refund]
    assert ids(shop, "is:vip") == [shop.refund]
    assert ids(shop, "to:dee@") == [shop.old_refund]
    assert ids(shop, "after:2026-11-20") == [shop.chat, shop.noise]
    assert ids(shop, "before:2026-11-01") == [shop.old_refund]
    assert ids(shop, "after:36h sort:oldest") == [shop.refund, shop.noise, shop.chat]


def test_combinations(shop: Shop) -> None:
    assert ids(shop, "refund -status:closed has:attachment") == [shop.refund]
    assert ids(shop, "refund AND is:vip") == [shop.refund]
    assert ids(shop, "order -channel:chat") == [shop.teapot, shop.old_refund] or \
        ids(shop, "order -channel:chat") == [shop.old_refund, shop.teapot]
    assert ids(shop, "order channel:chat") == [shop.chat]
    assert ids(shop, "refund status:open before:2026-11-01") == []


def test_rows_paging_and_counts(shop: Shop) -> None:
    page = search.search(shop.desk, "order", limit=1)
    assert page.total == 3 and not page.capped and page.next_offset == 1
    second = search.search(shop.desk, "order", limit=1, offset=1)
    assert second.rows[0].id != page.rows[0].id
    teapot = search.search(shop.desk, "teapot").rows[0]
    assert teapot.tags == ("late by carrier",) and teapot.assignee == "ada"
    capped = search.search(shop.desk, "order", candidates=2)
    assert capped.capped and capped.total <= 2
    assert search.search(shop.desk, "status:open").total == 4


def test_bad_values_say_what_is_wrong(shop: Shop) -> None:
    with pytest.raises(QueryError, match="status:sleeping"):
        search.search(shop.desk, "status:sleeping")
    with pytest.raises(QueryError, match="not a date"):
        search.search(shop.desk, "after:someday")
    with pytest.raises(QueryError, match="has:"):
        search.search(shop.desk, "has:cat")
    # Hostile text is only ever searched for.
    assert ids(shop, '"); DROP TABLE message; --') == []
    assert ids(shop, "NEAR( AND OR *") == []


def test_saved_searches_from_config() -> None:
    raw = {"searches": {"Refunds": "refund -status:closed", "bad": 3}}
    assert search.saved_searches(raw) == [search.SavedSearch("Refunds", "refund -status:closed")]
    assert search.saved_searches({}) == []
