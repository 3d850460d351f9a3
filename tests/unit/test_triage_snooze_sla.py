"""Snooze input, wake-ups and follow-ups, and the SLA clock with business hours (pinned clock).

Store tests run on SQLite and on a real PostgreSQL (the `store` fixture)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from agentdesk import clock
from agentdesk.config import ConfigError
from agentdesk.services import compose, inbox, sla, snooze
from agentdesk.services.sla import BusinessHours, SlaPolicy, SlaState
from agentdesk.services.timeparse import TimeParseError, parse_duration, parse_when
from agentdesk.services.views import View
from agentdesk.store import Store
from agentdesk.store.models import Event, Status
from tests.seed import desk, inbound

IST = ZoneInfo("Europe/Istanbul")
# Thursday 26 November 2026, 18:00 in Istanbul.
THURSDAY = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)


@pytest.fixture
def frozen() -> Iterator[datetime]:
    clock.freeze(THURSDAY)
    yield THURSDAY
    clock.freeze(None)
    sla.configure(SlaPolicy())


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=IST)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2h", "2026-11-26 20:00"),
        ("90m", "2026-11-26 19:30"),
        ("1h30m", "2026-11-26 19:30"),
        ("3d", "2026-11-29 18:00"),
        ("1w", "2026-12-03 18:00"),
        ("tomorrow", "2026-11-27 09:00"),
        ("tomorrow 9:00", "2026-11-27 09:00"),
        ("tomorrow at 2pm", "2026-11-27 14:00"),
        ("mon", "2026-11-30 09:00"),
        ("monday 14:30", "2026-11-30 14:30"),
        ("next fri", "2026-11-27 09:00"),
        ("thu", "2026-12-03 09:00"),  # a weekday is never today
        ("next week", "2026-11-30 09:00"),
        ("tonight", "2026-11-26 19:00"),
        ("19:00", "2026-11-26 19:00"),
        ("17:30", "2026-11-27 17:30"),  # already past today: tomorrow
        ("2026-12-01", "2026-12-01 09:00"),
        ("2026-12-01 14:00", "2026-12-01 14:00"),
        ("24.12", "2026-12-24 09:00"),
        ("yarın 10:00", "2026-11-27 10:00"),
        ("cuma", "2026-11-27 09:00"),
        ("2 gün", "2026-11-28 18:00"),
    ],
)
def test_snooze_inputs(typed: str, expected: str) -> None:
    assert parse_when(typed, THURSDAY, IST) == local(expected)


@pytest.mark.parametrize("typed", ["", "9", "yesterday", "2020-01-01", "today", "25:00", "soon", "0m"])
def test_snooze_inputs_refused(typed: str) -> None:
    with pytest.raises(TimeParseError):
        parse_when(typed, THURSDAY, IST)


def test_durations() -> None:
    assert parse_duration("24h") == timedelta(hours=24)
    assert parse_duration("5m") == timedelta(minutes=5)
    assert parse_duration(15) == timedelta(minutes=15)
    with pytest.raises(TimeParseError):
        parse_duration("5 parsecs")


def test_snooze_hides_then_wake_brings_back(store: Store, frozen: datetime) -> None:
    conv_id, _ = inbound(store, at=frozen - timedelta(hours=1))
    ada = desk(store)
    until = snooze.snooze_text(ada, conv_id, "2h", IST)
    assert until == frozen + timedelta(hours=2)
    assert inbox.page(ada, View.OPEN).rows == []
    assert [r.id for r in inbox.page(ada, View.SNOOZED).rows] == [conv_id]
    assert inbox.page(ada, View.SNOOZED).rows[0].snoozed_until == until
    clock.freeze(frozen + timedelta(hours=2, minutes=1))
    # Expired but not yet woken: the open views already count it as open.
    assert [r.id for r in inbox.page(ada, View.OPEN).rows] == [conv_id]
    assert inbox.count(ada, View.UNASSIGNED) == 1
    assert snooze.wake(ada) == [conv_id]
    assert snooze.wake(ada) == []
    row = inbox.page(ada, View.OPEN).rows[0]
    assert row.status == Status.OPEN and row.snoozed_until is None
    with store.session() as session:
        actions = [e.action for e in session.exec(select(Event))]
    assert "snooze" in actions and "wake" in actions


def test_customer_reply_ends_a_snooze(store: Store, frozen: datetime) -> None:
    conv_id, _ = inbound(store, at=frozen - timedelta(hours=1))
    ada = desk(store)
    snooze.snooze_text(ada, conv_id, "3d")
    inbound(store, at=frozen, conversation_id=conv_id, text="any news?")
    assert [r.id for r in inbox.page(ada, View.OPEN).rows] == [conv_id]


def test_reply_then_pending_with_follow_up(store: Store, frozen: datetime) -> None:
    conv_id, _ = inbound(store, at=frozen - timedelta(hours=1))
    ada = desk(store)
    compose.queue(ada, conv_id, "Could you send a photo?", then_status=Status.PENDING,
                  follow_up=timedelta(days=3))
    assert [r.id for r in inbox.page(ada, View.PENDING).rows] == [conv_id]
    clock.freeze(frozen + timedelta(days=2))
    assert snooze.wake(ada) == []
    clock.freeze(frozen + timedelta(days=3, seconds=1))
    assert snooze.wake(ada) == [conv_id]
    assert [r.id for r in inbox.page(ada, View.OPEN).rows] == [conv_id]
    # Pending without follow-up stays pending.
    snooze.set_pending(ada, conv_id)
    clock.freeze(frozen + timedelta(days=30))
    assert snooze.wake(ada) == []


def test_business_hours_add_and_between() -> None:
    hours = BusinessHours(tz=IST, start=datetime.min.time().replace(hour=9),
                          end=datetime.min.time().replace(hour=17),
                          holidays=frozenset({local("2026-11-30 00:00").date()}))
    # Thursday 18:00 is after hours: the clock starts Friday 9:00.
    assert hours.add(THURSDAY, timedelta(hours=2)) == local("2026-11-27 11:00")
    # 10 business hours from Friday 16:00: 1 h Friday, weekend and Monday holiday skipped, 9 h... Tuesday.
    assert hours.add(local("2026-11-27 16:00"), timedelta(hours=10)) == local("2026-12-02 10:00")
    assert hours.between(local("2026-11-27 16:00"), local("2026-12-01 10:00")) == timedelta(hours=2)
    assert hours.between(local("2026-12-01 10:00"), local("2026-11-27 16:00")) == timedelta(0)


def test_policy_from_config_and_states() -> None:
    raw = {"sla": {
        "warn_before": "1h",
        "email": {"first_response": "8h", "next_response": "4h"},
        "chat": {"first_response": "10m"},
        "business_hours": {"timezone": "Europe/Istanbul", "days": ["mon", "tue", "wed", "thu", "fri"],
                           "start": "09:00", "end": "17:00", "channels": ["email"]},
    }}
    policy = SlaPolicy.from_config(raw)
    assert policy.target("email") == timedelta(hours=8)
    assert policy.target("email", first=False) == timedelta(hours=4)
    assert policy.target("chat", first=False) == timedelta(minutes=10)
    assert policy.warn_before == timedelta(hours=1)
    # Email waits for business hours; chat does not.
    assert policy.due("email", THURSDAY) == local("2026-11-27 17:00")
    assert policy.due("chat", THURSDAY) == THURSDAY + timedelta(minutes=10)
    due = THURSDAY + timedelta(minutes=10)
    assert policy.state("chat", due, THURSDAY) is SlaState.OK
    assert policy.state("chat", due, THURSDAY + timedelta(minutes=7)) is SlaState.OK  # 70% used
    assert policy.state("chat", due, THURSDAY + timedelta(minutes=7, seconds=30)) is SlaState.AMBER
    assert policy.state("chat", due, due) is SlaState.RED
    assert policy.state("chat", None, THURSDAY) is SlaState.NONE
    # Email counts business time: due Friday 17:00 is 8 business hours from Thursday evening,
    # so it turns amber only on Friday at 15:00 (2 of 8 hours left).
    friday_due = local("2026-11-27 17:00")
    assert policy.state("email", friday_due, THURSDAY) is SlaState.OK
    assert policy.state("email", friday_due, local("2026-11-27 15:00")) is SlaState.AMBER


def test_bad_sla_config_names_the_key() -> None:
    with pytest.raises(ConfigError, match="sla.email.first_response"):
        SlaPolicy.from_config({"sla": {"email": {"first_response": "soon"}}})
    with pytest.raises(ConfigError, match="timezone"):
        SlaPolicy.from_config({"sla": {"business_hours": {"timezone": "Mars/Base"}}})


def test_configured_policy_sets_due_times_and_breaching_view(store: Store, frozen: datetime) -> None:
    sla.configure(SlaPolicy.from_config({"sla": {"email": {"first_response": "1h"}, "warn_before": "30m"}}))
    soon, _ = inbound(store, "a@example.test", at=frozen - timedelta(minutes=50))
    later, _ = inbound(store, "b@example.test", at=frozen - timedelta(minutes=5))
    breached, _ = inbound(store, "c@example.test", at=frozen - timedelta(hours=2))
    ada = desk(store)
    rows = {r.id: r for r in inbox.page(ada, View.OPEN).rows}
    assert rows[soon].sla_due_at == frozen + timedelta(minutes=10)
    assert sla.state_of("email", rows[soon].sla_due_at) is SlaState.AMBER
    assert sla.state_of("email", rows[later].sla_due_at) is SlaState.OK
    assert sla.state_of("email", rows[breached].sla_due_at) is SlaState.RED
    assert [r.id for r in inbox.page(ada, View.BREACHING).rows] == [breached, soon]


def test_next_response_target_after_the_first_answer(store: Store, frozen: datetime) -> None:
    sla.configure(SlaPolicy.from_config({"sla": {"email": {"first_response": "8h", "next_response": "2h"}}}))
    conv_id, _ = inbound(store, at=frozen)
    ada = desk(store)
    assert inbox.page(ada, View.OPEN).rows[0].sla_due_at == frozen + timedelta(hours=8)
    compose.queue(ada, conv_id, "Looking into it")
    inbound(store, at=frozen + timedelta(hours=1), conversation_id=conv_id, text="thanks, and?")
    assert inbox.page(ada, View.OPEN).rows[0].sla_due_at == frozen + timedelta(hours=3)


def test_duration_label() -> None:
    from agentdesk.services.timeparse import duration_label

    assert [duration_label(parse_duration(t)) for t in ("3d", "30h", "45m", "1h30m")] == ["3d", "1d 6h", "45m", "1h 30m"]
