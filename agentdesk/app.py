"""The agentdesk App, built by `make_app` from a Desk and settings (tests build the same)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from textual import on
from textual.app import App
from textual.binding import Binding

from agentdesk.commands import ConsoleCommands
from agentdesk.config import Settings
from agentdesk.messages import PageLoaded
from agentdesk.screens.main import MainScreen
from agentdesk.services import Desk

#: bench/run's start-up probe: when this names a file, the app writes the wall-clock
#: time (time.time()) of its first painted inbox page there and exits.
EXIT_AFTER_PAINT = "AGENTDESK_EXIT_AFTER_PAINT"


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

    @on(PageLoaded)
    def _first_page(self, message: PageLoaded) -> None:
        """The start-up probe (EXIT_AFTER_PAINT): the page bubbles up once the screen showed it."""
        target = os.environ.get(EXIT_AFTER_PAINT)
        if target and message.after is None:
            self.call_after_refresh(self._painted, Path(target))

    def _painted(self, target: Path) -> None:
        target.write_text(repr(time.time()))
        self.exit()


def make_app(desk: Desk, settings: Settings | None = None) -> AgentdeskApp:
    """The app for `desk`; the CLI, the demo and the tests all build it here."""
    return AgentdeskApp(desk, settings)
