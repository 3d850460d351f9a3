"""`agentdesk customers`: link the same person's chat handle and email address (merge)."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from agentdesk.cli.state import CliState, fail
from agentdesk.services import merge as merge_service
from agentdesk.services.views import to_jsonable
from agentdesk.text import one_line

customers_app = typer.Typer(help="Customers: show one, merge two.", rich_markup_mode=None)


def _state(ctx: typer.Context) -> CliState:
    state = ctx.find_root().obj
    assert isinstance(state, CliState)
    return state


def _describe(customer: merge_service.CustomerSummary) -> str:
    handles = ", ".join(
        one_line(f"{a.address} ({a.network})" if a.network else a.address, 80) for a in customer.addresses
    )
    return (
        f"#{customer.id} {one_line(customer.name, 60)}: {handles or 'no addresses'}; "
        f"{customer.conversations} conversation(s)"
    )


@customers_app.command("show")
def show(
    ctx: typer.Context,
    customer_id: Annotated[int, typer.Argument(metavar="ID")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False,
) -> None:
    """A customer's addresses and number of conversations (after following merges)."""
    try:
        customer = merge_service.find(_state(ctx).desk(), customer_id)
    except merge_service.MergeError as error:
        raise fail(str(error)) from error
    if as_json:
        sys.stdout.write(json.dumps(to_jsonable(customer), ensure_ascii=False) + "\n")
        return
    typer.echo(_describe(customer))


@customers_app.command("merge")
def merge(
    ctx: typer.Context,
    from_id: Annotated[int, typer.Argument(metavar="FROM", help="The customer to merge away.")],
    into_id: Annotated[int, typer.Argument(metavar="INTO", help="The customer to keep.")],
) -> None:
    """Merge customer FROM into INTO: its handles and conversations move to INTO."""
    try:
        result = merge_service.merge(_state(ctx).desk(), from_id, into_id)
    except merge_service.MergeError as error:
        raise fail(str(error)) from error
    typer.echo(
        f"merged #{result.merged_from} into {_describe(result.into)} "
        f"({result.moved_contacts} address(es), {result.moved_conversations} conversation(s) moved)"
    )


def register(app: typer.Typer) -> None:
    app.add_typer(customers_app, name="customers")
