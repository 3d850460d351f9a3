"""Every report measure on a small store whose expected values are worked out by hand.

The store is built through the same service calls the console uses (intake, compose,
set_status, assign), each at a pinned moment, and runs on SQLite and PostgreSQL. The
period is the 7 days up to NOW: [11-13 12:00, 11-20 12:00).

    id  channel  assignee  created      what happens                                  in?
    C1  email    ada       11-14 09:00  note +10m, reply +30m, close +2h, "5 - great"  yes
    C2  email    ada       11-15 10:00  reply +2h, close +3h; customer writes 11-16    yes
                                        13:00 (reopen), reply 14:00, close 15:00
    C3  chat     sam       11-16 08:00  reply +10m (late: chat target 5m), close      yes
                                        +20m, rating "4/5" at +30m
    C4  chat     -         11-17 10:00  sam replies +2m and +5m, close +10m,          yes
                                        rating "2, box was crushed"
    C5  email    -         11-18 09:00  unanswered, open (51 h: past its 24 h target)   yes
    C6  email    ada       11-19 18:00  unanswered, open (18 h: still within target)    yes
    C7  email    -         11-14 08:00  automatic mail, unanswered                      no
    C8  email    -         11-15 08:00  tagged spam, unanswered                         no
    C9  email    ada       11-10 09:00  reply +1h, close +2h (the previous period)      prev
    C10 email    -         10-01 09:00  unanswered, open (backlog > 4 weeks)            no

C1 and C2 carry the tag "late by carrier".
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from agentdesk import clock
from agentdesk.services import compose, conversations
from agentdesk.services.intake import add_inbound, find_or_create_customer, new_conversation
from agentdesk.services.reports import By, Period, build_report, conversation_ids
from agentdesk.store import Store
from agentdesk.store.models import Conversation, ConversationTag, CsatRating, Message, Status, Tag
from tests.seed import desk

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
H = 3600.0
M = 60.0


def at(text: str) -> datetime:
    """'11-14 09:00' in 2026, UTC."""
    return datetime.strptime(f"2026-{text}", "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


class Shop:
    """Writes the fixture through the real service calls, each at its own moment."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.ada = desk(store, "ada", "Ada")
        self.sam = desk(store, "sam", "Sam")

    def customer_writes(self, when: datetime, text: str, channel: str = "email",
                        conversation_id: int | None = None, address: str = "") -> int:
        clock.freeze(when)
        with self.store.session() as session:
            point = address or f"c{when:%m%d%H%M}@example.test"
            customer = find_or_create_customer(session, channel, point, "Customer")
            if conversation_id is None:
                conv = new_conversation(session, customer, channel, "Order question", when)
            else:
                found = session.get(Conversation, conversation_id)
                assert found is not None
                conv = found
            add_inbound(session, conv, Message(conversation_id=0, direction="in",
                                               author="Customer", author_address=point,
                                               sent_at=when, text=text))
            assert conv.id is not None
            return conv.id

    def reply(self, who: str, conversation_id: int, when: datetime, note: bool = False) -> None:
        clock.freeze(when)
        kind = compose.Kind.NOTE if note else compose.Kind.REPLY
        compose.queue(getattr(self, who), conversation_id, "Thanks, on it.", kind)

    def close(self, conversation_id: int, when: datetime) -> None:
        clock.freeze(when)
        conversations.set_status(self.ada, conversation_id, Status.CLOSED)

    def assign(self, who: str, conversation_id: int) -> None:
        conversations.assign_to_me(getattr(self, who), conversation_id)

    def tag(self, conversation_id: int, name: str) -> None:
        with self.store.session() as session:
            tag = session.exec(select(Tag).where(Tag.name == name)).first()
            if tag is None:
                tag = Tag(name=name)
                session.add(tag)
                session.flush()
            assert tag.id is not None
            session.add(ConversationTag(conversation_id=conversation_id, tag_id=tag.id))

    def mark_automatic(self, conversation_id: int) -> None:
        with self.store.session() as session:
            conv = session.get(Conversation, conversation_id)
            assert conv is not None
            conv.automatic = True


@pytest.fixture
def shop(store: Store) -> Iterator[dict[str, int]]:
    """The store of the module docstring; yields the conversation ids by name."""
    s = Shop(store)
    ids: dict[str, int] = {}
    ids["C1"] = c1 = s.customer_writes(at("11-14 09:00"), "Where is my parcel?")
    s.assign("ada", c1)
    s.reply("ada", c1, at("11-14 09:10"), note=True)  # a note never stops the clock
    s.reply("ada", c1, at("11-14 09:30"))
    s.close(c1, at("11-14 11:00"))
    s.customer_writes(at("11-14 12:00"), "5 - great\n\nOn Fri, Ada wrote:\n> Thanks, on it.",
                      conversation_id=c1)

    ids["C2"] = c2 = s.customer_writes(at("11-15 10:00"), "Still waiting for order 2")
    s.assign("ada", c2)
    s.reply("ada", c2, at("11-15 12:00"))
    s.close(c2, at("11-15 13:00"))
    s.customer_writes(at("11-16 13:00"), "It is still not here.", conversation_id=c2)
    s.reply("ada", c2, at("11-16 14:00"))
    s.close(c2, at("11-16 15:00"))

    ids["C3"] = c3 = s.customer_writes(at("11-16 08:00"), "hi, is the shop open?", "chat")
    s.assign("sam", c3)
    s.reply("sam", c3, at("11-16 08:10"))
    s.close(c3, at("11-16 08:20"))
    s.customer_writes(at("11-16 08:30"), "4/5", "chat", c3, address="c11160800@example.test")

    ids["C4"] = c4 = s.customer_writes(at("11-17 10:00"), "can I change my address", "chat")
    s.reply("sam", c4, at("11-17 10:02"))
    s.reply("sam", c4, at("11-17 10:05"))
    s.close(c4, at("11-17 10:10"))
    s.customer_writes(at("11-17 10:20"), "2, box was crushed", "chat", c4,
                      address="c11171000@example.test")

    ids["C5"] = s.customer_writes(at("11-18 09:00"), "Hello? Anyone?")
    ids["C6"] = c6 = s.customer_writes(at("11-19 18:00"), "A question about tea")
    s.assign("ada", c6)
    ids["C7"] = c7 = s.customer_writes(at("11-14 08:00"), "Out of office until Monday")
    s.mark_automatic(c7)
    ids["C8"] = c8 = s.customer_writes(at("11-15 08:00"), "Cheap watches!!!")
    s.tag(c8, "spam")
    for name in ("C1", "C2"):
        s.tag(ids[name], "late by carrier")

    ids["C9"] = c9 = s.customer_writes(at("11-10 09:00"), "Refund please")
    s.assign("ada", c9)
    s.reply("ada", c9, at("11-10 10:00"))
    s.close(c9, at("11-10 11:00"))
    ids["C10"] = s.customer_writes(at("10-01 09:00"), "An old question")

    clock.freeze(NOW)
    yield ids
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
