"""Triage from the shell: `agentdesk search`, `snooze`, `urgency` and `tick`.

`agentdesk tick` runs the same upkeep as the console's minute timer (wake snoozes and
silent follow-ups, re-score urgency); a shared server without a console open can
run it from cron or a systemd timer.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from agentdesk.cli.state import CliState, fail
from agentdesk.config import ConfigError
from agentdesk.services import snooze, triage, urgency
from agentdesk.services.conversations import NotFound
from agentdesk.services.desk import Desk
from agentdesk.services.query import QueryError
from agentdesk.services.search import search as run_search
from agentdesk.services.timeparse import TimeParseError
from agentdesk.services.triage import TriageSettings
from agentdesk.services.views import to_jsonable
from agentdesk.text import one_line


def _open(ctx: typer.Context) -> tuple[Desk, TriageSettings]:
    state = ctx.find_root().obj
    assert isinstance(state, CliState)
    settings = state.settings()
    try:
        triage_settings = TriageSettings.from_config(settings.raw, settings.file)
    except ConfigError as error:
        raise fail(str(error), 2) from error
    triage_settings.install()
    return state.desk(), triage_settings


def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help='e.g. \'refund -status:closed "not arrived"\'')],
    limit: Annotated[int, typer.Option(help="At most this many conversations.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines, one object each.")] = False,
) -> None:
    """Search conversations with the console's `/` language, best match first."""
    desk, settings = _open(ctx)
    try:
        found = run_search(desk, query, limit=limit, tz=settings.tz)
    except QueryError as error:
        raise fail(str(error), 2) from error
    if as_json:
        for row in found.rows:
            record = to_jsonable(row)
            record["customer"]["addresses"] = [a["address"] for a in record["customer"]["addresses"]]
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        return
    table = Table("id", "channel", "customer", "subject", "status", "tags", box=None)
    for row in found.rows:
        table.add_row(str(row.id), Text(row.network or row.channel), Text(one_line(row.customer.name, 30)),
                      Text(one_line(row.title, 60)), Text(row.status), Text(", ".join(row.tags)))
    Console().print(table)
    more = "+" if found.capped else ""
    typer.echo(f"{found.total}{more} conversations match", err=True)


def snooze_command(
    ctx: typer.Context,
    conversation_id: Annotated[int, typer.Argument(metavar="ID")],
    when: Annotated[str, typer.Argument(help="2h, 3d, tomorrow 9:00, mon, 2026-12-01 ...")],
) -> None:
    """Snooze a conversation until a time said the way the console's `s` takes it."""
    desk, settings = _open(ctx)
    try:
        until = snooze.snooze_text(desk, conversation_id, when, settings.tz)
    except TimeParseError as error:
        raise fail(str(error), 2) from error
    except NotFound as error:
        raise fail(str(error)) from error
    typer.echo(f"#{conversation_id} snoozed until {until.astimezone(settings.tz):%a %d %b %Y %H:%M}")


def urgency_command(
    ctx: typer.Context,
    conversation_id: Annotated[int, typer.Argument(metavar="ID")],
) -> None:
    """A conversation's urgency score and the reasons behind it."""
    desk, _ = _open(ctx)
    try:
        report = urgency.explain(desk, conversation_id)
    except NotFound as error:
        raise fail(str(error)) from error
    typer.echo(f"#{conversation_id} urgency {report.score}/100")
    for reason in report.reasons:
        typer.echo(f"  +{reason.points:<3} {reason.label}")


def tick(ctx: typer.Context) -> None:
    """Wake snoozed and silent pending conversations, re-score urgency (run from cron)."""
    desk, _ = _open(ctx)
    result = triage.tick(desk, rescore_limit=5000)
    typer.echo(f"woken {len(result.woken)}, re-scored {result.rescored}, "
               f"{len(result.approaching)} about to breach their SLA")


def register(app: typer.Typer) -> None:
    app.command()(search)
    app.command("snooze")(snooze_command)
    app.command("urgency")(urgency_command)
    app.command()(tick)
