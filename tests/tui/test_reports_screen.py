"""The Reports screen on the hand-worked store of tests/report_fixture.py, clock pinned.

A small host app shows the screen alone (the console's `R` key pushes the very same
screen); it keeps the ConversationsChosen messages the screen posts.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import DataTable

from agentdesk import clock
from agentdesk.screens.reports import ReportsScreen
from agentdesk.services import Desk
from agentdesk.services.reports import Period
from agentdesk.store import Store
from tests.report_fixture import NOW, build_shop
from tests.seed import desk
from tests.tui.helpers import until


class Host(App[None]):
    """Just the Reports screen, for the last 7 days up to the pinned NOW."""

    def __init__(self, desk: Desk) -> None:
        super().__init__()
        self.desk = desk
        self.chosen: list[tuple[str, list[int]]] = []

    def on_mount(self) -> None:
        self.push_screen(ReportsScreen(self.desk, days=7))

    def on_reports_screen_conversations_chosen(self, message: ReportsScreen.ConversationsChosen) -> None:
        self.chosen.append((message.title, message.ids))


@pytest.fixture
def shop(tmp_path: Path, no_user_config: None) -> Iterator[tuple[Host, dict[str, int]]]:
    store = Store.open(tmp_path / "shop.db")
    ids = build_shop(store)  # leaves the clock pinned at NOW
    yield Host(desk(store, "ada", "Ada")), ids
    clock.freeze(None)
    store.dispose()


def screen_of(pilot: Pilot) -> ReportsScreen:
    screen = pilot.app.screen
    assert isinstance(screen, ReportsScreen)
    return screen


async def ready(pilot: Pilot) -> ReportsScreen:
    await until(pilot, lambda: isinstance(pilot.app.screen, ReportsScreen))
    screen = screen_of(pilot)
    await until(pilot, lambda: screen.report is not None)
    await pilot.pause(0.05)
    return screen


def test_reports_screen_80x24(shop: tuple[Host, dict[str, int]], snap_compare) -> None:  # type: ignore[no-untyped-def]
    app, _ = shop
    assert snap_compare(app, terminal_size=(80, 24), run_before=ready)


def test_reports_screen_by_agent_120x36(shop: tuple[Host, dict[str, int]], snap_compare) -> None:  # type: ignore[no-untyped-def]
    app, _ = shop

    async def agents(pilot: Pilot) -> None:
        await ready(pilot)
        await pilot.press("shift+tab", "right", "right")  # to the tabs, then to "Agent"
        await pilot.pause(0.05)

    assert snap_compare(app, terminal_size=(120, 36), run_before=agents)


async def test_enter_on_a_row_lists_its_conversations(shop: tuple[Host, dict[str, int]]) -> None:
    app, ids = shop
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await ready(pilot)
        assert screen.report is not None and screen.report.headline.conversations == 6
        await pilot.press("enter")  # first row of "Channel": email, the busiest
        await until(pilot, lambda: len(app.chosen) == 1)
        assert app.chosen[0] == ("Channel: email", [ids["C6"], ids["C5"], ids["C2"], ids["C1"]])
        table = screen.query_one("#by-agent-table", DataTable)
        screen.query_one("TabbedContent").active = "by-agent"  # type: ignore[attr-defined]
        table.focus()
        await pilot.press("down", "down", "enter")  # ada, (unassigned), sam
        await until(pilot, lambda: len(app.chosen) == 2)
        assert app.chosen[1] == ("Agent: Sam", [ids["C3"]])
        await pilot.press("w")  # the longest wait: C5, still unanswered
        await until(pilot, lambda: len(app.chosen) == 3)
        assert app.chosen[2] == ("Longest wait", [ids["C5"]])


async def test_period_keys_and_a_custom_period(shop: tuple[Host, dict[str, int]]) -> None:
    app, _ = shop
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await ready(pilot)
        await pilot.press("3")
        await until(pilot, lambda: screen.report is not None
                    and screen.report.period == Period.last(90, NOW))
        assert screen.report is not None and screen.report.headline.conversations == 8  # + C9, C10
        await pilot.press("p", *"2026-11-14 2026-11-16", "enter")
        custom = Period.of_dates(NOW.date().replace(day=14), NOW.date().replace(day=16))
        await until(pilot, lambda: screen.report is not None and screen.report.period == custom)
        assert screen.report.headline.conversations == 3  # C1, C2, C3
        await pilot.press("p", *"not a date", "enter")  # a warning; the report stays
        await pilot.pause(0.05)
        assert screen.report.period == custom
        await pilot.press("escape", "escape")  # close the field, then leave the screen
        await until(pilot, lambda: not isinstance(app.screen, ReportsScreen))


async def test_r_in_the_console_opens_reports(console) -> None:  # type: ignore[no-untyped-def]
    from tests.tui.helpers import loaded

    async with console.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        await pilot.press("R")
        screen = await ready(pilot)
        assert screen.report is not None and screen.report.headline.conversations > 0
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(console.screen, ReportsScreen))


async def test_enter_on_a_report_row_shows_its_conversations_in_the_inbox(console) -> None:  # type: ignore[no-untyped-def]
    from tests.tui.helpers import loaded, main_screen

    async with console.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await pilot.press("R")
        screen = await ready(pilot)
        assert screen.report is not None
        behind = screen.report.rows("channel")[0]
        await pilot.press("enter")  # the first row of "Channel"
        await until(pilot, lambda: not isinstance(console.screen, ReportsScreen))
        main = main_screen(pilot)
        await until(pilot, lambda: (main.search_query or "").startswith("id:") and bool(main.inbox_list.rows))
        shown = {r.id for r in main.inbox_list.rows}
        assert all(r.channel == behind.key or r.network == behind.key for r in main.inbox_list.rows)
        assert len(shown) == main.total
