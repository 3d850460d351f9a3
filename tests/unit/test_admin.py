"""agents, doctor and the poller-service check, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agentdesk.channels import lease
from agentdesk.cli import app
from agentdesk.config import load_settings
from agentdesk.services import live
from agentdesk.store import Store


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """No developer config: an empty personal file and no system file."""
    personal = tmp_path / "config.toml"
    personal.write_text('[agent]\nlogin = "lee"\nname = "Lee Lead"\n')
    return {"AGENTDESK_CONFIG": str(personal), "AGENTDESK_SYSTEM_CONFIG": str(tmp_path / "none.toml")}


def test_agents_add_list_set_role(store_url: str, env: dict[str, str]) -> None:
    runner = CliRunner()
    run = lambda *args: runner.invoke(app, ["--db", store_url, *args], env=env)  # noqa: E731
    assert run("agents", "add", "kim", "--name", "Kim Trainee", "--role", "trainee").exit_code == 0
    assert run("agents", "add", "lee", "--role", "lead").exit_code == 0
    listed = run("agents", "list", "--json")
    assert listed.exit_code == 0
    assert '"login": "kim"' in listed.output and '"role": "trainee"' in listed.output
    assert run("agents", "set-role", "kim", "agent").exit_code == 0
    assert '"role": "agent"' in run("agents", "list", "--json").output
    missing = run("agents", "set-role", "nobody", "lead")
    assert missing.exit_code == 1 and "no agent with login 'nobody'" in missing.output
    assert run("agents", "add", "two words").exit_code == 2


def test_doctor_reports_schema_lease_and_agent(store_url: str, env: dict[str, str]) -> None:
    runner = CliRunner()
    store = Store.open(store_url)
    result = runner.invoke(app, ["--db", store_url, "doctor"], env=env)
    assert result.exit_code == 0, result.output
    assert "schema: up to date" in result.output
    assert "no poller lease" in result.output and "fix:" in result.output
    assert "lee is not in the team yet" in result.output
    assert lease.acquire(store, "imap:shop", "otherhost:1:abc", ttl=timedelta(seconds=60))
    runner.invoke(app, ["--db", store_url, "agents", "add", "lee", "--role", "lead"], env=env)
    result = runner.invoke(app, ["--db", store_url, "doctor"], env=env)
    assert "imap:shop: polled by otherhost:1:abc" in result.output
    assert "lee (Lee Lead) is lead" in result.output or "lee (lee) is lead" in result.output
    store.dispose()


def test_doctor_says_when_the_store_is_behind(tmp_path: Path, env: dict[str, str]) -> None:
    from alembic import command

    from agentdesk.store.engine import alembic_config

    store = Store.open(tmp_path / "old.db")
    command.downgrade(alembic_config(store.engine), "0003@0001")  # our branch not applied
    store.dispose()
    result = CliRunner().invoke(app, ["--db", str(tmp_path / "old.db"), "doctor"], env=env)
    assert "store is behind: ['0003'] not applied" in result.output, result.output


def test_consoles_leave_polling_to_a_poller_service(store: Store) -> None:
    assert live.console_should_poll(store)
    holder = "mailhost:4242:feed"
    assert lease.acquire(store, "imap:shop", holder, ttl=timedelta(seconds=60))
    assert not live.console_should_poll(store)
    assert [s.holder for s in live.poller_services(store)] == [holder]
    lease.release(store, "imap:shop", holder)
    assert live.console_should_poll(store)
    mine = lease.new_holder()  # this process's own poller does not count
    assert lease.acquire(store, "imap:shop", mine)
    assert live.console_should_poll(store)


def test_system_config_under_the_personal_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    system = tmp_path / "system.toml"
    system.write_text(
        '[agent]\nlogin = "everyone"\n[store]\npath = "/srv/agentdesk/agentdesk.db"\n'
        '[templates]\nteam = "/srv/agentdesk/templates"\npersonal = "/tmp/x"\n'
    )
    personal = tmp_path / "me.toml"
    personal.write_text('[agent]\nname = "Ada L."\n[templates]\npersonal = "~/tpl"\n')
    monkeypatch.setenv("AGENTDESK_SYSTEM_CONFIG", str(system))
    settings = load_settings(personal)
    assert settings.db == "/srv/agentdesk/agentdesk.db"
    assert settings.raw["templates"] == {"team": "/srv/agentdesk/templates", "personal": "~/tpl"}
    assert settings.agent.name == "Ada L." and settings.agent.login != "everyone"
    assert settings.system_file == system and settings.file == personal
    system.write_text("[store\n")
    with pytest.raises(Exception, match="system.toml"):
        load_settings(personal)
