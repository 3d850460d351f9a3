"""The chat parts of the CLI: `customers merge/show`, `doctor`'s chat checks, `sync --once`."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from agentdesk.cli import app
from agentdesk.store import Store
from agentdesk.store.models import Customer
from tests.integration.chat.homeserver import Customer as MatrixUser
from tests.integration.chat.homeserver import Homeserver
from tests.integration.chat.telegram_fake import TOKEN, FakeBotAPI


def config_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text('[agent]\nlogin = "lea"\nname = "Lea"\n' + body)
    return path


def test_sync_once_and_merge_from_the_cli(
    telegram: FakeBotAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENTDESK_TEST_TG", TOKEN)
    config = config_file(tmp_path, f"""
[[chat]]
name = "tg"
type = "telegram"
api_url = "{telegram.url}"
password_env = "AGENTDESK_TEST_TG"
""")
    db = tmp_path / "store.db"
    telegram.say(42, "Nora", "hello from telegram")
    telegram.say(43, "Nora's other phone", "it is me again")
    runner = CliRunner()
    base = ["--db", str(db), "--config", str(config)]
    done = runner.invoke(app, [*base, "sync", "--once"])
    assert done.exit_code == 0, done.output
    assert "tg: chat: 2 new" in done.output

    store = Store.open(db)
    with store.session() as session:
        first, second = (c.id for c in session.exec(select(Customer).order_by(Customer.id)))
    store.dispose()
    done = runner.invoke(app, [*base, "customers", "merge", str(second), str(first)])
    assert done.exit_code == 0, done.output
    assert f"merged #{second} into #{first}" in done.output
    assert "telegram:42 (telegram), telegram:43 (telegram)" in done.output
    assert "2 conversation(s)" in done.output
    done = runner.invoke(app, [*base, "customers", "show", str(second)])
    assert done.exit_code == 0 and f"#{first} " in done.output  # follows the merge
    done = runner.invoke(app, [*base, "customers", "merge", str(second), str(first)])
    assert done.exit_code == 1 and "already the same customer" in done.output


def test_doctor_checks_chat_tokens_and_servers(
    synapse: Homeserver, support: MatrixUser, telegram: FakeBotAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENTDESK_TEST_MX", support.token)
    monkeypatch.setenv("AGENTDESK_TEST_TG_BAD", "1:not-the-token")
    config = config_file(tmp_path, f"""
[[chat]]
name = "mx"
type = "matrix"
homeserver = "{synapse.url}"
user = "{support.user_id}"
password_env = "AGENTDESK_TEST_MX"

[[chat]]
name = "tg"
type = "telegram"
api_url = "{telegram.url}"
password_env = "AGENTDESK_TEST_TG_BAD"

[[chat]]
name = "gone"
type = "telegram"
api_url = "http://127.0.0.1:9"
password_env = "AGENTDESK_TEST_UNSET_VARIABLE"
""")
    monkeypatch.delenv("AGENTDESK_TEST_UNSET_VARIABLE", raising=False)
    done = CliRunner().invoke(app, ["--db", str(tmp_path / "store.db"), "--config", str(config), "doctor"])
    lines = done.output.splitlines()
    assert any(line.startswith("ok") and "chat mx" in line and "signed in" in line for line in lines), done.output
    assert any(line.startswith("FAIL") and "chat tg" in line and "401" in line for line in lines), done.output
    assert any(line.startswith("FAIL") and "chat gone" in line and "is not set" in line for line in lines)
    assert "not-the-token" not in done.output
    assert done.exit_code == 1
