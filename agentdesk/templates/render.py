"""Rendering a template for one conversation, safely.

- Jinja runs in its `SandboxedEnvironment`: a template can read the context's
  variables and nothing else (`{{ customer.__class__ }}` raises `SecurityError`).
- A variable with no value renders as a visible placeholder `«customer.first_name»`
  that the agent must fill (Tab jumps to it; sending refuses while one is left),
  never as a silent empty string.
- Customer-supplied text (names, subjects, order numbers) is only ever a value in the
  context: it is cleaned of control characters and placeholder brackets, and never
  compiled as a template, so a customer called `{{ 7*7 }}` stays `{{ 7*7 }}`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import ChainableUndefined, TemplateSyntaxError
from jinja2.exceptions import SecurityError, TemplateError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment

from agentdesk.templates.latte import Part, Step, parse_steps
from agentdesk.templates.marks import CLOSE, OPEN, PLACEHOLDER_RE, placeholder
from agentdesk.templates.model import MARKER_RE, Template
from agentdesk.text import clean

# Part boundaries survive rendering as NUL-delimited sentinels; values can never
# contain NUL (clean() strips control characters), so a customer cannot forge one.
_SENTINEL_RE = re.compile(r"\x00LATTE:([a-z,]*)\x00\n?")


class RenderError(Exception):
    """The template could not be rendered (syntax, sandbox refusal, bad expression)."""

    def __init__(self, template: Template, message: str, line: int | None = None) -> None:
        where = f"{template.path}:{line}" if line else str(template.path)
        super().__init__(f"{where}: {message}")
        self.template = template
        self.line = line


def value_text(value: object, *, keep_newlines: bool = False) -> str:
    """A value as text that can never act as a control sequence or a placeholder."""
    text = clean(str(value), keep_newlines=keep_newlines).strip()
    return text.replace(OPEN, "").replace(CLOSE, "")


class Namespace:
    """A read-only group of variables (`customer`, `ticket`, ...) that knows its path.

    Missing keys come back as placeholders labelled with the full dotted path. The
    only attributes are underscored, which the sandbox never lets a template read.
    """

    __slots__ = ("_path", "_values")

    def __init__(self, path: str, values: Mapping[str, Any]) -> None:
        self._path = path
        self._values = {k: v for k, v in values.items() if v is not None and v != ""}

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __contains__(self, key: object) -> bool:
        return key in self._values

    def __str__(self) -> str:
        return placeholder(self._path)

    def __repr__(self) -> str:
        return f"Namespace({self._path!r}, {sorted(self._values)!r})"


class Placeholder(ChainableUndefined):
    """What a missing variable renders as: `«path»`, which the agent must fill."""

    __slots__ = ()

    def label(self) -> str:
        obj, name = self._undefined_obj, self._undefined_name
        if isinstance(obj, Namespace) and name:
            return f"{obj._path}.{name}"
        return name or "value"

    def __str__(self) -> str:
        if self._undefined_exception is SecurityError:
            self._fail_with_undefined_error()
        return placeholder(self.label())

    def __html__(self) -> str:
        return str(self)


class Environment(SandboxedEnvironment):
    """The sandbox with placeholder undefineds and plain-text output."""

    def __init__(self) -> None:
        super().__init__(
            undefined=Placeholder,
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        # No filter or global may open files, call out, or format with attribute access.
        self.globals.clear()
        self.globals["range"] = range


ENV = Environment()


@dataclass(frozen=True)
class Rendered:
    """A template filled for one conversation."""

    name: str
    text: str
    parts: tuple[Part, ...]
    placeholders: tuple[str, ...]
    """Labels of the placeholders left in `text`, in order, without repeats."""


def prepare_source(body: str) -> str:
    out = []
    for line in body.split("\n"):
        match = MARKER_RE.match(line)
        if match is None:
            out.append(line)
            continue
        steps = ",".join(s.value for s in parse_steps(match["steps"])[0])
        out.append(f"\x00LATTE:{steps}\x00")
    return "\n".join(out)


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


def placeholders_in(text: str) -> tuple[str, ...]:
    """The placeholder labels left in a text, in order, each once."""
    seen: dict[str, None] = {}
    for match in PLACEHOLDER_RE.finditer(text):
        seen.setdefault(match[1], None)
    return tuple(seen)


def fill(text: str, values: Mapping[str, str]) -> str:
    """Replace `«key»` placeholders by the given values (which stay literal text)."""
    if not values:
        return text

    def swap(match: re.Match[str]) -> str:
        key = match[1]
        # The agent's own values (`--set`) may span lines; customer values never reach here.
        return value_text(values[key], keep_newlines=True) if key in values else match[0]

    return PLACEHOLDER_RE.sub(swap, text)


def compile_template(template: Template) -> Any:
    """The template's Jinja code, compiled in the sandbox; RenderError on bad syntax."""
    try:
        return ENV.from_string(prepare_source(template.body))
    except TemplateSyntaxError as error:
        line = template.body_line + (error.lineno or 1) - 1
        raise RenderError(template, f"syntax error: {error.message}", line) from error


def render(
    template: Template,
    context: Mapping[str, Any],
    values: Mapping[str, str] | None = None,
) -> Rendered:
    """Fill `template` with `context`; `values` then fill placeholders by label.

    Raises RenderError on a syntax error or anything the sandbox refuses.
    """
    compiled = compile_template(template)
    try:
        output = compiled.render(**context)
    except SecurityError as error:
        raise RenderError(template, f"not allowed in a template: {error}") from error
    except (UndefinedError, TemplateError, TypeError, ValueError, ArithmeticError) as error:
        raise RenderError(template, f"cannot render: {error}") from error
    parts: list[Part] = []
    pieces = _SENTINEL_RE.split(output)
    # split() gives [before, steps, text, steps, text, ...].
    chunks = [(frozenset[Step](), pieces[0])]
    for index in range(1, len(pieces), 2):
        steps = frozenset(Step(s) for s in pieces[index].split(",") if s)
        chunks.append((steps, pieces[index + 1]))
    texts: list[str] = []
    for steps, chunk in chunks:
        chunk = _tidy(fill(chunk, values or {}))
        if not chunk:
            continue
        texts.append(chunk)
        parts.append(Part(chunk, steps))
    text = "\n\n".join(texts)
    return Rendered(template.name, text, tuple(parts), placeholders_in(text))
