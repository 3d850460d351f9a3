"""The LATTE line under the composer: which of the five steps the reply covers.

`LATTE ✓L ✓A ✓T ✗T ✓E · missing: Thank`. Steps come from the template parts still in
the draft and from the agent's own words (agentdesk.templates.latte). A missing step
is a warning, or blocks sending when the config says so for this agent.
"""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from agentdesk.templates import Coverage


class LatteLine(Static):
    """One line; empty while the draft is empty."""

    DEFAULT_CSS = """
    LatteLine { height: 1; padding: 0 1; color: $success; display: none; }
    LatteLine.-missing { color: $warning; }
    LatteLine.-blocking { color: $error; text-style: bold; }
    """

    def show(self, coverage: Coverage | None, blocking: bool = False) -> None:
        """Show `coverage` (None clears the line, e.g. for notes or an empty draft)."""
        if coverage is None:
            self.update("")
            self.set_class(False, "-missing")
            self.set_class(False, "-blocking")
            return
        text = coverage.line()
        if blocking and not coverage.complete:
            text += " (required before sending)"
        self.update(Content(text))
        self.set_class(not coverage.complete, "-missing")
        self.set_class(blocking and not coverage.complete, "-blocking")
