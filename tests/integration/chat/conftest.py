"""Fixtures for the chat tests: a real Synapse per worker, a Telegram protocol fake per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agentdesk.config import AgentSettings
from agentdesk.services import Desk
from agentdesk.store import Store
from tests.integration.chat import homeserver, telegram_fake


@pytest.fixture(scope="session")
def synapse() -> Iterator[homeserver.Homeserver]:
    """One Synapse homeserver for this worker (SQLite, loopback, stopped at the end)."""
    server = homeserver.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def support(synapse: homeserver.Homeserver) -> homeserver.Customer:
    """The shop's support account (a fresh one per test, so tests do not see each other)."""
    return synapse.register("support", "Shop Support")


@pytest.fixture
def telegram() -> Iterator[telegram_fake.FakeBotAPI]:
    api = telegram_fake.start()
    try:
        yield api
    finally:
        telegram_fake.stop(api)


@pytest.fixture
def chat_store(tmp_path: Path) -> Iterator[Store]:
    store = Store.open(tmp_path / "store.db")
    try:
        yield store
    finally:
        store.dispose()


@pytest.fixture
def desk(chat_store: Store) -> Desk:
    return Desk(chat_store, AgentSettings(login="ann", name="Ann"))
