"""bench/team-load, shortened: agents and a poller in separate processes on SQLite and
PostgreSQL, with no error shown to an agent and every action stored exactly once."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_team_load_short_run_on_both_databases() -> None:
    done = subprocess.run(
        [str(ROOT / "bench" / "team-load"), "--seconds", "2", "--agents", "3", "--size", "200"],
        capture_output=True, text=True, timeout=240, cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert done.stdout.count("errors shown to agents: 0") == 2
    assert done.stdout.count("every note, reply and mail is in the store and the audit log once") == 2
