"""`L`: link the open conversation's customer to another customer (merge).

The same person writes from WhatsApp and from email: the agent types the other
customer's number, email address or chat handle, sees who that is, and confirms.
The store remembers (merge.merge sets merged_into, and later messages follow it).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from agentdesk.text import one_line


class LinkCustomerPrompt(ModalScreen[str | None]):
    """Asks which customer to link to; returns what was typed, or None (Esc)."""

    DEFAULT_CSS = """
    LinkCustomerPrompt { align: center middle; }
    LinkCustomerPrompt > Vertical { width: 70; max-width: 100%; height: auto;
        border: round $accent; background: $surface; padding: 0 1; }
    """
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, customer_name: str) -> None:
        super().__init__()
        self.customer_name = customer_name

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Link customer"
            yield Static(Content(
                f"{one_line(self.customer_name, 40)} is the same person as… "
                "(customer #, email address or chat handle; Enter links, Esc cancels)"
            ))
            yield Input(placeholder="#12, ada@example.com or @ada", id="link-target")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)
