"""`agentdesk templates list | show | check | new`, and the template side of `reply`.

The folders come from the config's `[templates]` (see agentdesk.templates.settings);
later folders override earlier ones. `check` exits 1 when any error is found, so it
can guard a team folder kept in git (a pre-commit hook or CI step).
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
from agentdesk.services import conversations
from agentdesk.templates import TemplateSet, TemplateSettings, load, render_for, template_settings
from agentdesk.templates.check import check as check_folders
from agentdesk.templates.context import KNOWN_PATHS
from agentdesk.templates.latte import coverage, letters
from agentdesk.templates.loader import errors
from agentdesk.templates.model import NAME_RE, skeleton
from agentdesk.templates.render import RenderError
from agentdesk.templates.settings import for_store

app = typer.Typer(help="Canned replies: list, show, check and create templates.", no_args_is_help=True)


def _state(ctx: typer.Context) -> CliState:
    state = ctx.find_root().obj
    assert isinstance(state, CliState)
    return state


def _settings(state: CliState) -> TemplateSettings:
    try:
        return template_settings(state.settings())
    except ConfigError as error:
        raise fail(str(error), 2) from error


def _templates(state: CliState) -> TemplateSet:
    return load(_settings(state).folders)


def parse_sets(pairs: list[str] | None) -> dict[str, str]:
    """`--set key=value` options as a dict; the key is a variable path or placeholder label."""
    values: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise fail(f"--set expects key=value, got {pair!r}", 2)
        values[key.strip()] = value
    return values


@app.command("list")
def list_templates(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines, one object each.")] = False,
) -> None:
    """Every template an agent can use, with its shortcut, slot and LATTE steps."""
    templates = _templates(_state(ctx))
    rows = sorted(templates, key=lambda t: (t.kind.value, t.name))
    if as_json:
        for t in rows:
            record = {
                "name": t.name, "title": t.title, "shortcut": templates.shortcut_of(t),
                "slot": templates.slot_of(t), "kind": t.kind.value, "tags": list(t.tags),
                "latte": sorted(s.value for s in t.covers), "origin": t.origin, "path": str(t.path),
            }
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        return
    table = Table("name", "shortcut", "slot", "kind", "LATTE", "from", "title", box=None)
    for t in rows:
        shortcut = templates.shortcut_of(t)
        slot = templates.slot_of(t)
        table.add_row(
            Text(t.name), Text(f";{shortcut}" if shortcut else "-"), Text(f"alt+{slot}" if slot else "-"),
            Text(t.kind.value), Text(letters(t.covers)), Text(t.origin), Text(t.title),
        )
    Console().print(table)


@app.command()
def show(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Template name or shortcut.")],
    conversation: Annotated[
        int | None, typer.Option("--conversation", "-c", help="Render it for this conversation.")
    ] = None,
    sets: Annotated[list[str] | None, typer.Option("--set", help="key=value, repeatable.")] = None,
) -> None:
    """Print a template's header and body, or (with -c ID) what it says for a conversation."""
    state = _state(ctx)
    templates = _templates(state)
    template = templates.get(name)
    if template is None:
        raise fail(f"no template {name!r} (see `agentdesk templates list`)")
    if conversation is not None:
        typer.echo(_render(state, conversation, name, parse_sets(sets), strict=False))
        return
    out = Console(highlight=False)
    shortcut = templates.shortcut_of(template)
    slot = templates.slot_of(template)
    out.print(Text(f"{template.title}  ({template.name}, {template.kind.value})", style="bold"))
    out.print(Text(f"file: {template.path}  [{template.origin}]"))
    out.print(Text(f"shortcut: {';' + shortcut if shortcut else '-'}   slot: {slot or '-'}"
                   f"   tags: {', '.join(template.tags) or '-'}"))
    out.print(Text(f"LATTE: {letters(template.covers)}"))
    out.print()
    out.print(Text(template.body))


@app.command()
def check(ctx: typer.Context) -> None:
    """Validate every folder: syntax, unknown variables, duplicates, missing LATTE steps."""
    settings = _settings(_state(ctx))
    problems = check_folders(settings.folders)
    for problem in problems:
        typer.echo(str(problem))
    bad = errors(problems)
    counted = sum(1 for f in settings.folders if f.path.is_dir())
    typer.echo(
        f"{len(bad)} error(s), {len(problems) - len(bad)} warning(s) in {counted} folder(s): "
        + ", ".join(f"{f.origin}={f.path}" for f in settings.folders),
        err=True,
    )
    if bad:
        raise typer.Exit(1)


@app.command()
def new(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="lowercase-with-dashes")],
    team: Annotated[bool, typer.Option("--team", help="In the team folder, not the personal one.")] = False,
) -> None:
    """Write a new template file from a LATTE skeleton and print its path."""
    if not NAME_RE.match(name):
        raise fail(f"name {name!r}: use lowercase letters, digits, - _ .", 2)
    folder = _settings(_state(ctx)).folder("team" if team else "personal")
    path = folder.path / f"{name}.md"
    if path.exists():
        raise fail(f"{path} already exists")
    folder.path.mkdir(parents=True, exist_ok=True)
    path.write_text(skeleton(name), encoding="utf-8")
    typer.echo(str(path))


def _render(
    state: CliState, conversation_id: int, name: str, values: dict[str, str], *, strict: bool = True
) -> str:
    """The template filled for the conversation; `strict` refuses (listing them) if
    placeholders remain or a required LATTE step is missing, as sending must."""
    settings = _settings(state)
    template = load(settings.folders).get(name)
    if template is None:
        raise fail(f"no template {name!r} (see `agentdesk templates list`)")
    desk = state.desk()
    settings = for_store(settings, desk.is_demo())
    try:
        detail = conversations.open_detail(desk, conversation_id)
    except conversations.NotFound as error:
        raise fail(str(error)) from error
    try:
        rendered = render_for(template, detail, agent=desk.agent, shop=settings.shop, values=values)
    except RenderError as error:
        raise fail(str(error)) from error
    if rendered.placeholders and not strict:
        typer.echo(f"placeholders to fill: {', '.join(rendered.placeholders)}", err=True)
    elif rendered.placeholders:
        lines = "\n".join(f"  --set '{label}=...'" for label in rendered.placeholders)
        known = [p for p in rendered.placeholders if p in KNOWN_PATHS]
        shop = any(p.startswith("shop.") for p in known)
        hint = " (or set them in the config, e.g. [shop] name)" if shop else ""
        raise fail(
            f"template {template.name!r} has unfilled placeholders; fill them with{hint}:\n{lines}", 3
        )
    covered = coverage(rendered.text, rendered.parts)
    typer.echo(covered.line(), err=True)
    if strict and settings.latte_blocks and not covered.complete:
        raise fail("the config requires every LATTE step of this agent's replies", 3)
    return rendered.text


def template_body(ctx: typer.Context, conversation_id: int, name: str, sets: list[str] | None) -> str:
    """What `agentdesk reply ID --template NAME [--set k=v]` queues."""
    return _render(_state(ctx), conversation_id, name, parse_sets(sets))


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="templates")
