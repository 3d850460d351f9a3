"""Start-up as the console does it: the first page at once, the console behind it.

The app starts on StartScreen, filled by `services.first_page`, while a worker
imports the store layer and opens the store; here that worker waits for the test,
so the keys a quick user types in the meantime can be checked: j/k move at once, the
first other key (r) is pressed on the main screen when it is ready, and keys after it
are dropped with a notice (replayed, "r" then "close" could close a conversation).
"""

from __future__ import annotations

import threading
from pathlib import Path

from agentdesk.app import AgentdeskApp
from agentdesk.config import Settings
from agentdesk.screens.main import MainScreen
from agentdesk.screens.start import StartScreen
from agentdesk.services import Desk, first_page
from agentdesk.store import Store
from agentdesk.widgets.inbox_list import InboxList
from tests.console_fixtures import DEMO_AGENT
from tests.tui.helpers import until


def _app(path: Path, release: threading.Event) -> AgentdeskApp:
    def open_desk() -> Desk:
        assert release.wait(15), "the test never let the store open"
        return Desk(Store.open(path), DEMO_AGENT)

    settings = Settings(agent=DEMO_AGENT, raw={"composer": {"undo_seconds": 0}})
    return AgentdeskApp(None, settings, open_desk=open_desk, first=first_page.read(str(path)))


async def test_first_frame_moves_at_once_and_typed_keys_reach_the_console(
    demo_path: Path, no_user_config: None
) -> None:
    release = threading.Event()
    app = _app(demo_path, release)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, StartScreen)
        first = app.screen.query_one(InboxList)
        assert first.rows and "All open · " in str(first.border_subtitle)
        await pilot.press("j", "j")
        assert first.cursor == 2  # moved before the store layer has loaded
        chosen = first.rows[2].id
        await pilot.press("r", "c", "o")  # reply, typed ahead; c and o must not close or reopen
        assert isinstance(app.screen, StartScreen)
        release.set()
        await until(pilot, lambda: isinstance(app.screen, MainScreen))
        main = app.screen
        assert isinstance(main, MainScreen)
        await until(pilot, lambda: app.focused is main.composer.text_area)
        assert main.inbox_list.current is not None and main.inbox_list.current.id == chosen
        assert main.composer.conversation is not None and main.composer.conversation.id == chosen
        assert any("2 more key(s)" in str(n.message) for n in app._notifications)
        await pilot.press("h", "i")
        assert main.composer.text == "hi"
        assert main.inbox_list.current.status == "open"


async def test_first_frame_at_80x24_stacks_the_panes(demo_path: Path, no_user_config: None) -> None:
    release = threading.Event()
    app = _app(demo_path, release)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, StartScreen) and app.screen.has_class("-narrow")
        assert app.screen.query_one("#lower").display is False
        await pilot.press("enter")  # open, typed ahead
        release.set()
        await until(pilot, lambda: isinstance(app.screen, MainScreen) and app.screen.has_class("-reading"))
        main = app.screen
        # Switched in after the first frame (no Resize event of its own), it stacks too.
        assert main.has_class("-narrow")
        assert main.query_one("#inbox").display is False and main.query_one("#lower").display is True


async def test_main_screen_taking_over_at_80x24_shows_the_inbox_alone(
    demo_path: Path, no_user_config: None
) -> None:
    release = threading.Event()
    release.set()
    app = _app(demo_path, release)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, MainScreen) and bool(app.screen.inbox_list.rows))
        assert app.screen.has_class("-narrow")
        assert app.screen.query_one("#lower").display is False


async def test_store_that_cannot_open_ends_the_app_with_the_reason(
    tmp_path: Path, no_user_config: None
) -> None:
    def broken() -> Desk:
        raise PermissionError(f"unable to open database file {tmp_path / 'x.db'}")

    app = AgentdeskApp(None, Settings(agent=DEMO_AGENT), open_desk=broken, first=None)
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(200):  # (not `until`: it waits on workers, and this one failed)
            if app.return_code is not None:
                break
            await pilot.pause(0.02)
    assert app.return_code == 1


async def test_a_config_error_found_while_opening_ends_with_status_2(
    tmp_path: Path, no_user_config: None
) -> None:
    from agentdesk.config import ConfigError

    def bad_config() -> Desk:
        raise ConfigError("agent.timezone", tmp_path / "config.toml", "unknown time zone 'Mars/Olympus'")

    app = AgentdeskApp(None, Settings(agent=DEMO_AGENT), open_desk=bad_config, first=None)
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(200):
            if app.return_code is not None:
                break
            await pilot.pause(0.02)
    assert app.return_code == 2
