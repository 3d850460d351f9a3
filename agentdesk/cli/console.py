"""The console's commands besides the TUI itself (agentdesk.cli.run_console): `demo`,
`list`, `show` and `reply`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from agentdesk.cli.state import CliState, fail
from agentdesk.config import default_db_path
from agentdesk.demo import DEFAULT_SIZE, write_demo
from agentdesk.services import Desk, compose, conversations, inbox
from agentdesk.services.views import View, to_jsonable
from agentdesk.store.location import is_database_url, shown_location
from agentdesk.text import clean, one_line


def _state(ctx: typer.Context) -> CliState:
    state = ctx.find_root().obj
    assert isinstance(state, CliState)
    return state


def _demo_target(state: CliState, path: str | None) -> str:
    """Where the demo goes: --path, else --db, else demo.db beside the usual store.

    Beside it only when that store is a file: a team's PostgreSQL URL says nothing about
    where a local demo file belongs (Path() of a URL made a folder named after it), so
    the demo then goes to the data folder.
    """
    if path or state.db:
        return str(path or state.db)
    location = state.store_location()
    if is_database_url(location):
        return str(default_db_path().with_name("demo.db"))
    return str(Path(location).with_name("demo.db"))


def demo(
    ctx: typer.Context,
    path: Annotated[
        str | None,
        typer.Option(help="Where to write the demo store: a file (replaced), or an empty database's URL."),
    ] = None,
    size: Annotated[int, typer.Option(help="How many conversations to write.")] = DEFAULT_SIZE,
    messages: Annotated[
        int | None, typer.Option(help="Pad threads to about this many messages in all.")
    ] = None,
    tui: Annotated[bool, typer.Option("--tui/--no-tui", help="Open the console after.")] = True,
) -> None:
    """Write a new demo store (no mail account needed) and open the console on it."""
    state = _state(ctx)
    target = _demo_target(state, path)
    if not is_database_url(target):  # a file: a new one each time
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
    store = state.open_store(target)
    if is_database_url(target) and conversations.any_exist(store):
        store.dispose()
        raise fail(f"{shown_location(target)} already holds conversations: the demo only fills an empty database", 2)
    err = Console(stderr=True)
    with err.status(f"writing {size} demo conversations to {shown_location(target)}") as status:
        write_demo(
            store,
            size,
            messages=messages,
            agent_login=state.settings().agent.login,
            progress=lambda done, total: status.update(f"writing demo conversations {done}/{total}"),
        )
    err.print(f"demo store written to {shown_location(target)}", markup=False, highlight=False)
    if tui:
        from agentdesk.app import make_app

        make_app(Desk(store, state.settings().agent), state.settings()).run()


def list_conversations(
    ctx: typer.Context,
    view: Annotated[View, typer.Option(help="Which view to list.")] = View.OPEN,
    limit: Annotated[int, typer.Option(help="At most this many (0: all).")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines, one object each.")] = False,
) -> None:
    """Print a view's conversations in urgency order."""
    desk = _state(ctx).desk()
    rows = []
    cursor = None
    while True:
        page = inbox.page(desk, view, cursor)
        rows.extend(page.rows)
        cursor = page.next
        if cursor is None or (limit and len(rows) >= limit):
            break
    if limit:
        rows = rows[:limit]
    if as_json:
        for row in rows:
            record = to_jsonable(row)
            record["customer"]["addresses"] = [a["address"] for a in record["customer"]["addresses"]]
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        return
    table = Table("id", "channel", "customer", "subject", "assignee", "status", box=None)
    for row in rows:
        table.add_row(
            str(row.id),
            Text(row.network or row.channel),
            Text(one_line(row.customer.name, 30)),
            Text(one_line(row.title, 60)),
            Text(row.assignee or "-"),
            Text(row.status),
        )
    Console().print(table)


def show(
    ctx: typer.Context,
    conversation_id: Annotated[int, typer.Argument(metavar="ID")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False,
) -> None:
    """Print one conversation with all its messages."""
    desk = _state(ctx).desk()
    try:
        detail = conversations.open_detail(desk, conversation_id)
    except conversations.NotFound as error:
        raise fail(str(error)) from error
    if as_json:
        record = to_jsonable(detail.row)
        record["customer"]["addresses"] = [a["address"] for a in record["customer"]["addresses"]]
        record["messages"] = to_jsonable(detail.messages)
        sys.stdout.write(json.dumps(record, ensure_ascii=False, indent=2) + "\n")
        return
    out = Console(highlight=False)
    out.print(Text(f"#{detail.row.id} {one_line(detail.row.title)}", style="bold"))
    out.print(Text(f"{one_line(detail.customer.name)} · {detail.row.network or detail.row.channel} · {detail.row.status}"))
    for message in detail.messages:
        out.print()
        who = one_line(message.author or message.author_address)
        out.print(Text(f"[{message.direction}] {who} · {message.sent_at:%Y-%m-%d %H:%M}", style="dim"))
        out.print(Text(clean(message.text)))
        for att in message.attachments:
            out.print(Text(f"  📎 {att.filename} ({att.size} bytes)"))


def reply(
    ctx: typer.Context,
    conversation_id: Annotated[int, typer.Argument(metavar="ID")],
    text: Annotated[str | None, typer.Option(help="The reply text.")] = None,
    file: Annotated[
        str | None, typer.Option(help="Read the reply from a file ('-' for stdin).")
    ] = None,
    note: Annotated[bool, typer.Option("--note", help="Write an internal note instead.")] = False,
    template: Annotated[
        str | None, typer.Option(help="Fill this template (name or shortcut) for the conversation.")
    ] = None,
    sets: Annotated[
        list[str] | None, typer.Option("--set", help="key=value for a template placeholder.")
    ] = None,
) -> None:
    """Queue a reply (or an internal note) exactly as the composer's Ctrl+S does."""
    if [text, file, template].count(None) != 2:
        raise fail("give exactly one of --text, --file or --template", 2)
    if template is not None:
        from agentdesk.cli.templates import template_body

        body = template_body(ctx, conversation_id, template, sets)
    elif text == "-" or file == "-":
        body = sys.stdin.read()
    else:
        body = text if text is not None else Path(file or "").read_text(encoding="utf-8")
    desk = _state(ctx).desk()
    try:
        message_id = compose.queue(
            desk, conversation_id, body, compose.Kind.NOTE if note else compose.Kind.REPLY
        )
    except conversations.NotFound as error:
        raise fail(str(error)) from error
    except compose.EmptyReply as error:
        raise fail(str(error), 2) from error
    typer.echo(f"{'note' if note else 'reply'} {message_id} queued on #{conversation_id}")


def register(app: typer.Typer) -> None:
    app.command()(demo)
    app.command("list")(list_conversations)
    app.command()(show)
    app.command()(reply)
