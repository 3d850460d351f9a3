"""The agentdesk App: built by `make_app` on an open Desk (tests, the demo), or by
`opening_app` on a store location (the console), which paints the inbox's first page
before the store layer has even been imported (agentdesk/screens/start.py).

This module imports nothing heavy at the top: the console's start-up goes through it.
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentdesk import frames  # noqa: F401 (first: Textual reads its frame rate on import)

# isort: split
from textual import on, work
from textual.app import App
from textual.binding import Binding
from textual.worker import Worker, WorkerState

from agentdesk.commands import ConsoleCommands
from agentdesk.config import ConfigError, Settings
from agentdesk.messages import PageLoaded
from agentdesk.screens.start import StartScreen
from agentdesk.services.views import Page

if TYPE_CHECKING:
    from agentdesk.services import Desk

#: bench/run's start-up probe: when this names a file, the app writes the wall-clock
#: time (time.time()) of its first painted inbox page there, then, once the whole
#: console is ready, the time of that on a second line, and exits.
EXIT_AFTER_PAINT = "AGENTDESK_EXIT_AFTER_PAINT"


class AgentdeskApp(App[None]):
    """The support console: one main screen on one store."""

    TITLE = "agentdesk"
    COMMANDS = App.COMMANDS | {ConsoleCommands}
    BINDINGS = [
        Binding("q", "quit", "Quit", id="quit"),
        Binding("ctrl+p", "command_palette", "Command palette", show=False, id="palette"),
    ]

    def __init__(
        self,
        desk: Desk | None,
        settings: Settings | None = None,
        *,
        open_desk: Callable[[], Desk] | None = None,
        first: tuple[Page, int] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.desk = desk
        self.settings = settings
        self._open_desk = open_desk
        self._first = first
        self._painted = False
        self._started = False

    def on_mount(self) -> None:
        keys = (self.settings.raw.get("keys") if self.settings else None) or {}
        if isinstance(keys, dict) and keys:
            # Users remap any binding by its id: [keys] reply = "R"
            self.set_keymap({str(k): str(v) for k, v in keys.items()})
        if self.desk is not None:
            self._show_main(self.desk, None)
            return
        self.push_screen(StartScreen(self._first))
        if self._first is not None:
            self.call_after_refresh(self._inbox_painted)
        # After the first frame, so that the store layer's imports do not delay it.
        self.call_after_refresh(self._open_store)

    def _show_main(self, desk: Desk, start: StartScreen | None) -> None:
        from agentdesk.screens.main import MainScreen  # the whole console: ~400 ms of imports

        screen = MainScreen(desk, start.handover() if start else None)
        if start is None:
            self.push_screen(screen)
        else:
            self.switch_screen(screen)

    @work(thread=True, group="open", exit_on_error=False)
    def _open_store(self) -> None:
        """Import the console and open (and if need be migrate) the store, off the UI thread."""
        assert self._open_desk is not None
        import agentdesk.screens.main  # noqa: F401  (its imports, here rather than on the UI thread)

        desk = self._open_desk()
        self.call_from_thread(self._store_open, desk)

    def _store_open(self, desk: Desk) -> None:
        self.desk = desk
        start = self.screen if isinstance(self.screen, StartScreen) else None
        self._show_main(desk, start)

    @on(Worker.StateChanged)
    def _open_failed(self, event: Worker.StateChanged) -> None:
        """The store could not be opened: leave the terminal and say why, as the CLI would."""
        if event.worker.group == "open" and event.state is WorkerState.ERROR:
            error = event.worker.error
            # As the CLI's own checks: 2 for a config error (it names the key and file).
            self.exit(return_code=2 if isinstance(error, ConfigError) else 1, message=f"agentdesk: {error}")

    @on(PageLoaded)
    def _first_page(self, message: PageLoaded) -> None:
        """The main screen's first inbox page bubbled up: start-up is over."""
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
        if not self._painted:
            self.call_after_refresh(self._inbox_painted)
        self.call_after_refresh(self._console_ready)

    def _inbox_painted(self) -> None:
        """The first inbox page is on screen (the start-up probe's first figure)."""
        self._painted = True
        target = os.environ.get(EXIT_AFTER_PAINT)
        if target:
            Path(target).write_text(f"{time.time()!r}\n")

    def _console_ready(self) -> None:
        """The whole console is ready (the probe's second figure, then it exits)."""
        target = os.environ.get(EXIT_AFTER_PAINT)
        if target:
            with Path(target).open("a") as out:
                out.write(f"{time.time()!r}\n")
            self.exit()


def make_app(desk: Desk, settings: Settings | None = None) -> AgentdeskApp:
    """The app on an open `desk`; the demo and the tests build it here."""
    return AgentdeskApp(desk, settings)


def opening_app(location: str, settings: Settings) -> AgentdeskApp:
    """The console on the store at `location`: first page at once, the rest behind it."""
    from agentdesk.services import first_page

    def open_desk() -> Desk:
        from agentdesk.services import Desk
        from agentdesk.services.triage import TriageSettings
        from agentdesk.store import Store

        # SLA targets and urgency words for every writer this process runs (the poller too).
        TriageSettings.from_config(settings.raw, settings.file).install()
        return Desk.for_settings(Store.open(location), settings)

    return AgentdeskApp(None, settings, open_desk=open_desk, first=first_page.read(location))
