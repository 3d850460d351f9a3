"""`agentdesk report`: the Reports screen's numbers on the command line.

A Rich table by default (the headline numbers with the change against the period
before, the longest wait, one breakdown, the backlog and the low ratings); `--json`
prints the whole report as one object, `--csv` the breakdown chosen with `--by`, one
line per channel / tag / agent / day, durations in seconds and shares from 0 to 1.
"""

from __future__ import annotations

import csv
import json
import sys
from datetime import date, datetime, time, timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from agentdesk.cli.state import CliState, fail
from agentdesk.clock import utcnow
from agentdesk.services import report_format as fmt
from agentdesk.services.reports import By, Period, Report, build_report
from agentdesk.services.views import to_jsonable

#: The period when neither --since nor --until is given.
DEFAULT_DAYS = 30

#: Low ratings listed under the table (--json has more).
LOW_RATINGS_PRINTED = 10

CSV_FIELDS = [
    "by", "key", "label", "conversations", "first_response_median_s", "first_response_p90_s",
    "within_target", "sla_breaches", "resolution_median_s", "fcr_rate", "reopen_rate",
    "replies", "csat", "ratings",
]


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise fail(f"{option}: expected a date like 2026-11-01, got {value!r}", 2) from error


def period_of(since: str | None, until: str | None, now: datetime | None = None) -> Period:
    """--since (from that day's start) and --until (to that day's end, or now)."""
    now = now or utcnow()
    first, last = _day(since, "--since"), _day(until, "--until")
    end = datetime.combine(last + timedelta(days=1), time(), now.tzinfo) if last else now
    start = (
        datetime.combine(first, time(), now.tzinfo) if first else end - timedelta(days=DEFAULT_DAYS)
    )
    if start >= end:
        raise fail("--since must come before --until", 2)
    return Period(start, end)


def _print_table(report: Report, by: By) -> None:
    out = Console(highlight=False)
    out.print(Text(f"Support report · {report.period.label}", style="bold"))
    head = Table("", "now", "before", "change", box=None, pad_edge=False)
    for figure in fmt.figures(report.headline, report.previous):
        style = {True: "green", False: "red"}.get(figure.change.good, "")  # type: ignore[arg-type]
        head.add_row(figure.name, figure.value, figure.previous, Text(figure.change.text, style=style))
    out.print(head)
    wait = report.longest_wait
    if wait is not None:
        state = "still waiting" if wait.waiting else "answered"
        out.print(f"Longest wait: {fmt.duration(wait.seconds)} on #{wait.conversation_id} ({state})")
    out.print()
    table = Table(by.value, *(heading for heading, _ in fmt.COLUMNS), box=None, pad_edge=False)
    for row in report.rows(by):
        table.add_row(Text(row.label, overflow="ellipsis", no_wrap=True),
                      *(fmt.cell(row, field) for _, field in fmt.COLUMNS))
    out.print(table)
    out.print()
    out.print("Backlog now (open): " + ", ".join(f"{b.label}: {b.count}" for b in report.backlog))
    if report.low_ratings:
        out.print(f"Low ratings (3 or less): {report.low_ratings_total}")
        for low in report.low_ratings[:LOW_RATINGS_PRINTED]:
            comment = f" “{low.comment}”" if low.comment else ""
            out.print(Text(f"  #{low.conversation_id} {low.rating}/5 · {low.customer} · "
                           f"{low.agent} · {low.rated_at:%Y-%m-%d}{comment}"))
        if report.low_ratings_total > LOW_RATINGS_PRINTED:
            out.print(f"  … {report.low_ratings_total - LOW_RATINGS_PRINTED} more (--json lists "
                      f"the latest {len(report.low_ratings)})")


def _print_csv(report: Report, by: By) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for row in report.rows(by):
        writer.writerow([
            by.value, row.key, row.label, row.conversations, row.first_response_median,
            row.first_response_p90, row.within_target, row.sla_breaches, row.resolution_median,
            row.fcr_rate, row.reopen_rate, row.replies, row.csat, row.ratings,
        ])


def report(
    ctx: typer.Context,
    since: Annotated[
        str | None,
        typer.Option(metavar="DATE", help="First day (YYYY-MM-DD, UTC); default 30 days ago."),
    ] = None,
    until: Annotated[
        str | None, typer.Option(metavar="DATE", help="Last day, included; default now.")
    ] = None,
    by: Annotated[By, typer.Option(help="The breakdown for the table and the CSV.")] = By.CHANNEL,
    as_json: Annotated[bool, typer.Option("--json", help="The whole report as JSON.")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="The --by breakdown as CSV.")] = False,
) -> None:
    """How fast, how well and how much support answered in a period."""
    if as_json and as_csv:
        raise fail("give at most one of --json and --csv", 2)
    state = ctx.find_root().obj
    assert isinstance(state, CliState)
    period = period_of(since, until)
    result = build_report(state.desk(), period)
    if as_json:
        sys.stdout.write(json.dumps(to_jsonable(result), ensure_ascii=False, indent=2) + "\n")
    elif as_csv:
        _print_csv(result, by)
    else:
        _print_table(result, by)


def register(app: typer.Typer) -> None:
    app.command()(report)
