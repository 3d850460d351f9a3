"""`agentdesk templates check`: everything that can be wrong with the template folders.

Each problem names the file and line: header mistakes, Jinja syntax errors, unknown
variables (a typo would otherwise reach a customer as a placeholder), duplicate
names, shortcuts or slots within a folder, and replies that miss a LATTE step.
Every template is also rendered once against a sample conversation, so anything the
sandbox refuses shows up here rather than in front of a customer.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from jinja2 import TemplateSyntaxError, meta, nodes

from agentdesk.services.views import (
    ContactView,
    ConversationDetail,
    ConversationRow,
    CustomerRef,
    CustomerView,
    MessageView,
)
from agentdesk.templates.context import KNOWN_PATHS, NAMESPACES, TOP_LEVEL, build_context
from agentdesk.templates.latte import ORDER
from agentdesk.templates.loader import load_folder, merge
from agentdesk.templates.model import Kind, Problem, Severity, Template
from agentdesk.templates.render import ENV, RenderError, prepare_source, render
from agentdesk.templates.settings import Folder


def unknown_variables(template: Template) -> list[Problem]:
    """Variables the template reads that no context provides, with their lines."""
    try:
        ast = ENV.parse(prepare_source(template.body))
    except TemplateSyntaxError:
        return []  # reported by syntax_problems
    problems: list[Problem] = []
    undeclared = meta.find_undeclared_variables(ast)
    reported: set[str] = set()

    def report(node: nodes.Node, path: str) -> None:
        if path in reported:
            return
        reported.add(path)
        line = template.body_line + (node.lineno or 1) - 1
        known = ", ".join(KNOWN_PATHS)
        problems.append(Problem(template.path, line, f"unknown variable {path!r} (known: {known})"))

    for name_node in ast.find_all(nodes.Name):
        if name_node.ctx == "load" and name_node.name in undeclared:
            if name_node.name not in NAMESPACES and name_node.name not in TOP_LEVEL:
                report(name_node, name_node.name)
    for node in ast.find_all((nodes.Getattr, nodes.Getitem)):
        target = node.node
        if not (isinstance(target, nodes.Name) and target.name in NAMESPACES):
            continue
        if target.name not in undeclared:
            continue
        if isinstance(node, nodes.Getattr):
            key = node.attr
        elif isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            key = node.arg.value
        else:
            continue
        if key not in NAMESPACES[target.name]:
            report(node, f"{target.name}.{key}")
    return problems


def latte_problems(template: Template) -> list[Problem]:
    """A reply must cover every step; markers and the header must agree."""
    problems: list[Problem] = []
    marked = template.marked
    if template.declared is not None:
        for step in ORDER:
            if step in template.declared and step not in marked:
                problems.append(Problem(
                    template.path, template.line_of("latte"),
                    f"header says it covers {step.label!r} but no part is marked "
                    f"'<!-- latte: {step.value} -->'", Severity.WARNING))
    if template.kind is Kind.REPLY:
        missing = [s.label for s in ORDER if s not in template.covers]
        if missing:
            problems.append(Problem(
                template.path, template.line_of("latte"),
                f"missing LATTE step{'s' if len(missing) > 1 else ''}: {', '.join(missing)} "
                "(mark the part that covers it with '<!-- latte: STEP -->', or make it "
                "'kind: snippet')"))
    return problems


def sample_detail() -> ConversationDetail:
    """A made-up conversation to test-render every template against."""
    when = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
    contact = ContactView("email", "ada@example.com")
    row = ConversationRow(1, "email", None, "open", "Where is my order #10001?", "Hi",
                          CustomerRef(1, "Ada Lovelace", [contact]), None, "normal",
                          when, when, when, None, when)
    message = MessageView(1, "in", "Ada Lovelace", "ada@example.com", when,
                          row.subject, "Order #10001 has not arrived.", None, [], None)
    return ConversationDetail(row, CustomerView(1, "Ada Lovelace", False, [contact], []), [message])


def render_problems(template: Template) -> list[Problem]:
    context = build_context(sample_detail(), agent_name="Sam", agent_login="sam",
                            shop={"name": "Shop"}, now=datetime(2026, 1, 5, tzinfo=UTC))
    try:
        render(template, context)
    except RenderError as error:
        message = str(error).split(": ", 1)[-1]
        return [Problem(template.path, error.line or template.body_line, message)]
    return []


def check_template(template: Template) -> list[Problem]:
    """Syntax first: when it fails, the other checks have nothing reliable to read."""
    syntax = render_problems(template)
    if syntax:
        return syntax
    return unknown_variables(template) + latte_problems(template)


def check(folders: Iterable[Folder]) -> list[Problem]:
    """Every problem in every folder, in folder then file order."""
    problems: list[Problem] = []
    layers: list[tuple[Folder, list[Template]]] = []
    for folder in folders:
        templates, found = load_folder(folder)
        problems.extend(found)
        for template in templates:
            problems.extend(check_template(template))
        layers.append((folder, templates))
    problems.extend(merge(layers).problems)
    return sorted(problems, key=lambda p: (str(p.file), p.line))
