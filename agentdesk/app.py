"""The agentdesk App, built by `make_app` from a Desk and settings (tests build the same)."""

from __future__ import annotations

import gc
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
        self._started = False

    def on_mount(self) -> None:
        keys = (self.settings.raw.get("keys") if self.settings else None) or {}
        if isinstance(keys, dict) and keys:
            # Users remap any binding by its id: [keys] reply = "R"
            self.set_keymap({str(k): str(v) for k, v in keys.items()})
        self.push_screen(MainScreen(self.desk))

    @on(PageLoaded)
    def _first_page(self, message: PageLoaded) -> None:
        """The first inbox page bubbled up once the screen showed it: start-up is over."""
        if message.after is not None or self._started:
            return
        self._started = True
        if not self.is_headless:  # a real terminal; never inside a test process
            # Everything alive now (modules, styles, widgets) lives as long as the app: out
            # of the collector's sight, a full collection takes a few ms instead of the
            # 100-250 ms a key press arriving meanwhile would wait for; and fewer of them
            # (bench/run, key to screen).
            gc.freeze()
            gc.set_threshold(5000, 50, 100)
        target = os.environ.get(EXIT_AFTER_PAINT)
        if target:  # the start-up probe
            self.call_after_refresh(self._painted, Path(target))

    def _painted(self, target: Path) -> None:
        target.write_text(repr(time.time()))
        self.exit()


def make_app(desk: Desk, settings: Settings | None = None) -> AgentdeskApp:
    """The app for `desk`; the CLI, the demo and the tests all build it here."""
    return AgentdeskApp(desk, settings)
