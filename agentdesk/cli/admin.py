"""`agentdesk init --shared` and `agentdesk doctor`: setting up and checking a team server."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from agentdesk.cli.state import CliState, fail
from agentdesk.config import load_settings, system_config_path
from agentdesk.doctor import (
    Finding,
    Level,
    check_agent,
    check_config,
    check_leases,
    check_permissions,
    check_schema,
)
from agentdesk.sharing import DEFAULT_SHARED_DIR, SharedLayout, SharingError, init_shared
from agentdesk.store import Store
from agentdesk.store.engine import StoreUnavailable
from agentdesk.store.location import shown_location


def _state(ctx: typer.Context) -> CliState:
    state = ctx.find_root().obj
    assert isinstance(state, CliState)
    return state


def init(
    ctx: typer.Context,
    shared: Annotated[
        bool, typer.Option("--shared", help="Set up one store for a unix group of agents.")
    ] = False,
    group: Annotated[
        str | None, typer.Option(help="The unix group whose members are the agents.")
    ] = None,
    path: Annotated[
        Path, typer.Option(help="Folder for the store and the team templates.")
    ] = DEFAULT_SHARED_DIR,
    system_config: Annotated[
        Path | None,
        typer.Option(help="System config file to write (default /etc/agentdesk/config.toml)."),
    ] = None,
) -> None:
    """Create the store; with --shared, for every member of GROUP and nobody else."""
    state = _state(ctx)
    if not shared:
        store = state.open_store()
        store.dispose()
        typer.echo(f"store ready at {shown_location(store.url)}")
        return
    if not group:
        raise fail("--shared needs --group GROUP (the unix group of the agents)", 2)
    layout = SharedLayout(path.expanduser().resolve(), group)
    try:
        done = init_shared(layout, system_config or system_config_path())
    except SharingError as error:
        raise fail(str(error)) from error
    for line in done:
        typer.echo(line)
    typer.echo(f"next: add the agents to group {group} (usermod -aG {group} LOGIN), "
               "then `agentdesk agents add LOGIN --name NAME --role lead|agent|trainee`, "
               "and run `agentdesk poll` as a service (docs/TEAM.md)")


def doctor(ctx: typer.Context) -> None:
    """Check config, permissions, the store's schema and the poller's lease; say what to fix."""
    state = _state(ctx)
    findings, settings = check_config(lambda: load_settings(state.config))
    if settings is not None:
        state._settings = settings
        location = state.store_location()
        team_folder = None
        try:
            from agentdesk.templates.settings import template_settings

            team_folder = template_settings(settings).folder("team").path
        except Exception:  # the templates feature reports its own config problems
            team_folder = None
        try:
            store = Store.open(location, migrate=False)
            findings += check_permissions(store.url, settings, team_folder)
            findings += check_schema(store)
            findings += check_leases(store)
            findings += check_agent(store, settings.agent.login)
            store.dispose()
        except Exception as error:  # unreachable server, unreadable file, no tables yet
            said = str(error) if isinstance(error, StoreUnavailable) else (
                f"cannot read {shown_location(location)}: {str(error).splitlines()[0]}")
            findings.append(
                Finding(Level.FAIL, "store", said,
                        "check the path or URL, and that you may read it (`agentdesk doctor` as that user)")
            )
        from agentdesk.channels.chat.doctor import check_chat

        findings += check_chat(settings)
    _print(findings)
    if any(f.level is Level.FAIL for f in findings):
        raise typer.Exit(1)


def _print(findings: list[Finding]) -> None:
    out = Console(highlight=False, soft_wrap=True)
    styles = {Level.OK: "green", Level.WARN: "yellow", Level.FAIL: "bold red"}
    for finding in findings:
        line = Text()
        line.append(f"{finding.level.value:<4} ", style=styles[finding.level])
        line.append(f"{finding.check}: {finding.detail}")
        out.print(line)
        if finding.fix and finding.level is not Level.OK:
            out.print(Text(f"     fix: {finding.fix}", style="dim"))


def register(app: typer.Typer) -> None:
    app.command()(init)
    app.command()(doctor)
