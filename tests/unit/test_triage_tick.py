"""The triage settings from config and the periodic tick (pinned clock, real SQLite file)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from agentdesk import clock
from agentdesk.config import ConfigError
from agentdesk.services import conversations, sla, snooze, triage
from agentdesk.services.sla import SlaPolicy
from agentdesk.services.triage import TriageSettings
from agentdesk.store import Store
from tests.seed import desk, inbound

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def test_settings_from_config(tmp_path: Path) -> None:
    raw = {
        "agent": {"timezone": "Europe/Istanbul"},
        "sla": {"chat": {"first_response": "10m"}},
        "searches": {"Refunds": "refund"},
        "kb": {"folder": str(tmp_path)},
        "workflow": {"follow_up": "5d"},
        "urgency": {"words": {"de": {"keywords": ["kaputt"]}}},
    }
    settings = TriageSettings.from_config(raw)
    assert settings.tz == ZoneInfo("Europe/Istanbul")
    assert settings.sla.target("chat") == timedelta(minutes=10)
    assert settings.searches[0].name == "Refunds" and settings.kb is not None
    assert settings.follow_up == timedelta(days=5)
    assert settings.words.find("ist kaputt")[0] == ["kaputt"]
    assert TriageSettings.from_config({"workflow": {"follow_up": "0"}}).follow_up is None
    with pytest.raises(ConfigError, match="agent.timezone"):
        TriageSettings.from_config({"agent": {"timezone": "Nowhere/Land"}})
    with pytest.raises(ConfigError, match="workflow.follow_up"):
        TriageSettings.from_config({"workflow": {"follow_up": "later"}})


def test_tick_wakes_rescores_and_warns_of_breaches(tmp_path: Path) -> None:
    clock.freeze(NOW)
    store = Store.open(tmp_path / "store.db")
    try:
        sla.configure(SlaPolicy.from_config({"sla": {"email": {"first_response": "1h"}, "warn_before": "15m"}}))
        soon, _ = inbound(store, "a@example.test", text="Refund please", at=NOW - timedelta(minutes=50))
        later, _ = inbound(store, "b@example.test", at=NOW - timedelta(minutes=5))
        theirs, _ = inbound(store, "c@example.test", at=NOW - timedelta(minutes=55))
        sleeper, _ = inbound(store, "d@example.test", at=NOW - timedelta(days=2))
        ada, bo = desk(store, "ada"), desk(store, "bo")
        conversations.assign_to_me(bo, theirs)  # someone else's: no warning for ada
        snooze.snooze(ada, sleeper, NOW + timedelta(minutes=30))
        first = triage.tick(ada)
        assert first.woken == [] and first.rescored == 4
        assert [a.id for a in first.approaching] == [soon]
        clock.freeze(NOW + timedelta(minutes=31))
        second = triage.tick(ada)
        assert second.woken == [sleeper] and later not in [a.id for a in second.approaching]
    finally:
        sla.configure(SlaPolicy())
        store.dispose()
        clock.freeze(None)


def test_upkeep_runs_at_most_once_a_minute(tmp_path: Path) -> None:
    clock.freeze(NOW)
    store = Store.open(tmp_path / "store.db")
    try:
        sleeper, _ = inbound(store, at=NOW - timedelta(hours=1))
        snooze.snooze(desk(store), sleeper, NOW + timedelta(minutes=1))
        upkeep = triage.Upkeep(store, every=3600)
        assert upkeep.maybe_run() is not None
        clock.freeze(NOW + timedelta(minutes=2))
        assert upkeep.maybe_run() is None  # not yet: once per `every`
        upkeep._next = 0.0
        result = upkeep.maybe_run()
        assert result is not None and result.woken == [sleeper]
    finally:
        store.dispose()
        clock.freeze(None)
