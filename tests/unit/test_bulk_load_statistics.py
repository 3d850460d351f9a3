"""After a bulk load PostgreSQL plans searches from fresh statistics (Store.after_bulk_load).

Without them, a store just filled by the demo, an import or a first sync looks empty to
the planner until autovacuum gets round to it, and it plans every query (searches, inbox
pages) as for an empty table.
"""

from __future__ import annotations

import mailbox
from email.message import EmailMessage
from pathlib import Path

from agentdesk.channels.importer import import_mail
from agentdesk.channels.ingest import BULK_MAILS
from agentdesk.demo import write_demo
from agentdesk.store import Store


def _analyzed(store: Store, table: str) -> bool:
    with store.engine.connect() as conn:
        return conn.exec_driver_sql(
            "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = %s", (table,)
        ).scalar_one()


def test_a_new_demo_store_on_postgresql_is_analyzed(pg_url: str) -> None:
    store = Store.open(pg_url)
    try:
        write_demo(store, 600, agent_login="demo")
        assert _analyzed(store, "message") and _analyzed(store, "conversation")
    finally:
        store.dispose()


def test_an_import_of_thousands_of_mails_refreshes_the_statistics(pg_url: str, tmp_path: Path) -> None:
    box = mailbox.mbox(tmp_path / "old.mbox")
    for n in range(BULK_MAILS):
        mail = EmailMessage()
        mail["From"] = f"Customer {n % 40} <c{n % 40}@example.test>"
        mail["To"] = "help@shop.test"
        mail["Subject"] = f"Question {n}"
        mail["Message-ID"] = f"<q{n}@example.test>"
        mail.set_content(f"Where is my kettle, order {n}?")
        box.add(mail)
    box.close()
    store = Store.open(pg_url)
    try:
        assert not _analyzed(store, "message")
        report = import_mail(store, tmp_path / "old.mbox", "shop")
        assert report.new == BULK_MAILS
        assert _analyzed(store, "message") and _analyzed(store, "conversation")
    finally:
        store.dispose()


def test_statistics_that_cannot_be_refreshed_are_only_logged(pg_url: str, caplog, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The mail is committed before ANALYZE runs: a server gone meanwhile must not turn a
    finished sync into a failed one."""
    from sqlalchemy.exc import OperationalError

    store = Store.open(pg_url)

    def gone() -> None:
        raise OperationalError("ANALYZE", {}, Exception("server closed the connection"))

    monkeypatch.setattr(store.engine, "connect", gone)
    with caplog.at_level("WARNING"):
        store.after_bulk_load()
    assert "server closed the connection" in caplog.text
    monkeypatch.undo()
    store.dispose()
