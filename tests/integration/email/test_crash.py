"""SIGKILL in the middle of `agentdesk sync --once`, then sync again: every mail once.

The sync runs in a real subprocess (the CLI a shop runs), killed as soon as its first
batches are committed; a second one is killed a little later; a third finishes.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.integration.email.conftest import mail, write_config
from tests.integration.email.servers import PASSWORD, Dovecot

COUNT = 300
CLI = "from agentdesk.cli import main; main()"


def _count(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=10) as conn:
            return int(conn.execute("SELECT count(*) FROM message").fetchone()[0])
    except sqlite3.OperationalError:  # not created yet
        return 0


def _sync(db: Path, config: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "AGENTDESK_TEST_IMAP_PASSWORD": PASSWORD}
    with open(log, "ab") as out:
        return subprocess.Popen(
            [sys.executable, "-c", CLI, "--db", str(db), "--config", str(config), "sync", "--once"],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            env=env,
        )


def _kill_after(process: subprocess.Popen[bytes], db: Path, at_least: int) -> int:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if _count(db) >= at_least:
            break
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()
    return _count(db)


def test_sigkill_mid_sync_then_resync_stores_every_mail_once(
    dovecot: Dovecot, mailbox: str, tmp_path: Path
) -> None:
    dovecot.fill(
        mailbox, [mail(f"Mail {i}", message_id=f"<k{i}@customer.test>") for i in range(COUNT)]
    )
    config = write_config(tmp_path / "config.toml", dovecot, mailbox, batch_size=7)
    db = tmp_path / "store.db"
    log = tmp_path / "sync.log"
    first = _kill_after(_sync(db, config, log), db, 1)
    second = _kill_after(_sync(db, config, log), db, first + 30)
    last = _sync(db, config, log)
    assert last.wait(timeout=120) == 0, log.read_text()
    assert 0 < first < COUNT, "the first sync was not killed mid-way"
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT message_id_header, source FROM message").fetchall()
        state = conn.execute("SELECT last_uid FROM mailsyncstate").fetchall()
    assert len(rows) == COUNT, (first, second)
    assert len({r[0] for r in rows}) == COUNT
    assert len({r[1] for r in rows}) == COUNT
    assert state == [(COUNT,)]


def test_sigkill_during_a_pooled_sync_then_resync_stores_every_mail_once(
    dovecot: Dovecot, mailbox: str, tmp_path: Path
) -> None:
    """The same with the parsing worker processes at work (a sync of 1,000+ mails)."""
    from agentdesk.channels.bulkfetch import POOL_MIN_MAILS

    count = POOL_MIN_MAILS + 300
    dovecot.fill(
        mailbox, [mail(f"Mail {i}", message_id=f"<w{i}@customer.test>") for i in range(count)]
    )
    config = write_config(tmp_path / "config.toml", dovecot, mailbox, batch_size=100)
    db = tmp_path / "store.db"
    log = tmp_path / "sync.log"
    first = _kill_after(_sync(db, config, log), db, 1)
    last = _sync(db, config, log)
    assert last.wait(timeout=120) == 0, log.read_text()
    assert 0 < first < count, "the first sync was not killed mid-way"
    with sqlite3.connect(db) as conn:
        ids = [r[0] for r in conn.execute("SELECT message_id_header FROM message")]
        state = conn.execute("SELECT last_uid FROM mailsyncstate").fetchall()
        # A big sync indexes each batch for search beside it (fts_backlog): whatever the
        # kill left unindexed, the next sync indexed, each message exactly once.
        indexed = conn.execute("SELECT count(*) FROM message_fts_docsize").fetchone()
        found = conn.execute("SELECT count(*) FROM message_fts WHERE message_fts MATCH 'mail'").fetchone()
        backlog = conn.execute("SELECT count(*) FROM fts_backlog").fetchone()
        conn.execute("INSERT INTO message_fts(message_fts) VALUES ('integrity-check')")
    assert len(ids) == len(set(ids)) == count
    assert state == [(count,)]
    assert indexed == found == (count,) and backlog == (0,)
