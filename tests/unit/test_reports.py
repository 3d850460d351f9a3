"""Every report measure on the small store of tests/report_fixture.py (values by hand).

The expected numbers below are worked out from the table in that module's docstring.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import select

from agentdesk import clock
from agentdesk.services import conversations, snooze
from agentdesk.services.reports import By, Period, build_report, conversation_ids
from agentdesk.store import Store
from agentdesk.store.models import Conversation, CsatRating, Status
from tests.report_fixture import NOW, H, M, Shop, at, build_shop
from tests.seed import desk


@pytest.fixture
def shop(store: Store) -> Iterator[dict[str, int]]:
    yield build_shop(store)
    clock.freeze(None)


def test_ratings_were_recorded_without_reopening(store: Store, shop: dict[str, int]) -> None:
    with store.session() as session:
        ratings = {r.conversation_id: (r.rating, r.comment) for r in session.exec(select(CsatRating))}
        statuses = {c.id: c.status for c in session.exec(select(Conversation))}
    assert ratings == {shop["C1"]: (5, "great"), shop["C3"]: (4, ""),
                       shop["C4"]: (2, "box was crushed")}
    assert statuses[shop["C1"]] == statuses[shop["C3"]] == statuses[shop["C4"]] == Status.CLOSED


def test_headline_numbers(store: Store, shop: dict[str, int]) -> None:
    report = build_report(desk(store), Period.last(7, NOW))
    h = report.headline
    assert h.conversations == 6  # C1-C6: automatic C7 and spam C8 left out
    # First responses: C4 2m, C3 10m, C1 30m (not the note at 10m), C2 2h.
    assert (h.first_response.count, h.first_response.mean) == (4, (120 + 600 + 1800 + 7200) / 4)
    assert h.first_response.median == (600 + 1800) / 2
    assert h.first_response.p90 == h.first_response.max == 7200
    # Breaches: C3 (10m on chat > 5m) and C5 (unanswered for 51h > 24h); C6 is not yet due.
    assert h.sla_breaches == 2
    assert h.within_target == pytest.approx(3 / 5)
    # Resolution (time not closed): C4 10m, C3 20m, C1 2h, C2 3h + 2h after its reopen.
    assert h.resolution.count == 4
    assert h.resolution.median == (20 * M + 2 * H) / 2
    assert h.resolution.mean == (10 * M + 20 * M + 2 * H + 5 * H) / 4
    assert h.resolution.p90 == 5 * H
    assert h.reopen_rate == pytest.approx(1 / 4)  # C2 of the four closed
    # FCR: C1 and C3 (one reply, no reopen); C2 reopened, C4 took two replies.
    assert h.fcr_rate == pytest.approx(2 / 4)
    assert (h.ratings, h.csat) == (3, pytest.approx(2 / 3))


def test_longest_wait_backlog_and_low_ratings(store: Store, shop: dict[str, int]) -> None:
    report = build_report(desk(store), Period.last(7, NOW))
    wait = report.longest_wait
    assert wait is not None
    # C5 has waited 51h and counts, though unanswered; automatic C7 (148h) does not.
    assert (wait.conversation_id, wait.seconds, wait.waiting) == (shop["C5"], 51 * H, True)
    # Open now: C6 18h, C5 51h, C10 50 days; C7 (automatic) and C8 (spam) left out.
    assert [(b.label, b.count) for b in report.backlog] == [
        ("< 1 day", 1), ("1-3 days", 1), ("3-7 days", 0), ("1-4 weeks", 0), ("> 4 weeks", 1)]
    assert report.low_ratings_total == 1
    low = report.low_ratings[0]
    assert (low.conversation_id, low.rating, low.comment, low.agent) == (
        shop["C4"], 2, "box was crushed", "(unassigned)")


def test_previous_period_for_the_change_figures(store: Store, shop: dict[str, int]) -> None:
    before = build_report(desk(store), Period.last(7, NOW)).previous
    assert before.conversations == 1  # C9 only
    assert before.first_response.median == H and before.resolution.median == 2 * H
    assert (before.fcr_rate, before.reopen_rate, before.within_target) == (1.0, 0.0, 1.0)
    assert (before.ratings, before.csat) == (0, None)


def test_breakdowns(store: Store, shop: dict[str, int]) -> None:
    report = build_report(desk(store), Period.last(7, NOW))
    channel = {r.key: r for r in report.by_channel}
    assert list(channel) == ["email", "chat"]  # busiest first
    email, chat = channel["email"], channel["chat"]
    assert (email.conversations, email.first_response_median, email.sla_breaches) == (4, 4500, 1)
    assert email.within_target == pytest.approx(2 / 3)
    assert (email.resolution_median, email.replies, email.ratings, email.csat) == (
        (2 * H + 5 * H) / 2, 3, 1, 1.0)
    assert (chat.conversations, chat.first_response_median, chat.sla_breaches) == (2, 360, 1)
    assert (chat.resolution_median, chat.replies, chat.ratings, chat.csat) == (900, 3, 2, 0.5)

    agent = {r.key: r for r in report.by_agent}
    assert [(r.key, r.label) for r in report.by_agent] == [
        ("ada", "Ada"), ("", "(unassigned)"), ("sam", "Sam")]
    # Conversations and times follow the assignee; replies follow who wrote them.
    assert (agent["ada"].conversations, agent["ada"].first_response_median) == (3, 4500)
    assert (agent["ada"].replies, agent["ada"].sla_breaches, agent["ada"].csat) == (3, 0, 1.0)
    assert (agent["sam"].conversations, agent["sam"].first_response_median) == (1, 600)
    assert (agent["sam"].replies, agent["sam"].sla_breaches, agent["sam"].csat) == (3, 1, 1.0)
    assert (agent[""].conversations, agent[""].replies, agent[""].sla_breaches) == (2, 0, 1)
    assert (agent[""].ratings, agent[""].csat) == (1, 0.0)

    tag = {r.key: r for r in report.by_tag}
    assert list(tag) == ["late by carrier"]  # "spam" is only on the excluded C8
    carrier = tag["late by carrier"]
    assert (carrier.conversations, carrier.reopen_rate, carrier.fcr_rate) == (2, 0.5, 0.5)
    assert (carrier.first_response_median, carrier.ratings) == (4500, 1)

    day = {r.key: r.conversations for r in report.by_day}
    assert list(day) == [f"2026-11-{d}" for d in range(13, 21)]  # every day, even empty ones
    assert list(day.values()) == [0, 1, 1, 1, 1, 1, 1, 0]
    assert {r.key: r.ratings for r in report.by_day if r.ratings} == {
        "2026-11-14": 1, "2026-11-16": 1, "2026-11-17": 1}


def test_conversations_behind_a_row(store: Store, shop: dict[str, int]) -> None:
    ada, period = desk(store), Period.last(7, NOW)
    assert conversation_ids(ada, period, By.TAG, "late by carrier") == [shop["C2"], shop["C1"]]
    assert conversation_ids(ada, period, By.AGENT, "") == [shop["C5"], shop["C4"]]
    assert conversation_ids(ada, period, By.AGENT, "sam") == [shop["C3"]]
    assert conversation_ids(ada, period, By.CHANNEL, "chat") == [shop["C4"], shop["C3"]]
    assert conversation_ids(ada, period, By.DAY, "2026-11-15") == [shop["C2"]]


def test_an_empty_period(store: Store) -> None:
    report = build_report(desk(store), Period.last(30, NOW))
    assert report.headline.conversations == 0 and report.headline.first_response.median is None
    assert report.longest_wait is None and report.by_channel == [] and len(report.by_day) == 31


def test_a_snooze_after_a_close_is_a_reopen(store: Store) -> None:
    s = Shop(store)
    cid = s.customer_writes(at("11-18 09:00"), "Where is it?")
    s.reply("ada", cid, at("11-18 10:00"))
    s.close(cid, at("11-18 11:00"))
    clock.freeze(at("11-18 15:00"))  # closed for 4h, then snoozed: it is live again
    snooze.snooze(s.ada, cid, at("11-19 09:00"))
    clock.freeze(at("11-19 10:00"))
    conversations.set_status(s.ada, cid, Status.CLOSED)
    clock.freeze(NOW)
    h = build_report(desk(store), Period.last(7, NOW)).headline
    assert (h.reopen_rate, h.fcr_rate) == (1.0, 0.0)
    # Open 9:00-11:00, closed 11:00-15:00 (not counted), live 15:00 to 10:00 next day.
    assert h.resolution.median == 2 * H + 19 * H
    clock.freeze(None)


def test_within_sla_uses_the_configured_targets_and_business_hours(store: Store) -> None:
    """The report holds each first answer to the due time the inbox showed for it: the
    [sla] targets and business hours in force when the conversation arrived."""
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from agentdesk.services import sla

    before = sla.policy()
    sla.configure(sla.SlaPolicy(first={"email": timedelta(hours=1)},
                                hours=sla.BusinessHours(tz=ZoneInfo("UTC"))))  # Mon-Fri 9-17
    try:
        s = Shop(store)
        # 11-13 is a Friday. A: 30 min before closing, answered 20 min after Monday's
        # opening: 50 business minutes (2 days 17 h by the calendar): within.
        a = s.customer_writes(at("11-13 16:30"), "Is it shipped?")
        s.reply("ada", a, at("11-16 09:20"))
        # B: answered after 90 business minutes: late for 1 h (the 24 h default would pass it).
        b = s.customer_writes(at("11-16 10:00"), "Where is it?")
        s.reply("ada", b, at("11-16 11:30"))
        # C: unanswered since Wednesday morning: late already.
        s.customer_writes(at("11-18 10:00"), "Hello?")
        # D: stored before due times were (no first_due_at): 1 h by the calendar, answered in 30 min.
        d = s.customer_writes(at("11-17 10:00"), "A question")
        s.reply("ada", d, at("11-17 10:30"))
        with store.session() as session:
            conv = session.get(Conversation, d)
            assert conv is not None and conv.first_due_at is not None
            conv.first_due_at = None
        clock.freeze(NOW)
        h = build_report(desk(store), Period.last(7, NOW)).headline
        assert h.sla_breaches == 2  # B and C
        assert h.within_target == pytest.approx(2 / 4)  # A and D
    finally:
        sla.configure(before)
        clock.freeze(None)
