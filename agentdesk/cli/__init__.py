"""The `agentdesk` command: the console by default, and one sub-app per command group.

Global options (`--db`, `--config`) live on the callback and reach every command
through `ctx.obj` (a `CliState`).
"""

from __future__ import annotations

from typing import Annotated

import typer

from agentdesk.cli import admin as admin_cli
from agentdesk.cli import agents as agents_cli
from agentdesk.cli import console
from agentdesk.cli import customers as customers_cli
from agentdesk.cli import report as report_cli
from agentdesk.cli import sync as sync_cli
from agentdesk.cli import tags as tags_cli
from agentdesk.cli import triage as triage_cli
from agentdesk.cli import templates as templates_cli
from agentdesk.cli.state import CliState

app = typer.Typer(
    name="agentdesk",
    help="A keyboard-first customer-support console for the terminal.",
    no_args_is_help=False,
    rich_markup_mode=None,
)


@app.callback(invoke_without_command=True)
def root(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option("--db", envvar="AGENTDESK_DB", help="Store file (or database URL)."),
    ] = None,
    config: Annotated[
        str | None,
        typer.Option("--config", envvar="AGENTDESK_CONFIG", help="Config file (TOML)."),
    ] = None,
) -> None:
    """Open the console on the store (the platform data dir unless --db says otherwise)."""
    ctx.obj = CliState(db=db, config=config)
    if ctx.invoked_subcommand is None:
        console.run_console(ctx.obj)


console.register(app)
sync_cli.register(app)
templates_cli.register(app)
agents_cli.register(app)
admin_cli.register(app)
customers_cli.register(app)
tags_cli.register(app)
triage_cli.register(app)
report_cli.register(app)


def main() -> None:
    """Entry point of the `agentdesk` script."""
    app()
