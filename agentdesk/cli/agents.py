"""`agentdesk agents`: the team on this store (login, display name, role)."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from agentdesk.cli.state import CliState, fail
from agentdesk.services import agents
from agentdesk.services.agents import Role
from agentdesk.services.views import to_jsonable

agents_app = typer.Typer(help="The agents of the team: add, list, set a role.", rich_markup_mode=None)


def _state(ctx: typer.Context) -> CliState:
    state = ctx.find_root().obj
    assert isinstance(state, CliState)
    return state


@agents_app.command("add")
def add(
    ctx: typer.Context,
    login: Annotated[str, typer.Argument(help="The agent's OS login name.")],
    name: Annotated[str | None, typer.Option(help="Display name (signatures).")] = None,
    role: Annotated[Role, typer.Option(help="lead, agent or trainee.")] = Role.AGENT,
) -> None:
    """Add an agent (or update the name and role of one that exists)."""
    store = _state(ctx).desk().store
    try:
        agent = agents.add(store, login, name, role)
    except ValueError as error:
        raise fail(str(error), 2) from error
    typer.echo(f"agent {agent.login} ({agent.display_name}) is {agent.role}")


@agents_app.command("list")
def list_agents(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines, one object each.")] = False,
) -> None:
    """Every agent of the store."""
    rows = agents.list_agents(_state(ctx).desk().store)
    if as_json:
        for row in rows:
            sys.stdout.write(json.dumps(to_jsonable(row), ensure_ascii=False) + "\n")
        return
    table = Table("login", "name", "role", box=None)
    for row in rows:
        table.add_row(Text(row.login), Text(row.display_name), Text(row.role))
    Console().print(table)


@agents_app.command("set-role")
def set_role(
    ctx: typer.Context,
    login: Annotated[str, typer.Argument(help="The agent's login name.")],
    role: Annotated[Role, typer.Argument(help="lead, agent or trainee.")],
) -> None:
    """Change an agent's role."""
    try:
        agent = agents.set_role(_state(ctx).desk().store, login, role)
    except agents.UnknownAgent as error:
        raise fail(str(error)) from error
    typer.echo(f"agent {agent.login} is now {agent.role}")


def register(app: typer.Typer) -> None:
    app.add_typer(agents_app, name="agents")
