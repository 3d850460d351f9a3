"""Where inserted text goes in a draft, and how Tab moves between placeholders.

The composer widget only turns these offsets into cursor locations; the rules live
here, free of Textual, so they can be tested on plain strings:

- a template is inserted at the cursor and stacks with the draft: a multi-line
  reply starts its own paragraph (blank line before it when the line has text, and
  after it when text follows the cursor); a one-line snippet goes inline;
- `;shortcut` right before the cursor (at a line start or after a space) is what
  Tab expands;
- Tab goes to the next placeholder after the cursor and Shift+Tab to the one
  before, wrapping around.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agentdesk.templates.render import PLACEHOLDER_RE

SHORTCUT_BEFORE_CURSOR = re.compile(r"(?:^|(?<=\s));(?P<key>[a-z0-9][a-z0-9_-]*)$")


@dataclass(frozen=True)
class Stacked:
    """Text to insert at the cursor: separators around the template's own text."""

    text: str
    start: int
    """Where the template's text begins inside `text`."""
    length: int
    """How long the template's text is."""


def stack(line_before: str, line_after: str, previous_line: str | None, block: str) -> Stacked:
    """`block` with the separators it needs at a cursor with this text around it."""
    if "\n" not in block:
        prefix = " " if line_before and not line_before[-1].isspace() else ""
        suffix = " " if line_after and not line_after[0].isspace() else ""
        return Stacked(prefix + block + suffix, len(prefix), len(block))
    if line_before.strip():
        prefix = "\n\n"
    elif not line_before and previous_line is not None and previous_line.strip():
        prefix = "\n"
    else:
        prefix = ""
    suffix = "\n\n" if line_after.strip() else ""
    return Stacked(prefix + block + suffix, len(prefix), len(block))


def shortcut_before(line_before: str) -> str | None:
    """The `;shortcut` typed just before the cursor, without the `;`."""
    match = SHORTCUT_BEFORE_CURSOR.search(line_before)
    return match["key"] if match else None


def spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of every placeholder in `text`, in order."""
    return [(m.start(), m.end()) for m in PLACEHOLDER_RE.finditer(text)]


def next_span(
    text: str, selection: tuple[int, int], backwards: bool = False
) -> tuple[int, int] | None:
    """The placeholder Tab (or Shift+Tab) goes to from `selection` (start, end offsets)."""
    found = spans(text)
    if not found:
        return None
    start, end = sorted(selection)
    if backwards:
        before = [s for s in found if s[0] < start]
        return before[-1] if before else found[-1]
    # From a selected placeholder, move past it; from a plain cursor, a placeholder
    # starting right at the cursor is the next one.
    edge = end if end > start else start
    after = [s for s in found if s[0] >= edge and s != (start, end)]
    return after[0] if after else found[0]


def first_in(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The first placeholder inside text[start:end] (the part just inserted)."""
    return next(((s, e) for s, e in spans(text) if s >= start and e <= end), None)
