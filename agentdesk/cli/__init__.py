"""The `agentdesk` command: the console by default, and one sub-app per command group.

Global options (`--db`, `--config`) live on the callback and reach every command
through `ctx.obj` (a `CliState`). Each command's module is imported only when that
command runs (or `--help` lists them all): the console and `agentdesk report` should
not pay for jinja2, imapclient and the poller at start-up.
"""

from __future__ import annotations

import gc
import importlib
import os
import sys
from typing import Annotated

from typer import _click as click  # typer vendors click (0.29)
import typer
from typer.core import TyperGroup

from agentdesk.cli.state import CliState, fail

#: Every command, by the module (in agentdesk.cli) whose `register` adds it.
COMMANDS: dict[str, str] = {
    "demo": "console", "list": "console", "show": "console", "reply": "console",
    "sync": "sync", "poll": "sync", "import": "sync",
    "templates": "templates",
    "agents": "agents",
    "init": "admin", "doctor": "admin",
    "customers": "customers",
    "tags": "tags",
    "search": "triage", "snooze": "triage", "urgency": "triage", "tick": "triage",
    "report": "report",
}



class LazyCommands(TyperGroup):
    """The root group: a command's module is imported when the command is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | COMMANDS.keys())

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = super().get_command(ctx, cmd_name)
        if found is not None or cmd_name not in COMMANDS:
            return found
        module = importlib.import_module(f"agentdesk.cli.{COMMANDS[cmd_name]}")
        commands = typer.Typer()
        module.register(commands)
        return typer.main.get_group(commands).get_command(ctx, cmd_name)


app = typer.Typer(
    cls=LazyCommands,
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
        run_console(ctx.obj)


def run_console(state: CliState) -> None:
    """Start the console on the store the options name (its first page before the rest)."""
    from agentdesk.app import opening_app
    from agentdesk.config import ConfigError
    from agentdesk.services import sla

    settings = state.loaded_settings()
    try:
        # The first frame already colours SLA countdowns; the rest of [sla] etc. loads behind it.
        sla.configure(sla.SlaPolicy.from_config(settings.raw, settings.file))
    except ConfigError as error:
        raise fail(str(error), 2) from error
    app = opening_app(state.store_location(), settings)
    app.run()
    if app.return_code:  # the store could not be opened; the app has said why
        raise typer.Exit(app.return_code)


def console_options(args: list[str]) -> CliState | None:
    """The options of a plain `agentdesk [--db X] [--config Y]`; None for anything else.

    Typer (0.29) builds pydantic validators for every option it parses, ~100 ms of
    imports and work: a third of the console's whole start-up. The command line that
    only opens the console is read here instead, with the same options and variables
    as `root`; any other (a command, --help, a typo) goes to Typer.
    """
    values = {"--db": os.environ.get("AGENTDESK_DB"), "--config": os.environ.get("AGENTDESK_CONFIG")}
    rest = list(args)
    while rest:
        name, has_value, value = rest.pop(0).partition("=")
        if name not in values:
            return None
        if not has_value:
            if not rest or rest[0].startswith("-"):
                return None
            value = rest.pop(0)
        values[name] = value
    return CliState(db=values["--db"] or None, config=values["--config"] or None)


def main() -> None:
    """Entry point of the `agentdesk` script."""
    try:
        state = console_options(sys.argv[1:])
        if state is None:
            app()
            return
        try:
            run_console(state)
        except typer.Exit as done:  # a config error, already printed the way Typer would
            raise SystemExit(done.exit_code) from None
    finally:
        _exit_without_a_last_collection()


def _exit_without_a_last_collection() -> None:
    """Python's shutdown runs the cycle collector over every object still alive (SQLAlchemy,
    Typer and the rest: ~60 ms of a command's exit, 7% of `agentdesk report`). Freezing
    them skips that pass; everything that must happen at exit still does (atexit
    handlers, flushed and closed files, worker processes joined), and what SQLite had
    not yet closed, the operating system closes (committed data is in the WAL already)."""
    gc.freeze()
