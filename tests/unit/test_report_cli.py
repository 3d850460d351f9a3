"""`agentdesk report`: the table, --json and --csv over the hand-worked store."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agentdesk import clock
from agentdesk.cli import app
from agentdesk.store import Store
from tests.report_fixture import build_shop

# Whole days 11-14 to 11-19: the same six conversations as the 7 days up to NOW.
DAYS = ["--since", "2026-11-14", "--until", "2026-11-19"]


@pytest.fixture
def db(tmp_path: Path, no_user_config: None) -> Iterator[str]:
    store = Store.open(tmp_path / "shop.db")
    build_shop(store)
    store.dispose()
    yield str(tmp_path / "shop.db")
    clock.freeze(None)


def run(db: str, *args: str) -> str:
    result = CliRunner().invoke(app, ["--db", db, "report", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_json_is_the_whole_report(db: str) -> None:
    data = json.loads(run(db, *DAYS, "--json"))
    assert data["period"] == {"since": "2026-11-14T00:00:00+00:00",
                              "until": "2026-11-20T00:00:00+00:00"}
    head = data["headline"]
    assert head["conversations"] == 6
    assert head["first_response"] == {"count": 4, "mean": 2430.0, "median": 1200.0,
                                      "p90": 7200.0, "max": 7200.0}
    assert (head["sla_breaches"], head["fcr_rate"], head["reopen_rate"]) == (2, 0.5, 0.25)
    assert head["ratings"] == 3 and head["csat"] == pytest.approx(2 / 3)
    assert data["longest_wait"]["seconds"] == 51 * 3600.0
    assert [r["key"] for r in data["by_channel"]] == ["email", "chat"]
    assert [r["key"] for r in data["by_agent"]] == ["ada", "", "sam"]
    assert [r["conversations"] for r in data["by_day"]] == [1, 1, 1, 1, 1, 1]
    assert [(r["rating"], r["comment"]) for r in data["low_ratings"]] == [(2, "box was crushed")]
    assert data["previous"]["conversations"] == 1  # C9, in the six days before


def test_csv_by_agent(db: str) -> None:
    rows = list(csv.DictReader(io.StringIO(run(db, *DAYS, "--by", "agent", "--csv"))))
    assert [(r["key"], r["label"], r["conversations"], r["replies"]) for r in rows] == [
        ("ada", "Ada", "3", "3"), ("", "(unassigned)", "2", "0"), ("sam", "Sam", "1", "3")]
    ada = rows[0]
    assert (ada["first_response_median_s"], ada["resolution_median_s"]) == ("4500.0", "12600.0")
    assert (ada["csat"], ada["ratings"], ada["sla_breaches"]) == ("1.0", "1", "0")
    assert rows[1]["first_response_median_s"] == "120.0" and rows[1]["csat"] == "0.0"


def test_csv_by_tag_and_by_day(db: str) -> None:
    tags = list(csv.DictReader(io.StringIO(run(db, *DAYS, "--by", "tag", "--csv"))))
    assert [(r["by"], r["key"], r["conversations"], r["reopen_rate"]) for r in tags] == [
        ("tag", "late by carrier", "2", "0.5")]
    days = list(csv.DictReader(io.StringIO(run(db, *DAYS, "--by", "day", "--csv"))))
    assert [r["key"] for r in days] == [f"2026-11-{d}" for d in range(14, 20)]
    assert days[0]["first_response_median_s"] == "1800.0"
    assert days[-1]["first_response_median_s"] == ""  # C6 is not answered yet


def test_table(db: str) -> None:
    out = run(db, *DAYS)
    assert "Support report · 2026-11-14 00:00 – 2026-11-19 23:59 UTC" in out
    assert "First response, median" in out and "20m" in out
    assert "Longest wait: 2d03h on #5 (still waiting)" in out
    assert "#4 2/5" in out and "box was crushed" in out


def test_bad_input(db: str) -> None:
    runner = CliRunner()
    bad_date = runner.invoke(app, ["--db", db, "report", "--since", "yesterday"])
    assert bad_date.exit_code == 2 and "--since" in bad_date.stderr
    backwards = runner.invoke(app, ["--db", db, "report", "--since", "2026-11-19",
                                    "--until", "2026-11-14"])
    assert backwards.exit_code == 2
    both = runner.invoke(app, ["--db", db, "report", "--json", "--csv"])
    assert both.exit_code == 2
