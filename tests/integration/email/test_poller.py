"""`run_poller` against a Dovecot of its own: new mail through IDLE, a Dovecot restart
mid-poll (the poller reconnects), the outbox sent by the running poller, and the lease."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlmodel import func, select

from agentdesk.channels import lease
from agentdesk.channels.poller import PollerOptions, run_poller
from agentdesk.config import load_settings
from agentdesk.store import Store
from agentdesk.store.models import Message
from tests.integration.email.conftest import mail, write_config
from tests.integration.email.servers import start_dovecot

FAST = PollerOptions(
    poll_interval=30, idle_timeout=0.2, send_interval=0.2, backoff_start=0.2, backoff_max=1
)


def _wait(check: Callable[[], bool], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def _count(store: Store) -> int:
    with store.session() as session:
        return int(session.exec(select(func.count()).select_from(Message)).one())


def test_poller_gets_mail_by_idle_and_survives_a_dovecot_restart(
    tmp_path: Path, store: Store
) -> None:
    server = start_dovecot(tmp_path / "own-dovecot")
    try:
        user = server.user()
        settings = load_settings(write_config(tmp_path / "config.toml", server, user))
        stop = threading.Event()
        reports = []
        steps: list[tuple[str, str, int, int]] = []
        thread = threading.Thread(
            target=run_poller,
            args=(store, settings, stop),
            kwargs={
                "options": FAST,
                "on_report": reports.append,
                "progress": lambda *a: steps.append(a),
            },
        )
        thread.start()
        try:
            _wait(lambda: len(reports) >= 1)  # connected and synced the empty folder
            server.append(user, mail("Before restart", message_id="<p1@customer.test>"))
            _wait(lambda: _count(store) == 1)
            server.stop()
            server.start()
            server.append(user, mail("After restart", message_id="<p2@customer.test>"))
            _wait(lambda: _count(store) == 2)
            assert any(r.error for r in reports), f"the restart was never noticed: {reports}"
            assert ("shop", "INBOX", 1, 1) in steps
        finally:
            stop.set()
            thread.join(timeout=30)
        assert not thread.is_alive()
    finally:
        server.remove()


def test_lease_one_holder_at_a_time_and_dead_holders_lose_it(store: Store) -> None:
    assert lease.acquire(store, "imap:a", "host:1:a") or True  # a foreign host's holder
    assert lease.acquire(store, "imap:shop", "me-1")
    assert not lease.acquire(store, "imap:shop", "me-2")
    assert lease.acquire(store, "imap:shop", "me-1")  # renewing
    lease.release(store, "imap:shop", "me-1")
    assert lease.acquire(store, "imap:shop", "me-2")
    assert lease.acquire(store, "imap:exp", "x", ttl=timedelta(seconds=-1))
    assert lease.acquire(store, "imap:exp", "y")  # expired: taken over
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    holder = lease.new_holder().split(":")[0] + f":{dead.pid}:deadbeef"
    assert lease.acquire(store, "imap:dead", holder)
    assert lease.acquire(store, "imap:dead", lease.new_holder())  # its process is gone


def _rows(db: Path) -> int:
    import sqlite3

    try:
        with sqlite3.connect(db, timeout=10) as conn:
            return int(conn.execute("SELECT count(*) FROM message").fetchone()[0])
    except sqlite3.OperationalError:  # not created (or not migrated) yet
        return 0


def test_poll_cli_runs_until_sigterm(tmp_path: Path, dovecot, mailbox: str) -> None:  # type: ignore[no-untyped-def]
    import os
    import signal

    from tests.integration.email.servers import PASSWORD

    config = write_config(tmp_path / "config.toml", dovecot, mailbox)
    db = tmp_path / "poll.db"
    env = {**os.environ, "AGENTDESK_TEST_IMAP_PASSWORD": PASSWORD}
    with open(tmp_path / "poll.log", "wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from agentdesk.cli import main; main()",
                "--db",
                str(db),
                "--config",
                str(config),
                "poll",
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            env=env,
        )
    try:
        dovecot.append(mailbox, mail("Via poll", message_id="<cli1@customer.test>"))
        _wait(lambda: _rows(db) == 1, timeout=30)
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=60)
    assert code == 0, (tmp_path / "poll.log").read_text()
