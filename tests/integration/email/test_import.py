"""`agentdesk import` of an mbox and a maildir, run as the CLI; a second import adds nothing."""

from __future__ import annotations

import mailbox
import subprocess
import sys
from pathlib import Path

from sqlmodel import func, select

from agentdesk.store import Store
from agentdesk.store.models import Conversation, Message
from tests.integration.email.conftest import mail

CLI = "from agentdesk.cli import main; main()"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", CLI, *args], capture_output=True, text=True, check=False
    )


def test_import_mbox_and_maildir_threaded_and_once(tmp_path: Path) -> None:
    box = mailbox.mbox(str(tmp_path / "old.mbox"))
    box.add(mail("Order", message_id="<i1@c.test>"))
    box.add(mail("Re: Order", message_id="<i2@c.test>", in_reply_to="<i1@c.test>"))
    box.add(b"garbage without headers")
    box.close()
    maildir = mailbox.Maildir(str(tmp_path / "Maildir"))
    maildir.add(mail("Other", message_id="<i3@c.test>", sender="bob@c.test"))
    maildir.add(mail("Order", message_id="<i1@c.test>"))  # the same mail again
    db = str(tmp_path / "store.db")
    first = _run("--db", db, "import", str(tmp_path / "old.mbox"))
    assert first.returncode == 0, first.stderr
    assert "3 imported" in first.stderr and "1 unparseable" in first.stderr
    second = _run("--db", db, "import", str(tmp_path / "Maildir"))
    assert "1 imported, 1 already stored" in second.stderr, second.stderr
    again = _run("--db", db, "import", str(tmp_path / "old.mbox"))
    assert "0 imported, 3 already stored" in again.stderr, again.stderr
    store = Store.open(db)
    with store.session() as session:
        assert session.exec(select(func.count()).select_from(Message)).one() == 4
        assert session.exec(select(func.count()).select_from(Conversation)).one() == 3
    assert _run("--db", db, "import", str(tmp_path / "nope")).returncode == 2
