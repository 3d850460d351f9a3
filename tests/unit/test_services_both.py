"""Service operations on SQLite and on a real PostgreSQL 15 (each test runs on both)."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlmodel import select

from agentdesk.channels.outbox import OutgoingReply, PermanentFailure, deliver
from agentdesk.clock import utcnow
from agentdesk.services import agents, compose, conversations, inbox
from agentdesk.services.views import View
from agentdesk.store import Store
from agentdesk.store.models import Event, OutboxItem, OutboxStatus, Status
from tests.seed import desk, inbound, many


def test_inbox_pages_by_keyset_in_urgency_order(store: Store) -> None:
    ids = many(store, 25)
    ada = desk(store)
    seen, cursor, pages = [], None, 0
    while True:
        page = inbox.page(ada, View.OPEN, cursor, limit=7)
        seen.extend(row.id for row in page.rows)
        pages += 1
        cursor = page.next
        if cursor is None:
            break
    assert seen == ids  # oldest SLA due first, every row once
    assert pages == 4
    assert inbox.count(ada, View.OPEN) == 25
    assert inbox.count(ada, View.UNASSIGNED) == 25


def test_closed_view_pages_newest_first(store: Store) -> None:
    ids = many(store, 6)
    ada = desk(store)
    for conv_id in ids:
        conversations.set_status(ada, conv_id, Status.CLOSED)
    first = inbox.page(ada, View.CLOSED, limit=4)
    rest = inbox.page(ada, View.CLOSED, first.next, limit=4)
    got = [r.id for r in first.rows + rest.rows]
    assert sorted(got) == sorted(ids) and len(set(got)) == 6 and rest.next is None


def test_assign_to_me_to_another_and_unassign(store: Store) -> None:
    conv_id, _ = inbound(store)
    ada, bo = desk(store, "ada"), desk(store, "bo")
    agents.add(store, "bo", "Bo Jensen")
    conversations.assign_to_me(ada, conv_id)
    assert [r.id for r in inbox.page(ada, View.MINE).rows] == [conv_id]
    assert inbox.page(ada, View.UNASSIGNED).rows == []
    conversations.assign_to(ada, conv_id, "bo")
    assert inbox.page(ada, View.MINE).rows == []
    assert [r.assignee for r in inbox.page(bo, View.MINE).rows] == ["bo"]
    with pytest.raises(agents.UnknownAgent):
        conversations.assign_to(ada, conv_id, "nobody")
    conversations.unassign(bo, conv_id)
    assert [r.id for r in inbox.page(ada, View.UNASSIGNED).rows] == [conv_id]
    with store.session() as session:
        actions = [(e.actor, e.action, e.detail) for e in session.exec(select(Event).order_by(Event.id))]
    assert actions == [("ada", "assign", "ada"), ("ada", "assign", "bo"), ("bo", "unassign", "")]


def test_close_reopen_and_customer_reopens(store: Store) -> None:
    conv_id, _ = inbound(store)
    ada = desk(store)
    conversations.set_status(ada, conv_id, Status.CLOSED)
    assert inbox.count(ada, View.CLOSED) == 1 and inbox.count(ada, View.OPEN) == 0
    conversations.set_status(ada, conv_id, Status.OPEN)
    assert inbox.count(ada, View.OPEN) == 1
    conversations.set_status(ada, conv_id, Status.CLOSED)
    inbound(store, text="Still nothing!", conversation_id=conv_id)
    detail = conversations.open_detail(ada, conv_id)
    assert detail.row.status == Status.OPEN and len(detail.messages) == 2


def test_queue_reply_and_note(store: Store) -> None:
    conv_id, _ = inbound(store)
    ada = desk(store)
    reply_id = compose.queue(ada, conv_id, "Hello, it ships today.")
    compose.queue(ada, conv_id, "checked the warehouse", compose.Kind.NOTE)
    detail = conversations.open_detail(ada, conv_id)
    assert [m.direction for m in detail.messages] == ["in", "out", "note"]
    assert detail.messages[1].id == reply_id and detail.messages[1].delivery == OutboxStatus.QUEUED
    assert detail.messages[1].subject == "Re: Where is my order?"
    with pytest.raises(compose.EmptyReply):
        compose.queue(ada, conv_id, "  \n ")


class CountingSender:
    """A channel that records every delivery (thread-safe)."""

    def __init__(self) -> None:
        self.sent: Counter[int] = Counter()
        self.lock = threading.Lock()

    def send(self, reply: OutgoingReply) -> None:
        with self.lock:
            self.sent[reply.outbox_id] += 1


def test_outbox_concurrent_claimers_send_each_reply_once(store: Store) -> None:
    ada = desk(store)
    outbox_ids = []
    for conv_id in many(store, 10):
        compose.queue(ada, conv_id, f"reply to {conv_id}")
    with store.session() as session:
        outbox_ids = [item.id for item in session.exec(select(OutboxItem))]
    sender = CountingSender()
    stores = [Store.open(store.url, migrate=False) for _ in range(4)]
    totals: list[int] = []
    barrier = threading.Barrier(len(stores))

    def run(s: Store) -> None:
        barrier.wait()
        totals.append(deliver(s, {"email": sender}))

    threads = [threading.Thread(target=run, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in stores:
        s.dispose()
    assert sum(totals) == 10
    assert sender.sent == Counter({i: 1 for i in outbox_ids})
    with store.session() as session:
        statuses = {item.status for item in session.exec(select(OutboxItem))}
    assert statuses == {OutboxStatus.SENT}


class Refusing:
    """A channel that refuses every reply for good (SMTP 550)."""

    def send(self, reply: OutgoingReply) -> None:
        raise PermanentFailure("refused by the SMTP server: a@b: 550 5.1.1 no such user")


def test_failed_delivery_stays_queued_with_the_error(store: Store) -> None:
    conv_id, _ = inbound(store)
    compose.queue(desk(store), conv_id, "hello")

    class Broken:
        def send(self, reply: OutgoingReply) -> None:
            raise ConnectionError("smtp down")

    assert deliver(store, {"email": Broken()}) == 0
    with store.session() as session:
        item = session.exec(select(OutboxItem)).one()
    assert item.status == OutboxStatus.QUEUED and item.last_error == "smtp down"


def test_each_reply_backs_off_on_its_own_then_fails_for_good(store: Store) -> None:
    """An outage of a few hours delays a reply, fails none; ~6 h of failures fail it."""
    from agentdesk import clock
    from agentdesk.channels.outbox import MAX_ATTEMPTS, retry_delay

    conv_id, _ = inbound(store)
    compose.queue(desk(store), conv_id, "hello")
    calls: list[int] = []

    class Down:
        def send(self, reply: OutgoingReply) -> None:
            calls.append(reply.outbox_id)
            raise ConnectionRefusedError("connection refused")

    start = utcnow()
    try:
        clock.freeze(start)
        deliver(store, {"email": Down()})
        assert deliver(store, {"email": Down()}) == 0 and len(calls) == 1  # not due yet
        waited = timedelta(0)
        for attempt in range(1, MAX_ATTEMPTS):
            waited += retry_delay(attempt)
            clock.freeze(start + waited)
            deliver(store, {"email": Down()})
            with store.session() as session:
                item = session.exec(select(OutboxItem)).one()
            assert item.attempts == attempt + 1
            expected = OutboxStatus.FAILED if attempt + 1 == MAX_ATTEMPTS else OutboxStatus.QUEUED
            assert item.status == expected
        assert [retry_delay(n) for n in (1, 2, 7, 11)] == [
            timedelta(minutes=1), timedelta(minutes=2), timedelta(hours=1), timedelta(hours=1)]
        assert timedelta(hours=5) < waited < timedelta(hours=7)
        # F: fresh attempts, at once.
        assert compose.send_again(desk(store), conv_id) == 1
        assert deliver(store, {"email": Down()}) == 0 and len(calls) == MAX_ATTEMPTS + 1
        assert compose.send_again(desk(store), conv_id) == 1  # retrying: F tries now
        with store.session() as session:
            item = session.exec(select(OutboxItem)).one()
        assert (item.status, item.attempts, item.next_attempt_at) == (OutboxStatus.QUEUED, 0, None)
    finally:
        clock.freeze(None)


def test_a_reply_failed_for_good_brings_its_closed_conversation_back(store: Store) -> None:
    """The customer never got our answer: closing after the reply does not end it."""
    conv_id, _ = inbound(store)
    compose.queue(desk(store), conv_id, "hello")
    conversations.set_status(desk(store), conv_id, Status.CLOSED)
    deliver(store, {"email": Refusing()})
    row = next(r for r in inbox.page(desk(store), View.OPEN).rows if r.id == conv_id)
    assert row.status == Status.OPEN and row.undelivered
    with store.session() as session:
        event = session.exec(select(Event).where(Event.actor == "outbox")).one()
    assert event.action == "status:open" and "not delivered" in (event.detail or "")


def test_a_permanent_refusal_fails_at_once(store: Store) -> None:
    conv_id, _ = inbound(store)
    compose.queue(desk(store), conv_id, "hello")
    deliver(store, {"email": Refusing()})
    with store.session() as session:
        item = session.exec(select(OutboxItem)).one()
    assert item.status == OutboxStatus.FAILED and item.attempts == 1
    assert "550 5.1.1 no such user" in (item.last_error or "")


def test_datetimes_come_back_aware_utc(store: Store) -> None:
    at = utcnow().replace(microsecond=0) - timedelta(hours=3)
    conv_id, _ = inbound(store, at=at)
    detail = conversations.open_detail(desk(store), conv_id)
    assert detail.messages[0].sent_at == at and detail.messages[0].sent_at.tzinfo is not None


def test_a_new_agent_created_by_many_workers_at_once_is_one_row(store: Store) -> None:
    from agentdesk.store.models import Agent

    stores = [Store.open(store.url, migrate=False) for _ in range(6)]
    barrier = threading.Barrier(len(stores))
    ids: list[int] = []
    errors: list[Exception] = []

    def run(s: Store) -> None:
        barrier.wait()
        try:
            with s.session() as session:
                ids.append(desk(s, "newbie").agent_id(session))
        except Exception as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=run, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in stores:
        s.dispose()
    assert errors == [] and len(set(ids)) == 1
    with store.session() as session:
        assert len(session.exec(select(Agent).where(Agent.login == "newbie")).all()) == 1
