"""The demo store on SQLite and on PostgreSQL: every service the console and CLI use
gives the same answers on both (same data, same order), so a team can move its store.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from agentdesk.clock import utcnow
from agentdesk.demo import write_demo
from agentdesk.services import compose, conversations, inbox, tags, workflow
from agentdesk.services.views import View
from agentdesk.store import Store
from tests.seed import desk

SIZE = 120


@pytest.fixture(scope="module")
def both(pg_server, tmp_path_factory) -> dict[str, Store]:  # type: ignore[no-untyped-def]
    """The same demo store written to a SQLite file and to a PostgreSQL database."""
    from agentdesk import clock
    from tests.pg import TEMPLATE

    clock.freeze(utcnow().replace(microsecond=0))
    try:
        stores = {
            "sqlite": Store.open(tmp_path_factory.mktemp("parity") / "demo.db"),
            "postgresql": Store.open(pg_server.create_database(TEMPLATE)),
        }
        for store in stores.values():
            write_demo(store, SIZE, agent_login="demo")
        yield stores
    finally:
        clock.freeze(None)
        for store in stores.values():
            store.dispose()


def _ids(store: Store, view: View) -> list[int]:
    d = desk(store, "demo")
    ids, cursor = [], None
    while True:
        page = inbox.page(d, view, cursor, limit=17)
        ids += [r.id for r in page.rows]
        if page.next is None:
            return ids
        cursor = page.next


@pytest.mark.parametrize("view", list(View))
def test_every_view_pages_alike(both: dict[str, Store], view: View) -> None:
    sqlite, pg = (_ids(both[k], view) for k in ("sqlite", "postgresql"))
    assert sqlite == pg
    assert inbox.count(desk(both["sqlite"], "demo"), view) == inbox.count(desk(both["postgresql"], "demo"), view)


@pytest.mark.parametrize("query", ["refund", "kettle", "status:closed", "from:gmail", "is:unassigned refund"])
def test_search_finds_the_same(both: dict[str, Store], query: str) -> None:
    from agentdesk.services import search

    found = {k: {r.id for r in search.search(desk(s, "demo"), query).rows} for k, s in both.items()}
    assert found["sqlite"] == found["postgresql"]


def test_reports_agree(both: dict[str, Store]) -> None:
    from agentdesk.services.reports import Period, build_report

    import dataclasses

    reports = {
        k: dataclasses.replace(build_report(desk(s, "demo"), Period.last(30)), elapsed_ms=0)
        for k, s in both.items()
    }
    assert reports["sqlite"] == reports["postgresql"]


def test_open_detail_and_actions_agree(both: dict[str, Store]) -> None:
    for store in both.values():
        d = desk(store, "demo")
        first = inbox.page(d, View.OPEN, limit=1).rows[0].id
        tags.add_tag(d, first, "late by carrier")
        workflow.set_priority(d, first, "urgent")
        compose.queue(d, first, "note for @demo", compose.Kind.NOTE)
        conversations.assign_to_me(d, first)
    details = {k: conversations.open_detail(desk(s, "demo"), inbox.page(desk(s, "demo"), View.MINE, limit=1).rows[0].id)
               for k, s in both.items()}
    assert details["sqlite"].row.id == details["postgresql"].row.id
    assert [m.text for m in details["sqlite"].messages] == [m.text for m in details["postgresql"].messages]
    assert tags.list_tags(desk(both["sqlite"], "demo")) == tags.list_tags(desk(both["postgresql"], "demo"))
    assert len(workflow.my_mentions(desk(both["postgresql"], "demo"))) == len(
        workflow.my_mentions(desk(both["sqlite"], "demo"))
    )


def test_snooze_and_wake_on_both(both: dict[str, Store]) -> None:
    from agentdesk import clock
    from agentdesk.services import snooze

    woke = {}
    for key, store in both.items():
        d = desk(store, "demo")
        target = inbox.page(d, View.OPEN, limit=3).rows[-1].id
        snooze.snooze(d, target, utcnow() + timedelta(hours=1))
        clock.freeze(utcnow() + timedelta(hours=2))
        try:
            woke[key] = snooze.wake(d)
        finally:
            clock.freeze(utcnow() - timedelta(hours=2))
    assert woke["sqlite"] == woke["postgresql"] and woke["sqlite"]
