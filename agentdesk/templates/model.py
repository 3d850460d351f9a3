"""The template file format: a Markdown body under a short header.

```
---
name: order-not-arrived
title: Order has not arrived
shortcut: nar
slot: 1
tags: shipping, tracking
kind: reply
latte: listen, acknowledge, action, thank, explain
---
<!-- latte: listen, acknowledge -->
Hi {{ customer.first_name }}, ...
<!-- latte: action -->
...
```

The header names the template and says how it is reached (a `;shortcut` typed in
the composer, an Alt+slot key) and which LATTE steps it covers; marker lines in the
body (`<!-- latte: ... -->`, invisible in rendered Markdown) say which part covers
which step, so the composer can tell which steps survive the agent's edits. The body
is Jinja (sandboxed, see `render`). Parsing never raises: every problem is collected
with the file and line it is on, for `agentdesk templates check`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from agentdesk.templates.latte import Step, parse_steps

HEADER_KEYS = ("name", "title", "shortcut", "slot", "tags", "kind", "latte", "description")
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
SHORTCUT_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
MARKER_RE = re.compile(r"^\s*<!--\s*latte\s*:\s*(?P<steps>.*?)\s*-->\s*$", re.IGNORECASE)


class Kind(StrEnum):
    """A reply is a whole answer (it must cover LATTE); a snippet stacks into one."""

    REPLY = "reply"
    SNIPPET = "snippet"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """Something wrong with a template file, at a line (1-based; 0 for the whole file)."""

    file: Path
    line: int
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.severity}: {self.message}"


@dataclass(frozen=True)
class Section:
    """A stretch of the body and the LATTE steps its marker says it covers."""

    steps: frozenset[Step]
    source: str
    line: int
    """File line of the section's first body line."""


@dataclass(frozen=True)
class Template:
    """One parsed template file."""

    name: str
    title: str
    body: str
    """The Jinja source with marker lines kept (they become part boundaries)."""
    path: Path
    body_line: int
    """The file line the body starts on (Jinja's line 1)."""
    origin: str = "library"
    """Which folder it came from: library, team or personal."""
    shortcut: str | None = None
    slot: int | None = None
    tags: tuple[str, ...] = ()
    kind: Kind = Kind.REPLY
    declared: frozenset[Step] | None = None
    """The steps the header's `latte:` says it covers (None when not given)."""
    description: str = ""
    header_lines: dict[str, int] = field(default_factory=dict, compare=False, hash=False)
    """Which file line each header key is on, for error messages."""

    @property
    def sections(self) -> list[Section]:
        return split_sections(self.body, self.body_line)

    @property
    def marked(self) -> frozenset[Step]:
        """The steps the body's markers cover."""
        steps: set[Step] = set()
        for section in self.sections:
            steps |= section.steps
        return frozenset(steps)

    @property
    def covers(self) -> frozenset[Step]:
        return self.marked | (self.declared or frozenset())

    def line_of(self, key: str) -> int:
        return self.header_lines.get(key, 1)


def split_sections(body: str, first_line: int = 1) -> list[Section]:
    """The body cut at marker lines; text before the first marker covers no step."""
    sections: list[Section] = []
    steps: frozenset[Step] = frozenset()
    lines: list[str] = []
    start = first_line
    for offset, line in enumerate(body.split("\n")):
        match = MARKER_RE.match(line)
        if match is None:
            lines.append(line)
            continue
        if lines and any(x.strip() for x in lines):
            sections.append(Section(steps, "\n".join(lines), start))
        steps = frozenset(parse_steps(match["steps"])[0])
        lines = []
        start = first_line + offset + 1
    if lines and any(x.strip() for x in lines):
        sections.append(Section(steps, "\n".join(lines), start))
    return sections


