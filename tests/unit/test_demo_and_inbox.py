"""The demo store's content, and inbox keyset paging against a plain full sort."""

from __future__ import annotations

import ast
from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel import col, select

from agentdesk.demo import write_demo
from agentdesk.services import Desk, inbox
from agentdesk.services.search import search
from agentdesk.services.views import View
from agentdesk.store import Store
from agentdesk.store.models import ContactPoint, Conversation, Customer, Message
from tests.console_fixtures import DEMO_AGENT


def test_demo_covers_the_scenarios_a_shop_meets(demo_desk: Desk, pinned_clock: datetime) -> None:
    with demo_desk.store.session() as session:
        convs = session.exec(select(Conversation)).all()
        customers = session.exec(select(Customer)).all()
        points = session.exec(select(ContactPoint)).all()
        texts = " ".join(m.text.lower() for m in session.exec(select(Message)))
    assert len(convs) >= 60 and len(customers) >= 25
    channels_by_customer: dict[int, set[str]] = {}
    for conv in convs:
        channels_by_customer.setdefault(conv.customer_id, set()).add(conv.channel)
    assert any(c == {"email", "chat"} for c in channels_by_customer.values()), "customers on both channels"
    assert {p.channel for p in points} == {"email", "chat"}
    for words in ("chargeback", "hasn't arrived", "crushed", "refund", "how do i", "gorgeous"):
        assert words in texts, words
    statuses = {c.status for c in convs}
    assert {"open", "pending", "closed"} <= statuses
    soon = [c for c in convs if c.sla_due_at and pinned_clock < c.sla_due_at < pinned_clock + timedelta(hours=1)]
    assert len(soon) >= 2, "a few close to breaching their SLA"


def test_no_demo_chat_customer_asks_the_same_thing_twice(demo_desk: Desk) -> None:
    """Two identical rows from one customer look like a duplicate-import bug in the demo."""
    with demo_desk.store.session() as session:
        chats = session.exec(select(Conversation).where(Conversation.channel == "chat")).all()
    asked = [(c.customer_id, c.preview.split("order")[0]) for c in chats]
    assert len(chats) >= 10 and len(set(asked)) == len(asked)


def test_the_demo_store_finds_customers_by_address_as_a_synced_store_does(demo_desk: Desk) -> None:
    """The demo fills the search index in one go: with the same sender text (name and
    address) the triggers index for mail that arrives later."""
    with demo_desk.store.session() as session:
        first = session.exec(
            select(Message).where(Message.direction == "in", col(Message.author_address).contains("@"))
        ).first()
        assert first is not None
        user, domain = first.author_address.split("@")
    page = search(demo_desk, f"from:{user}")
    assert first.conversation_id in {row.id for row in page.rows}
    with demo_desk.store.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO message_fts(message_fts) VALUES ('integrity-check')")


def test_keyset_pages_match_a_full_sort(tmp_path: Path, pinned_clock: datetime) -> None:
    store = Store.open(tmp_path / "big.db")
    write_demo(store, 1500, agent_login=DEMO_AGENT.login)
    desk = Desk(store, DEMO_AGENT)
    for view in (View.OPEN, View.CLOSED, View.ALL, View.MINE):
        paged = []
        after = None
        while True:
            page = inbox.page(desk, view, after, limit=97)
            paged.extend(r.id for r in page.rows)
            if page.next is None:
                break
            after = page.next
        with store.session() as session:
            everything = session.exec(select(Conversation)).all()
        rows = [c for c in everything if _in_view(c, view)]
        rows.sort(key=lambda c: (c.sort_due, c.last_message_at, c.id), reverse=view is View.CLOSED)
        assert paged == [c.id for c in rows], view
        assert inbox.count(desk, view) == len(rows)
    store.dispose()


def test_every_console_view_pages_from_an_index_without_sorting(demo_desk: Desk) -> None:
    """SQLite walks an index in page order and stops at the page's end: no view sorts
    all its conversations for each page ("mine" and "all" did: 44 and 54 ms a page at
    100,000 conversations; migration 0014)."""
    from sqlalchemy import event

    plans: dict[View, str] = {}
    seen: list[tuple[str, object]] = []

    def keep(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if "ORDER BY conversation.sort_due" in statement and not statement.startswith("EXPLAIN"):
            seen.append((statement, parameters))

    engine = demo_desk.store.engine
    event.listen(engine, "before_cursor_execute", keep)
    try:
        for view in (View.OPEN, View.MINE, View.UNASSIGNED, View.PENDING, View.CLOSED, View.ALL):
            seen.clear()
            first = inbox.page(demo_desk, view, None, limit=5)
            inbox.page(demo_desk, view, first.next, limit=5)  # a next page too (the keyset bound)
            with engine.connect() as conn:
                plans[view] = "\n".join(
                    "\n".join(str(row[-1]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params))
                    for sql, params in list(seen)
                )
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    for view, plan in plans.items():
        assert plan and "TEMP B-TREE" not in plan, (view, plan)


def _in_view(conv: Conversation, view: View) -> bool:
    if view is View.OPEN:
        return conv.status == "open"
    if view is View.CLOSED:
        return conv.status == "closed"
    if view is View.MINE:
        return conv.assignee_id == 1 and conv.status != "closed"
    return True


def test_channels_and_services_never_import_textual() -> None:
    root = Path(__file__).resolve().parents[2] / "agentdesk"
    for package in ("store", "services", "channels", "templates"):
        for path in (root / package).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                    [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
                assert not any(n.split(".")[0] == "textual" for n in names), path
