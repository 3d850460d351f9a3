"""The stop before a send that would cross someone else: what changed, and what to do.

Shown when agentdesk.services.collision found, since the composer opened, a new
customer message or a reply by another agent. Dismisses with the agent's choice.

| Key | Action |
| --- | --- |
| s | send anyway |
| e / escape | back to the composer to edit (the new messages are on screen) |
| d | discard the draft |
"""

from __future__ import annotations

from enum import StrEnum

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from agentdesk.services.collision import Arrival, Collision
from agentdesk.text import one_line


class Choice(StrEnum):
    SEND = "send"
    EDIT = "edit"
    DISCARD = "discard"


def arrival_content(arrival: Arrival, label: str) -> Content:
    """One new message: who, and its first words (untrusted text, never markup)."""
    who = one_line(arrival.author or arrival.author_address, 40)
    return Content.assemble((f"{label} ", "bold"), (who, "bold $accent"), "\n", (arrival.preview, "dim"))


class CollisionScreen(ModalScreen[Choice]):
    """Not sent yet: something happened in the conversation since the reply was started."""

    DEFAULT_CSS = """
    CollisionScreen { align: center middle; }
    CollisionScreen > Vertical {
        width: 76; max-width: 100%; height: auto; max-height: 90%;
        border: thick $warning; background: $surface; padding: 0 1;
    }
    CollisionScreen #collision-title { text-style: bold; color: $warning; margin-bottom: 1; }
    CollisionScreen VerticalScroll { height: auto; max-height: 14; }
    CollisionScreen .arrival { margin-bottom: 1; }
    CollisionScreen Horizontal { height: auto; margin-top: 1; }
    CollisionScreen Button { margin-right: 1; }
    """

    BINDINGS = [
        Binding("s", "choose('send')", "Send anyway", id="collision.send"),
        Binding("e,escape", "choose('edit')", "Edit", id="collision.edit"),
        Binding("d", "choose('discard')", "Discard", id="collision.discard"),
    ]

    def __init__(self, collision: Collision) -> None:
        super().__init__()
        self.collision = collision

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(
                Content(f"Not sent: #{self.collision.conversation_id} changed while you wrote"),
                id="collision-title",
            )
            with VerticalScroll():
                for arrival in self.collision.customer_messages:
                    yield Static(arrival_content(arrival, "The customer wrote again:"), classes="arrival")
                for arrival in self.collision.other_replies:
                    yield Static(arrival_content(arrival, "Already answered by"), classes="arrival")
                for arrival in self.collision.other_notes:
                    yield Static(arrival_content(arrival, "Note by"), classes="arrival")
            with Horizontal():
                yield Button("Send anyway (s)", id="send", variant="warning")
                yield Button("Edit (e)", id="edit", variant="primary")
                yield Button("Discard (d)", id="discard", variant="error")

    def on_mount(self) -> None:
        self.query_one("#edit", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(Choice(event.button.id or "edit"))

    def action_choose(self, choice: str) -> None:
        self.dismiss(Choice(choice))
