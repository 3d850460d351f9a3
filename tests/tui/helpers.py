"""Waiting for the console in Pilot tests without fixed sleeps."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from textual.css.query import NoMatches
from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from agentdesk.screens.main import MainScreen

#: Worker groups that run for the whole session.
LONG_LIVED = {"poller"}


async def until(pilot: Pilot, condition: Callable[[], bool], timeout: float = 15.0) -> None:
    """Let the app run until `condition()` holds; fail the test after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout

    def holds() -> bool:
        try:
            return condition()
        except NoMatches:  # a screen switched in but still composing has no widgets yet
            return False

    while not holds():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {condition}")
        await _short_workers_done(pilot)
        await pilot.pause(0.02)


async def settle(pilot: Pilot) -> None:
    """Let every short worker (store calls, template suggestions, drafts) finish, then paint."""
    for _ in range(3):
        await _short_workers_done(pilot)
        await pilot.pause(0.05)


async def _short_workers_done(pilot: Pilot) -> None:
    """Wait for the store calls in flight, not for long-lived workers (the poller)."""
    short = [w for w in pilot.app.workers if w.group not in LONG_LIVED]
    try:
        if short:  # (an empty list would mean "every worker" to Textual)
            await pilot.app.workers.wait_for_complete(short)
    except WorkerCancelled:  # an exclusive worker replaced by a newer one (live refresh)
        pass


def main_screen(pilot: Pilot) -> MainScreen:
    screen = pilot.app.screen
    assert isinstance(screen, MainScreen), f"expected the main screen, got {screen!r}"
    return screen


async def loaded(pilot: Pilot) -> MainScreen:
    """Wait until the inbox has rows and the highlighted conversation is shown."""
    await until(pilot, lambda: isinstance(pilot.app.screen, MainScreen))
    screen = main_screen(pilot)
    await until(pilot, lambda: bool(screen.inbox_list.rows))
    await shown(pilot, screen)
    return screen


async def shown(pilot: Pilot, screen: MainScreen) -> None:
    """Wait until the customer pane shows the highlighted conversation."""
    def ok() -> bool:
        current = screen.inbox_list.current
        detail = screen.customer.detail
        return current is not None and detail is not None and detail.row.id == current.id
    await until(pilot, ok)
