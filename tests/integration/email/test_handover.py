"""Two poller processes on one store, the lease holder killed with SIGKILL: the other
takes the account over and the next mail still arrives, once. On SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from sqlmodel import select

from agentdesk.store import Store
from agentdesk.store.models import Message, PollerLease
from tests.integration.email.conftest import mail, write_config
from tests.integration.email.servers import PASSWORD, Dovecot

POLLER = """
import sys, threading
from agentdesk.channels.poller import PollerOptions, run_poller
from agentdesk.config import load_settings
from agentdesk.store import Store
store = Store.open(sys.argv[1], migrate=False)
run_poller(store, load_settings(sys.argv[2]), threading.Event(),
           options=PollerOptions(poll_interval=1.0, idle_timeout=0.5, send_interval=1.0))
"""


def _wait(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def _holder_pid(store: Store) -> int | None:
    with store.session() as session:
        lease = session.get(PollerLease, "imap:shop")
        return int(lease.holder.split(":")[1]) if lease is not None else None


def _subjects(store: Store) -> list[str]:
    with store.session() as session:
        return sorted(m.subject for m in session.exec(select(Message)).all())


def test_a_killed_pollers_account_is_taken_over(
    store_url: str, tmp_path: Path, dovecot: Dovecot, mailbox: str
) -> None:
    store = Store.open(store_url)
    config = write_config(tmp_path / "config.toml", dovecot, mailbox)
    env = {**os.environ, "AGENTDESK_TEST_IMAP_PASSWORD": PASSWORD}
    pollers = [
        subprocess.Popen([sys.executable, "-c", POLLER, store_url, str(config)],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=open(tmp_path / f"poller{i}.log", "wb"), env=env)
        for i in range(2)
    ]
    try:
        dovecot.append(mailbox, mail("Before", message_id="<h1@customer.test>"))
        _wait(lambda: _subjects(store) == ["Before"])
        first = _holder_pid(store)
        assert first in {p.pid for p in pollers}
        victim = next(p for p in pollers if p.pid == first)
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
        dovecot.append(mailbox, mail("After", message_id="<h2@customer.test>"))
        _wait(lambda: _subjects(store) == ["After", "Before"])
        survivor = next(p for p in pollers if p is not victim)
        assert _holder_pid(store) == survivor.pid
    finally:
        for p in pollers:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    p.kill()
        store.dispose()
