"""The console's CLI commands, run as a user would: typer's runner and the real script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from agentdesk.cli import app
from agentdesk.services.views import View

runner = CliRunner()


def _run(*args: str, env: dict[str, str] | None = None, input: str | None = None):  # type: ignore[no-untyped-def]
    result = runner.invoke(app, list(args), env=env, input=input)
    assert result.exit_code == 0, result.output
    return result


def test_help_lists_every_command() -> None:
    out = _run("--help").output
    for command in ("demo", "list", "show", "reply"):
        assert command in out


def test_demo_no_tui_writes_the_store_and_list_reads_it(tmp_path: Path, no_user_config: None) -> None:
    db = tmp_path / "demo.db"
    _run("demo", "--path", str(db), "--no-tui")
    assert db.exists()
    lines = _run("--db", str(db), "list", "--view", "all", "--json").output.splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) >= 60
    first = records[0]
    for key in ("id", "channel", "status", "subject", "customer", "assignee", "updated_at"):
        assert key in first
    assert set(first["customer"]) >= {"name", "addresses"}
    assert {r["channel"] for r in records} == {"email", "chat"}
    assert len({r["customer"]["name"] for r in records}) >= 25


def test_views_filter(tmp_path: Path, no_user_config: None) -> None:
    db = tmp_path / "demo.db"
    _run("demo", "--path", str(db), "--no-tui")
    for view in View:
        records = [json.loads(x) for x in _run("--db", str(db), "list", "--view", view.value, "--json").output.splitlines()]
        if view is View.CLOSED:
            assert records and all(r["status"] == "closed" for r in records)
        if view is View.PENDING:
            assert records and all(r["status"] == "pending" for r in records)
        if view is View.UNASSIGNED:
            assert records and all(r["assignee"] is None for r in records)


def test_env_db_and_show_and_reply_from_stdin(tmp_path: Path, no_user_config: None) -> None:
    db = tmp_path / "demo.db"
    _run("demo", "--path", str(db), "--no-tui")
    env = {"AGENTDESK_DB": str(db)}
    first = json.loads(_run("list", "--json", "--limit", "1", env=env).output)
    _run("reply", str(first["id"]), "--file", "-", env=env, input="Thanks, it ships today.\n")
    shown = json.loads(_run("show", str(first["id"]), "--json", env=env).output)
    last = shown["messages"][-1]
    assert last["direction"] == "out" and last["text"] == "Thanks, it ships today."
    for key in ("direction", "author", "sent_at", "text", "attachments"):
        assert key in last
    assert last["delivery"] == "queued", "outside the TUI a reply waits in the outbox for a channel"
    _run("reply", str(first["id"]), "--text", "checked the carrier", "--note", env=env)
    shown = json.loads(_run("show", str(first["id"]), "--json", env=env).output)
    assert shown["messages"][-1]["direction"] == "note"


def test_errors_are_one_clear_line(tmp_path: Path, no_user_config: None) -> None:
    db = tmp_path / "demo.db"
    _run("demo", "--path", str(db), "--no-tui")
    result = runner.invoke(app, ["--db", str(db), "show", "999999"])
    assert result.exit_code == 1 and "no conversation #999999" in result.output
    result = runner.invoke(app, ["--db", str(db), "reply", "1", "--text", "   "])
    assert result.exit_code == 2 and "empty" in result.output
    bad = tmp_path / "bad.toml"
    bad.write_text("[agent]\nlogin = 5\n")
    result = runner.invoke(app, ["--db", str(db), "--config", str(bad), "list"])
    assert result.exit_code == 2
    assert "agent.login" in result.output and str(bad) in result.output


def test_default_store_lives_in_the_platform_data_dir(tmp_path: Path, no_user_config: None) -> None:
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "data"), XDG_CONFIG_HOME=str(tmp_path / "cfg"))
    env.pop("AGENTDESK_DB", None)
    script = Path(sys.executable).with_name("agentdesk")
    done = subprocess.run([str(script), "list"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "data" / "agentdesk" / "agentdesk.db").exists()


def test_demo_fills_an_empty_postgresql_database_and_refuses_one_in_use(
    pg_url: str, tmp_path: Path, no_user_config: None
) -> None:
    """A team's URL is a database, not a file: the demo fills it only while it is empty
    (never a store in use), and says where it went without the password."""
    result = _run("demo", "--path", pg_url, "--no-tui")
    assert "agentdesk-test" not in result.output and "***" in result.output  # the password
    records = _run("--db", pg_url, "list", "--view", "all", "--json").output.splitlines()
    assert len(records) >= 60
    again = runner.invoke(app, ["demo", "--path", pg_url, "--no-tui"])
    assert again.exit_code == 2 and "already holds conversations" in again.output
    assert len(_run("--db", pg_url, "list", "--view", "all", "--json").output.splitlines()) == len(records)


def test_demo_beside_a_postgresql_store_goes_to_the_data_folder(
    pg_url: str, tmp_path: Path, no_user_config: None, monkeypatch
) -> None:
    """With the usual store on PostgreSQL, `agentdesk demo` writes demo.db in the data
    folder (it used to make a folder named after the URL, in the current directory)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    _run("demo", "--no-tui", env={"AGENTDESK_DATABASE_URL": pg_url})
    assert (tmp_path / "data" / "agentdesk" / "demo.db").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]


def test_a_store_that_cannot_be_opened_is_one_line_not_a_traceback(tmp_path: Path, no_user_config: None) -> None:
    """A PostgreSQL server that is down (port 1 refuses at once), a file where the store's
    folder should be, a file that is not a database: exit 1, which store and why, and
    never the password."""
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("not a folder")
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"\x00not SQLite at all\n" * 400)
    for location, why in (("postgresql+psycopg://agent:s3cret@127.0.0.1:1/desk", "Connection refused"),
                          (str(blocked / "store.db"), "File exists"),
                          (str(garbage), "not a database")):
        done = subprocess.run([str(Path(sys.executable).with_name("agentdesk")), "--db", location, "list"],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 1, done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("agentdesk: cannot open the store "), done.stderr
        assert why in lines[0] and "s3cret" not in done.stderr and "Traceback" not in done.stderr
        doctor = subprocess.run([str(Path(sys.executable).with_name("agentdesk")), "--db", location, "doctor"],
                                capture_output=True, text=True, timeout=60)
        assert "FAIL store: cannot " in doctor.stdout and why in doctor.stdout, doctor.stdout
        assert "s3cret" not in doctor.stdout + doctor.stderr
