"""The console's first frame: its sqlite3 page must be exactly `inbox.page`'s, and cheap.

`services.first_page` reads the first page of "All open" with the standard library
so that the console paints before SQLAlchemy is imported (agentdesk/screens/start.py).
These tests hold it to the one definition, `inbox.page(desk, View.OPEN)`, and check it
steps aside whenever it cannot be sure (a migration due, not SQLite, no file).
"""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel import select

from agentdesk import clock
from agentdesk.cli import console_options
from agentdesk.config import AgentSettings
from agentdesk.demo import write_demo
from agentdesk.services import Desk, first_page, inbox, snooze, tags
from agentdesk.services.views import View
from agentdesk.store import Store
from agentdesk.store.engine import make_engine
from agentdesk.store.models import Message, OutboxItem, OutboxStatus, Status

ROOT = Path(__file__).resolve().parents[2]


def _same_as_inbox(path: Path, desk: Desk) -> None:
    found = first_page.read(str(path))
    assert found is not None
    page, total = found
    assert page == inbox.page(desk, View.OPEN)
    assert total == inbox.count(desk, View.OPEN)


def test_first_page_equals_the_inbox_page(demo_path: Path, demo_desk: Desk) -> None:
    _same_as_inbox(demo_path, demo_desk)
    page, _ = first_page.read(str(demo_path)) or (None, None)
    assert page is not None and page.rows
    assert any(len(row.customer.addresses) > 1 for row in page.rows), "the demo has customers on two channels"


def test_first_page_follows_tags_expired_snoozes_and_paging(tmp_path: Path, pinned_clock: datetime) -> None:
    path = tmp_path / "big.db"
    store = Store.open(path)
    write_demo(store, 450, agent_login="demo")  # more than one page of open conversations
    desk = Desk(store, AgentSettings("demo", "Demo"))
    ids = [row.id for row in inbox.page(desk, View.OPEN).rows[:3]]  # on the first page
    tags.add_tag(desk, ids[:2], "late by carrier")
    tags.add_tag(desk, ids[:1], "refund")
    with store.session() as session:  # a reply of ours the server refused for good
        message_id = session.exec(select(Message.id).where(Message.conversation_id == ids[1])).first()
        session.add(OutboxItem(conversation_id=ids[1], message_id=message_id, channel="email",
                               status=OutboxStatus.FAILED, last_error="550 no such mailbox",
                               created_at=pinned_clock))
    # A snooze that has run out but not been woken yet counts as open in both readers.
    snooze.snooze(desk, ids[2], pinned_clock + timedelta(minutes=5))
    clock.freeze(pinned_clock + timedelta(hours=1))
    found = first_page.read(str(path))
    assert found is not None and found[0].next is not None
    assert any(row.tags == ("late by carrier", "refund") for row in found[0].rows)
    assert ids[1] in [row.id for row in found[0].rows if row.undelivered]
    assert any(row.id == ids[2] and row.status == Status.SNOOZED for row in found[0].rows)
    _same_as_inbox(path, desk)
    store.dispose()


def test_first_page_steps_aside_when_unsure(tmp_path: Path, demo_path: Path) -> None:
    assert first_page.read(str(tmp_path / "missing.db")) is None
    assert first_page.read("postgresql://nobody@127.0.0.1:1/none") is None
    # A store that has not had every migration: Store.open must run them first.
    engine = make_engine(f"sqlite:///{demo_path}")
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM alembic_version WHERE version_num = (SELECT max(version_num) FROM alembic_version)")
    engine.dispose()
    assert first_page.read(str(demo_path)) is None
    (tmp_path / "junk.db").write_bytes(b"not a database at all" * 100)
    assert first_page.read(str(tmp_path / "junk.db")) is None


def test_console_start_imports_no_store_layer() -> None:
    """What the first frame needs loads without SQLAlchemy, SQLModel or pydantic."""
    code = (
        "import sys, agentdesk.cli, agentdesk.app, agentdesk.services.first_page;"
        "print(sorted(m for m in ('sqlalchemy', 'sqlmodel', 'pydantic', 'jinja2') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


def test_console_command_line_read_without_typer(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("AGENTDESK_DB", "/from/env.db")
    monkeypatch.delenv("AGENTDESK_CONFIG", raising=False)
    assert console_options([]) == console_options([]) and console_options([]).db == "/from/env.db"  # type: ignore[union-attr]
    state = console_options(["--db", "a.db", "--config=c.toml"])
    assert state is not None and (state.db, state.config) == ("a.db", "c.toml")
    for typer_does_it in (["list"], ["--help"], ["--db"], ["--db", "a.db", "show", "1"], ["--verbose"]):
        assert console_options(typer_does_it) is None, typer_does_it
