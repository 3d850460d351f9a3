"""`agentdesk tags`: list, rename and merge tags (and tag conversations from scripts)."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from agentdesk.cli.state import CliState, fail
from agentdesk.services import tags
from agentdesk.services.conversations import NotFound

tags_app = typer.Typer(help="Tags: list, rename, merge, add, remove.", rich_markup_mode=None)


def _state(ctx: typer.Context) -> CliState:
    state = ctx.find_root().obj
    assert isinstance(state, CliState)
    return state


@tags_app.command("list")
def list_tags(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines, one object each.")] = False,
) -> None:
    """Every tag with how many conversations carry it, most used first."""
    rows = tags.list_tags(_state(ctx).desk())
    if as_json:
        for row in rows:
            sys.stdout.write(json.dumps({"name": row.name, "count": row.count}, ensure_ascii=False) + "\n")
        return
    table = Table("tag", "conversations", box=None)
    for row in rows:
        table.add_row(Text(row.name), str(row.count))
    Console().print(table)


@tags_app.command("rename")
def rename(
    ctx: typer.Context,
    old: Annotated[str, typer.Argument(help="The tag's current name.")],
    new: Annotated[str, typer.Argument(help="Its new name.")],
) -> None:
    """Rename a tag on every conversation (use merge when the new name exists)."""
    try:
        tags.rename_tag(_state(ctx).desk(), old, new)
    except tags.TagError as error:
        raise fail(str(error), 2) from error
    typer.echo(f"renamed {tags.normalise(old)!r} to {tags.normalise(new)!r}")


@tags_app.command("merge")
def merge(
    ctx: typer.Context,
    sources: Annotated[list[str], typer.Argument(help="Tags to fold in, then delete.")],
    into: Annotated[str, typer.Option("--into", help="The tag that remains.")],
) -> None:
    """Merge tags into one: `agentdesk tags merge late delayed --into "late by carrier"`."""
    try:
        moved = tags.merge_tags(_state(ctx).desk(), sources, into)
    except tags.TagError as error:
        raise fail(str(error), 2) from error
    typer.echo(f"merged {', '.join(sources)} into {tags.normalise(into)!r} ({moved} conversations re-tagged)")


@tags_app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The tag.")],
    conversation_ids: Annotated[list[int], typer.Argument(metavar="ID...", help="Conversations.")],
) -> None:
    """Tag conversations (the tag is created when new)."""
    try:
        stored = tags.add_tag(_state(ctx).desk(), conversation_ids, name)
    except (tags.TagError, NotFound) as error:
        raise fail(str(error), 2) from error
    typer.echo(f"tagged {len(conversation_ids)} conversation(s) {stored!r}")


@tags_app.command("remove")
def remove(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The tag.")],
    conversation_ids: Annotated[list[int], typer.Argument(metavar="ID...", help="Conversations.")],
) -> None:
    """Take a tag off conversations."""
    tags.remove_tag(_state(ctx).desk(), conversation_ids, name)
    typer.echo(f"untagged {len(conversation_ids)} conversation(s)")


def register(app: typer.Typer) -> None:
    app.add_typer(tags_app, name="tags")
