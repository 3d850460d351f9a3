"""The agentdesk App, built by `make_app` from a Desk and settings (tests build the same)."""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.binding import Binding

from agentdesk.commands import ConsoleCommands
from agentdesk.config import Settings
from agentdesk.screens.main import MainScreen
from agentdesk.services import Desk


class AgentdeskApp(App[None]):
    """The support console: one main screen on one store."""

    TITLE = "agentdesk"
    COMMANDS = App.COMMANDS | {ConsoleCommands}
    BINDINGS = [
        Binding("q", "quit", "Quit", id="quit"),
        Binding("ctrl+p", "command_palette", "Command palette", show=False, id="palette"),
    ]

    def __init__(self, desk: Desk, settings: Settings | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.desk = desk
        self.settings = settings

    def on_mount(self) -> None:
        keys = (self.settings.raw.get("keys") if self.settings else None) or {}
        if isinstance(keys, dict) and keys:
            # Users remap any binding by its id: [keys] reply = "R"
            self.set_keymap({str(k): str(v) for k, v in keys.items()})
        self.push_screen(MainScreen(self.desk))


def make_app(desk: Desk, settings: Settings | None = None) -> AgentdeskApp:
    """The app for `desk`; the CLI, the demo and the tests all build it here."""
    return AgentdeskApp(desk, settings)
