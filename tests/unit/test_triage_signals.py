"""Urgency reasons on fixture messages, and knowledge-base suggestions on fixture conversations."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agentdesk import clock
from agentdesk.services import search, urgency, workflow
from agentdesk.services.kb import KnowledgeBase, keywords
from agentdesk.services.urgency import WordLists
from agentdesk.store import Store
from agentdesk.store.models import Customer
from tests.seed import desk, inbound

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    clock.freeze(NOW)
    store = Store.open(tmp_path / "store.db")
    yield store
    store.dispose()
    clock.freeze(None)


def labels(report: urgency.UrgencyReport) -> list[str]:
    return [r.label for r in report.reasons]


def test_calm_question_scores_zero(sqlite_store: Store) -> None:
    conv, _ = inbound(sqlite_store, text="How do I descale the kettle?", at=NOW - timedelta(minutes=5))
    assert urgency.explain(desk(sqlite_store), conv) == urgency.UrgencyReport(0, [])


def test_angry_refund_scores_with_reasons(sqlite_store: Store) -> None:
    address = "bo@example.test"
    text = ("I have written THREE TIMES. The mug arrived broken, I want a refund NOW or I file a "
            "chargeback. This is unacceptable!!")
    first, _ = inbound(sqlite_store, address, "Broken mug", "hello?", NOW - timedelta(days=2))
    inbound(sqlite_store, address, "Broken mug", "anyone?", NOW - timedelta(days=1), conversation_id=first)
    conv, _ = inbound(sqlite_store, address, "This is unacceptable", text, NOW - timedelta(hours=23, minutes=30))
    with sqlite_store.session() as session:
        customer = session.get(Customer, 1)
        assert customer is not None
        customer.vip = True
    ada = desk(sqlite_store)
    workflow.set_priority(ada, conv, "high")
    report = urgency.explain(ada, conv)
    got = labels(report)
    assert 'mentions "refund"' in got and 'mentions "broken"' in got and 'mentions "chargeback"' in got
    assert 'negative tone: "unacceptable"' in got
    assert "shouting (CAPITALS or !!)" in got
    assert "3 customer messages in 7 days" in got
    assert "SLA nearly due" in got  # 30 minutes of 24 hours left
    assert "VIP customer" in got and "priority high" in got
    assert report.score == 100
    assert report.reasons == sorted(report.reasons, key=lambda r: -r.points)
    # The stored score makes search sortable by urgency.
    assert [r.id for r in search.search(ada, "sort:urgency").rows][0] == conv


def test_turkish_words_and_own_lists(sqlite_store: Store) -> None:
    conv, _ = inbound(sqlite_store, text="Siparişim KIRIK geldi, İADE istiyorum. Rezalet.",
                      at=NOW - timedelta(minutes=1))
    got = labels(urgency.explain(desk(sqlite_store), conv))
    assert 'mentions "iade"' in got and 'mentions "kırık"' in got and 'negative tone: "rezalet"' in got
    german = WordLists.from_config({"urgency": {"words": {"de": {"keywords": ["Erstattung"],
                                                                 "negative": ["enttäuscht"]}}}})
    assert german.find("Ich bin sehr enttäuscht und will eine Erstattung") == (["Erstattung"], ["enttäuscht"])


def test_refresh_rescores_changed_conversations(sqlite_store: Store) -> None:
    calm, _ = inbound(sqlite_store, "a@example.test", text="A question", at=NOW - timedelta(minutes=1))
    angry, _ = inbound(sqlite_store, "b@example.test", text="Refund the broken cup!", at=NOW - timedelta(minutes=1))
    ada = desk(sqlite_store)
    assert urgency.refresh(ada) == 2
    assert urgency.refresh(ada) == 0
    clock.freeze(NOW + timedelta(minutes=1))
    inbound(sqlite_store, "a@example.test", text="I want to cancel", conversation_id=calm)
    assert urgency.refresh(ada) == 1
    ranked = [r.id for r in search.search(ada, "sort:urgency").rows]
    assert ranked == [angry, calm]


ARTICLES = {
    "shipping/where-is-my-order.md": "# Where is my order?\n\nTracking takes 1-2 days to update. "
    "If your parcel has not arrived after 10 days, we resend it.",
    "returns/refunds.md": "---\ntitle: Refunds and returns\nurl: https://help.example/refunds\n---\n"
    "We refund within 5 working days after the return arrives. Banks take 3-5 days.",
    "care/descaling-the-kettle.md": "# Descaling the kettle\n\nFill with water and citric acid, boil, "
    "rinse twice. Descale every month in hard-water areas.",
    "returns/damaged.md": "# Damaged or broken items\n\nSend a photo of the damage; we replace broken "
    "items at once, no return needed.",
}


@pytest.fixture
def kb(tmp_path: Path) -> KnowledgeBase:
    for name, body in ARTICLES.items():
        path = tmp_path / "kb" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body, encoding="utf-8")
    found = KnowledgeBase.from_config({"kb": {"folder": str(tmp_path / "kb"), "base_url": "https://help.example/"}})
    assert found is not None
    return found


@pytest.mark.parametrize(
    ("subject", "text", "best"),
    [
        ("Where is my order #123?", "My parcel has not arrived, tracking not updated.", "Where is my order?"),
        ("Refund status", "When will I see my refund? I returned the kettle.", "Refunds and returns"),
        ("", "hi! how do I descale the kettle? the manual isn't clear", "Descaling the kettle"),
        ("Package arrived damaged", "Two plates are broken, photos attached.", "Damaged or broken items"),
    ],
)
def test_kb_suggests_the_right_article_first(
    sqlite_store: Store, kb: KnowledgeBase, subject: str, text: str, best: str
) -> None:
    conv, _ = inbound(sqlite_store, subject=subject, text=text)
    suggestions = kb.suggest(desk(sqlite_store), conv)
    assert suggestions[0].title == best
    assert suggestions[0].excerpt


def test_kb_links_excerpts_and_refresh(kb: KnowledgeBase) -> None:
    [refunds] = [a for a in kb.search_text("refund bank") if a.title == "Refunds and returns"]
    assert refunds.link == "Refunds and returns: https://help.example/refunds"
    [kettle] = kb.search_text("descale")
    assert kettle.url == "https://help.example/care/descaling-the-kettle"
    assert kb.body(kettle).startswith("# Descaling the kettle")
    new = kb.folder / "care" / "teapot.md"
    new.write_text("# Teapot care\n\nNever descale a clay teapot.", encoding="utf-8")
    assert {a.title for a in kb.search_text("descale")} == {"Descaling the kettle", "Teapot care"}
    assert kb.search_text("") == [] and keywords("the and of") == []
    assert KnowledgeBase.from_config({}) is None
