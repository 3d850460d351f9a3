"""Fixtures for console tests: a pinned clock, a demo store on a real SQLite file, the app.

Registered from tests/conftest.py. The clock is pinned so ages and SLA times on
screen (and so snapshots) do not change from run to run; the user's own config is
kept out by pointing AGENTDESK_CONFIG at nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from agentdesk import clock
from agentdesk.app import AgentdeskApp, make_app
from agentdesk.config import AgentSettings, Settings
from agentdesk.demo import write_demo
from agentdesk.services import Desk
from agentdesk.store import Store

#: The moment every console test happens at.
PINNED_NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)

DEMO_AGENT = AgentSettings(login="demo", name="Demo Agent")


@pytest.fixture
def pinned_clock() -> Iterator[datetime]:
    clock.freeze(PINNED_NOW)
    yield PINNED_NOW
    clock.freeze(None)


@pytest.fixture
def no_user_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep the developer's own config and data dir out of the tests."""
    monkeypatch.delenv("AGENTDESK_CONFIG", raising=False)
    monkeypatch.delenv("AGENTDESK_DB", raising=False)
    monkeypatch.delenv("AGENTDESK_DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    # A shared server's /etc/agentdesk/config.toml must not reach the tests either.
    monkeypatch.setenv("AGENTDESK_SYSTEM_CONFIG", str(tmp_path / "no-system-config.toml"))


@pytest.fixture
def demo_path(tmp_path: Path, pinned_clock: datetime) -> Path:
    """A demo store file written at the pinned time."""
    path = tmp_path / "demo.db"
    store = Store.open(path)
    write_demo(store, agent_login=DEMO_AGENT.login)
    store.dispose()
    return path


@pytest.fixture
def demo_desk(demo_path: Path) -> Iterator[Desk]:
    store = Store.open(demo_path)
    yield Desk(store, DEMO_AGENT)
    store.dispose()


@pytest.fixture
def console(demo_desk: Desk, no_user_config: None) -> AgentdeskApp:
    """The console app on the demo store, as `agentdesk --db` builds it."""
    # No undo window, so a test sees Ctrl+S queue at once (tests/tui/test_composer_templates.py
    # covers the window itself).
    return make_app(demo_desk, Settings(agent=DEMO_AGENT, raw={"composer": {"undo_seconds": 0}}))