def parse(text: str, path: Path, origin: str = "library") -> tuple[Template | None, list[Problem]]:
    """Parse a template file's text; the template is None only when it has no usable name."""
    problems: list[Problem] = []

    def problem(line: int, message: str, severity: Severity = Severity.ERROR) -> None:
        problems.append(Problem(path, line, message, severity))

    lines = text.replace("\r\n", "\n").split("\n")
    header: dict[str, str] = {}
    header_lines: dict[str, int] = {}
    body_start = 0
    if lines and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
        if end is None:
            problem(1, "header starts with '---' but never ends with a '---' line")
            end = 0
        for index in range(1, end):
            raw = lines[index]
            if not raw.strip() or raw.lstrip().startswith("#"):
                continue
            key, sep, value = raw.partition(":")
            key = key.strip().lower()
            if not sep:
                problem(index + 1, f"header line is not 'key: value': {raw.strip()!r}")
                continue
            if key not in HEADER_KEYS:
                problem(index + 1, f"unknown header key {key!r} (known: {', '.join(HEADER_KEYS)})")
                continue
            if key in header:
                problem(index + 1, f"header key {key!r} given twice")
            header[key] = value.strip()
            header_lines[key] = index + 1
        body_start = end + 1 if end else 0
    else:
        problem(1, "no header: the file should start with a '---' line", Severity.WARNING)

    name = header.get("name") or path.stem
    if not NAME_RE.match(name):
        problem(header_lines.get("name", 1), f"name {name!r}: use lowercase letters, digits, - _ .")
        return None, problems

    shortcut = header.get("shortcut") or None
    if shortcut is not None:
        shortcut = shortcut.lstrip(";")
        if not SHORTCUT_RE.match(shortcut):
            problem(header_lines["shortcut"], f"shortcut {shortcut!r}: lowercase letters, digits, - _")
            shortcut = None

    slot: int | None = None
    if header.get("slot"):
        try:
            slot = int(header["slot"])
        except ValueError:
            slot = 0
        if not 1 <= slot <= 9:
            problem(header_lines["slot"], f"slot {header['slot']!r}: must be a number from 1 to 9")
            slot = None

    kind = Kind.REPLY
    if header.get("kind"):
        try:
            kind = Kind(header["kind"].lower())
        except ValueError:
            problem(header_lines["kind"], f"kind {header['kind']!r}: must be reply or snippet")

    declared: frozenset[Step] | None = None
    if "latte" in header:
        steps, unknown = parse_steps(header["latte"])
        for word in unknown:
            problem(header_lines["latte"], f"unknown LATTE step {word!r}")
        declared = frozenset(steps)

    tags = tuple(t.strip().lower() for t in header.get("tags", "").split(",") if t.strip())
    body_lines = lines[body_start:]
    for offset, line in enumerate(body_lines):
        match = MARKER_RE.match(line)
        if match:
            _, unknown = parse_steps(match["steps"])
            for word in unknown:
                problem(body_start + offset + 1, f"unknown LATTE step {word!r} in marker")
    body = "\n".join(body_lines).strip("\n")
    # Leading blank lines were stripped: count them so Jinja's line 1 maps to the file.
    skipped = next((i for i, x in enumerate(body_lines) if x.strip()), 0)
    if not body.strip():
        problem(body_start + 1, "the body is empty")
    template = Template(
        name=name,
        title=header.get("title") or name.replace("-", " ").capitalize(),
        body=body,
        path=path,
        body_line=body_start + skipped + 1,
        origin=origin,
        shortcut=shortcut,
        slot=slot,
        tags=tags,
        kind=kind,
        declared=declared,
        description=header.get("description", ""),
        header_lines=header_lines,
    )
    return template, problems


def skeleton(name: str) -> str:
    """The text of a new template file, for `agentdesk templates new`."""
    return f"""---
name: {name}
title: {name.replace("-", " ").capitalize()}
shortcut:
tags:
kind: reply
latte: listen, acknowledge, action, thank, explain
---
<!-- latte: listen, acknowledge -->
Hi {{{{ customer.first_name }}}},

Thank you for writing to us about «what the customer wrote about». I'm sorry about the trouble.

<!-- latte: action -->
«what you did for them»

<!-- latte: explain -->
«what happens next, and when»

<!-- latte: thank -->
Thanks again for your patience.

Best,
{{{{ agent.name }}}}
{{{{ shop.name }}}}
"""
