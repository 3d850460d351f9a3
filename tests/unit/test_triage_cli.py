"""`agentdesk search`, `snooze`, `urgency` and `tick` on a real SQLite store file."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from agentdesk import clock
from agentdesk.cli import app
from agentdesk.store import Store
from tests.seed import inbound

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def test_triage_commands(tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    config = tmp_path / "config.toml"
    config.write_text('[agent]\nlogin = "ada"\ntimezone = "Europe/Istanbul"\n', encoding="utf-8")
    clock.freeze(NOW)
    try:
        store = Store.open(db)
        refund, _ = inbound(store, "bo@example.test", "Refund please", "The mug is broken, refund me!",
                            NOW - timedelta(hours=1))
        inbound(store, "cy@example.test", "Hello", "Lovely cups", NOW - timedelta(hours=2))
        store.dispose()
        runner = CliRunner()
        base = ["--db", str(db), "--config", str(config)]
        found = runner.invoke(app, [*base, "search", "refund -status:closed", "--json"])
        assert found.exit_code == 0, found.output
        assert [json.loads(line)["id"] for line in found.stdout.splitlines()] == [refund]
        bad = runner.invoke(app, [*base, "search", "after:someday"])
        assert bad.exit_code == 2 and "not a date" in bad.output
        snoozed = runner.invoke(app, [*base, "snooze", str(refund), "tomorrow 9:00"])
        assert snoozed.exit_code == 0 and "Fri 27 Nov 2026 09:00" in snoozed.output  # Istanbul time
        assert runner.invoke(app, [*base, "snooze", str(refund), "yesterday"]).exit_code == 2
        why = runner.invoke(app, [*base, "urgency", str(refund)])
        assert 'mentions "refund"' in why.output and 'mentions "broken"' in why.output
        clock.freeze(NOW + timedelta(days=1))
        ticked = runner.invoke(app, [*base, "tick"])
        assert ticked.exit_code == 0 and ticked.output.startswith("woken 1,")
    finally:
        clock.freeze(None)
