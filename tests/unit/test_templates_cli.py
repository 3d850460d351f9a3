"""`agentdesk templates ...` and `agentdesk reply ID --template`, on a real demo store file."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from agentdesk.cli import app
from agentdesk.store import Store
from agentdesk.store.models import Direction, Message, OutboxItem

runner = CliRunner()


@pytest.fixture
def config(tmp_path: Path, no_user_config: None) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        '[agent]\nlogin = "demo"\nname = "Demo Agent"\n[shop]\nname = "The Tea Shop"\n'
        '[templates]\nteam = "team"\npersonal = "me"\n',
        encoding="utf-8",
    )
    return path


def run(config: Path, *args: str, db: Path | None = None):  # type: ignore[no-untyped-def]
    base = ["--config", str(config)] + (["--db", str(db)] if db else [])
    return runner.invoke(app, [*base, *args])


def test_list_show_and_new(config: Path) -> None:
    listed = run(config, "templates", "list", "--json")
    assert listed.exit_code == 0, listed.output
    assert '"name": "order-not-arrived"' in listed.output and '"slot": 1' in listed.output
    shown = run(config, "templates", "show", ";nar")
    assert shown.exit_code == 0 and "{{ customer.first_name }}" in shown.output
    assert run(config, "templates", "show", "nope").exit_code == 1
    created = run(config, "templates", "new", "my-reply")
    assert created.exit_code == 0, created.output
    path = config.parent / "me" / "my-reply.md"
    assert created.output.strip() == str(path) and path.exists()
    assert run(config, "templates", "new", "my-reply").exit_code == 1  # never overwrites
    assert "my-reply" in run(config, "templates", "list").output
    assert run(config, "templates", "check").exit_code == 0  # the skeleton is valid


def test_check_fails_naming_file_and_line(config: Path) -> None:
    team = config.parent / "team"
    team.mkdir()
    (team / "bad.md").write_text("---\nname: bad\nkind: snippet\n---\nHi {{ custmer.name }}\n")
    result = run(config, "templates", "check")
    assert result.exit_code == 1
    assert f"{team / 'bad.md'}:5: error: unknown variable 'custmer'" in result.output


def test_reply_with_template_refuses_unfilled_then_queues(config: Path, demo_path: Path) -> None:
    shown = run(config, "templates", "show", "nar", "-c", "1", db=demo_path)
    assert shown.exit_code == 0 and "tracking and «what the tracking shows»." in shown.output
    refused = run(config, "reply", "1", "--template", "order-not-arrived", db=demo_path)
    assert refused.exit_code == 3
    assert "--set 'what the tracking shows=...'" in refused.output
    queued = run(config, "reply", "1", "--template", "nar", "--set",
                 "what the tracking shows=it left the depot on Monday", db=demo_path)
    assert queued.exit_code == 0, queued.output
    store = Store.open(demo_path)
    with store.session() as session:
        message = session.exec(select(Message).where(Message.conversation_id == 1,
                                                     Message.direction == Direction.OUT)).one()
        assert session.exec(select(OutboxItem).where(OutboxItem.message_id == message.id)).one()
    store.dispose()
    assert message.text.startswith("Hi Ada,\n\n")
    assert "order #10000" in message.text and "it left the depot on Monday" in message.text
    assert message.text.endswith("Demo Agent\nThe Tea Shop") and "«" not in message.text
    assert run(config, "reply", "1", "--template", "nar", "--text", "x", db=demo_path).exit_code == 2
