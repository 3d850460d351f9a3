"""Snapshots of the main screens (pytest-textual-snapshot): update only after looking at the diff.

Each test builds the console on the demo store at the pinned time, waits until the
inbox and the highlighted conversation are on screen, then compares the SVG.
"""

from __future__ import annotations

from textual.pilot import Pilot

from agentdesk.app import AgentdeskApp
from tests.tui.helpers import loaded, settle, until


async def _ready(pilot: Pilot) -> None:
    await loaded(pilot)
    await settle(pilot)


def test_main_screen_120x40(console: AgentdeskApp, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(console, terminal_size=(120, 40), run_before=_ready)


def test_main_screen_80x24(console: AgentdeskApp, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(console, terminal_size=(80, 24), run_before=_ready)


def test_conversation_open_80x24(console: AgentdeskApp, snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def open_second(pilot: Pilot) -> None:
        screen = await loaded(pilot)
        await pilot.press("j", "enter")  # open the second conversation
        await until(pilot, lambda: screen.customer.region.height > 0 and screen.customer.detail is not None
                    and screen.customer.detail.row.id == screen.inbox_list.rows[1].id)
        await pilot.press("r", *"Hello")  # start a reply
        await settle(pilot)

    assert snap_compare(console, terminal_size=(80, 24), run_before=open_second)


def test_help_screen(console: AgentdeskApp, snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def help_open(pilot: Pilot) -> None:
        await loaded(pilot)
        await pilot.press("question_mark")
        await settle(pilot)

    assert snap_compare(console, terminal_size=(120, 40), run_before=help_open)


def test_first_frame_120x40(demo_path, no_user_config, snap_compare) -> None:  # type: ignore[no-untyped-def]
    """What start-up paints before the store layer has loaded (screens/start.py)."""
    import threading

    from tests.tui.test_start_screen import _app

    release = threading.Event()  # the store stays unopened until the screenshot is taken
    app = _app(demo_path, release)
    take_and_exit = app.exit

    def exit_and_release(*args, **kwargs):  # type: ignore[no-untyped-def]
        release.set()  # (the opening worker would otherwise hold the exit)
        return take_and_exit(*args, **kwargs)

    app.exit = exit_and_release  # type: ignore[method-assign]

    async def first_frame(pilot: Pilot) -> None:
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 40), run_before=first_frame)
