"""`agentdesk sync --once` and `agentdesk poll`: the email poller from the command line."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)

from agentdesk.channels.accounts import load_accounts
from agentdesk.channels.chat.settings import load_chat_accounts
from agentdesk.channels.poller import AccountReport, poll_once, run_poller
from agentdesk.cli.state import CliState, fail
from agentdesk.config import ConfigError
from agentdesk.store import Store
from agentdesk.text import one_line


def _state(ctx: typer.Context) -> CliState:
    state = ctx.find_root().obj
    assert isinstance(state, CliState)
    return state


def _open(ctx: typer.Context) -> tuple[CliState, Store]:
    state = _state(ctx)
    settings = state.settings()
    try:
        accounts = load_accounts(settings)
        chats = load_chat_accounts(settings)
    except ConfigError as error:
        raise fail(str(error), 2) from error
    if not accounts and not chats:
        where = settings.file or "the config file (none found; use --config)"
        raise fail(f"no [[accounts]] or [[chat]] in {where}", 2)
    return state, state.open_store()


def sync(
    ctx: typer.Context,
    once: Annotated[
        bool, typer.Option("--once", help="Fetch, send, and exit (the default).")
    ] = True,
    no_send: Annotated[
        bool, typer.Option("--no-send", help="Only fetch; leave the outbox.")
    ] = False,
) -> None:
    """Fetch new mail for every account, send what the outbox holds, and exit."""
    state, store = _open(ctx)
    err = Console(stderr=True, highlight=False)
    tasks: dict[tuple[str, str], TaskID] = {}
    columns: list[Any] = [
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    ]
    with Progress(*columns, console=err, transient=False) as bar:

        def progress(account: str, folder: str, done: int, total: int) -> None:
            key = (account, folder)
            if key not in tasks:
                tasks[key] = bar.add_task(one_line(f"{account}/{folder}", 60), total=total)
            bar.update(tasks[key], completed=done, total=total)

        try:
            report = poll_once(store, state.settings(), progress, send=not no_send)
        except ConfigError as error:
            raise fail(str(error), 2) from error
    for account in report.accounts:
        err.print(_line(account), markup=False)
    if not no_send:
        err.print(
            f"outbox: {report.sent} sent, {report.send_failures} to retry after an error",
            markup=False,
        )
    if report.errors:
        raise typer.Exit(1)


def _line(account: AccountReport) -> str:
    if account.busy:
        return f"{account.account}: another poller is working this account; skipped"
    parts = [
        f"{f.folder}: {f.new} new"
        + (f", {f.duplicates} already stored" if f.duplicates else "")
        + (f", {f.parse_errors} unparseable (kept raw)" if f.parse_errors else "")
        + (f", {f.automatic} automatic" if f.automatic else "")
        + (" (UIDVALIDITY changed: rescanned)" if f.rescanned else "")
        for f in account.folders
    ]
    text = f"{account.account}: " + ("; ".join(parts) or "nothing synced")
    if account.error:
        text += f"; error: {one_line(account.error, 300)}"
    return text


def poll(ctx: typer.Context) -> None:
    """Keep fetching mail (IMAP IDLE where offered) and sending the outbox until stopped."""
    state, store = _open(ctx)
    err = Console(stderr=True, highlight=False)
    stop = threading.Event()

    def on_signal(_signum: int, _frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    def on_report(report: AccountReport) -> None:
        if report.error or report.new:
            err.print(_line(report), markup=False)

    err.print("polling; Ctrl+C stops", markup=False)
    run_poller(store, state.settings(), stop, on_report=on_report)


def import_mail(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="An mbox file or a maildir folder.")],
    account: Annotated[
        str | None, typer.Option(help="Account name to file the mail under (default: the first).")
    ] = None,
) -> None:
    """Load old mail (mbox or maildir) into the store, threaded and deduplicated."""
    from agentdesk.channels.importer import import_mail as run_import

    state = _state(ctx)
    try:
        accounts = load_accounts(state.settings())
    except ConfigError as error:
        raise fail(str(error), 2) from error
    if account:
        chosen = next((a for a in accounts if a.name == account), None)
    else:
        chosen = accounts[0] if accounts else None
    name = account or (chosen.name if chosen else "import")
    ours = frozenset({chosen.address.lower()}) if chosen else frozenset()
    store = state.open_store()
    err = Console(stderr=True, highlight=False)
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=err
    ) as bar:
        task = bar.add_task(one_line(f"importing {path.name}", 60), total=None)
        try:
            report = run_import(
                store, path, name, lambda done, total: bar.update(task, completed=done, total=total),
                ours=ours,
            )
        except (ValueError, OSError) as error:
            raise fail(str(error), 2) from error
    err.print(
        f"{report.new} imported, {report.duplicates} already stored"
        + (f", {report.parse_errors} unparseable (kept raw)" if report.parse_errors else ""),
        markup=False,
    )


def register(app: typer.Typer) -> None:
    app.command()(sync)
    app.command()(poll)
    app.command("import")(import_mail)
