"""Chat in the pollers people run: `agentdesk poll` (killed and restarted), `sync --once`,
and `run_poller` in a thread as the TUI runs it, against a real Synapse."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlmodel import col, select

from agentdesk.channels.chat import runner
from agentdesk.channels.poller import PollerOptions, run_poller
from agentdesk.config import load_settings
from agentdesk.services import Desk, compose
from agentdesk.store import Store
from agentdesk.store.models import Conversation, Message, OutboxItem, OutboxStatus
from tests.integration.chat.homeserver import Customer, Homeserver

TOKEN_ENV = "AGENTDESK_TEST_POLLER_TOKEN"
CLI = [sys.executable, "-c", "from agentdesk.cli import main; main()"]


def write_config(tmp_path: Path, server: Homeserver, support: Customer) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(
        f"""
[agent]
login = "ann"
name = "Ann"

[[chat]]
name = "shop-matrix"
type = "matrix"
homeserver = "{server.url}"
user = "{support.user_id}"
password_env = "{TOKEN_ENV}"
"""
    )
    return config


def bodies(db: Path) -> list[str]:
    store = Store.open(db)
    try:
        with store.session() as session:
            return list(
                session.exec(select(Message.text).where(Message.direction == "in").order_by(col(Message.id)))
            )
    finally:
        store.dispose()


def wait_for(predicate: object, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_killing_the_poller_and_restarting_ingests_every_message_exactly_once(
    synapse: Homeserver, support: Customer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write_config(tmp_path, synapse, support)
    db = tmp_path / "store.db"
    Store.open(db).dispose()
    env = {**os.environ, TOKEN_ENV: support.token, "AGENTDESK_CONFIG": str(config), "AGENTDESK_DB": str(db)}
    gina = synapse.register("gina", "Gina")
    room = gina.dm(support.user_id)
    sent = [f"message {n:03d}" for n in range(60)]
    for text in sent[:10]:
        gina.say(room, text)

    log = open(tmp_path / "poll.log", "wb")
    poller = subprocess.Popen([*CLI, "poll"], env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    def keep_writing() -> None:
        for text in sent[10:40]:
            gina.say(room, text)
            time.sleep(0.05)

    writer = threading.Thread(target=keep_writing)
    try:
        writer.start()
        wait_for(lambda: len(bodies(db)) >= 15)
        # Killed while the customer is still writing: no clean-up of any kind.
        poller.send_signal(signal.SIGKILL)
        poller.wait(timeout=10)
        writer.join()
    finally:
        if poller.poll() is None:
            poller.kill()
            poller.wait()
        log.close()
    for text in sent[40:]:
        gina.say(room, text)

    done = subprocess.run([*CLI, "sync", "--once"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "shop-matrix" in done.stderr
    counts = Counter(bodies(db))
    assert sorted(counts) == sent
    assert set(counts.values()) == {1}


def test_run_poller_ingests_and_sends_replies_as_the_tui_runs_it(
    synapse: Homeserver, support: Customer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TOKEN_ENV, support.token)
    monkeypatch.setattr(runner, "LONG_POLL", 0.5)
    settings = load_settings(write_config(tmp_path, synapse, support))
    store = Store.open(tmp_path / "store.db")
    desk = Desk(store, settings.agent)
    hugo = synapse.register("hugo", "Hugo")
    room = hugo.dm(support.user_id)
    hugo.say(room, "Is the blue one back in stock?")
    stop = threading.Event()
    reports: list[object] = []
    thread = threading.Thread(
        target=run_poller,
        args=(store, settings, stop),
        kwargs={"on_report": reports.append, "options": PollerOptions(send_interval=0.2)},
        daemon=True,
    )
    thread.start()
    try:
        def conversation_id() -> int | None:
            with store.session() as session:
                return session.exec(select(Conversation.id)).first()

        wait_for(lambda: conversation_id() is not None)
        compose.queue(desk, conversation_id() or 0, "Yes, since this morning!")

        def delivered() -> bool:
            return any(e["sender"] == support.user_id for e in hugo.messages(room))

        wait_for(delivered)
        with store.session() as session:
            assert session.exec(select(OutboxItem.status)).one() == OutboxStatus.SENT
        assert any(getattr(r, "new", 0) == 1 for r in reports)
    finally:
        stop.set()
        started = time.monotonic()
        thread.join(timeout=30)
        assert not thread.is_alive() and time.monotonic() - started < 10
        store.dispose()
