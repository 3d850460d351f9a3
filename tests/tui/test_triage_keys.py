"""The triage keys, driven by Pilot on a real demo store file (pinned clock)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlmodel import select

from agentdesk.app import AgentdeskApp, make_app
from agentdesk.config import AgentSettings, Settings
from agentdesk.screens.review_queue import ReviewQueueScreen
from agentdesk.screens.tag_picker import TagPicker
from agentdesk.screens.triage_dialogs import (
    ArticlePicker,
    SearchPrompt,
    SnoozePrompt,
    UrgencyScreen,
)
from agentdesk.services import Desk, agents, compose, tags
from agentdesk.services.views import View
from agentdesk.store.models import Conversation, OutboxItem, OutboxStatus, Status
from tests.console_fixtures import DEMO_AGENT
from tests.tui.helpers import loaded, until


def _conv(desk: Desk, conversation_id: int) -> Conversation:
    with desk.store.session() as session:
        conv = session.get(Conversation, conversation_id)
        assert conv is not None
        return conv


async def test_s_snoozes_with_typed_time(console: AgentdeskApp, demo_desk: Desk) -> None:
    async with console.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        cid = screen.inbox_list.current.id  # type: ignore[union-attr]
        await pilot.press("s")
        await until(pilot, lambda: isinstance(pilot.app.screen, SnoozePrompt))
        await pilot.press("9", "enter")  # refused (9:00? 9h? 9d?): the preview says why
        assert isinstance(pilot.app.screen, SnoozePrompt)
        await pilot.press("backspace", *"mon", "enter")
        await until(pilot, lambda: _conv(demo_desk, cid).status == Status.SNOOZED)
        await until(pilot, lambda: cid not in [r.id for r in screen.inbox_list.rows])
        await pilot.press("6")  # the snoozed view
        await until(pilot, lambda: cid in [r.id for r in screen.inbox_list.rows])


async def test_t_tags_with_fuzzy_picker_and_creates(console: AgentdeskApp, demo_desk: Desk) -> None:
    tags.add_tag(demo_desk, 2, "late by carrier")
    async with console.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        cid = screen.inbox_list.current.id  # type: ignore[union-attr]
        await pilot.press("t")
        await until(pilot, lambda: isinstance(pilot.app.screen, TagPicker))
        await pilot.press(*"lbc", "enter")  # fuzzy: late by carrier
        await until(pilot, lambda: tags.tags_of_one(demo_desk, cid) == ("late by carrier",))
        await until(pilot, lambda: screen.inbox_list.current is not None and screen.inbox_list.current.tags == ("late by carrier",))
        await pilot.press("t")
        await until(pilot, lambda: isinstance(pilot.app.screen, TagPicker))
        await pilot.press(*"Refund asked", "enter")  # new: created
        await until(pilot, lambda: tags.tags_of_one(demo_desk, cid) == ("late by carrier", "refund asked"))


async def test_p_sets_priority_and_slash_searches_in_the_inbox(console: AgentdeskApp, demo_desk: Desk) -> None:
    async with console.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        cid = screen.inbox_list.current.id  # type: ignore[union-attr]
        await pilot.press("p", "u")
        await until(pilot, lambda: _conv(demo_desk, cid).priority == "urgent")
        await pilot.press("slash")
        await until(pilot, lambda: isinstance(pilot.app.screen, SearchPrompt))
        await pilot.press(*"chargeback", "enter")
        await until(pilot, lambda: screen.search_query == "chargeback")
        rows = screen.inbox_list.rows
        assert rows and all("unacceptable" in r.title.lower() for r in rows)
        assert "Search" in str(screen.inbox_list.border_subtitle)
        # An action reloads the inbox: the search stays.
        await pilot.press("a")
        await until(pilot, lambda: screen.inbox_list.current is not None and screen.inbox_list.current.assignee == "demo")
        assert screen.search_query == "chargeback" and screen.inbox_list.rows[0].id in {r.id for r in rows}
        await pilot.press("slash")
        await until(pilot, lambda: isinstance(pilot.app.screen, SearchPrompt))
        await pilot.press("ctrl+u", "enter")  # empty: back to the view
        await until(pilot, lambda: screen.search_query is None and "All open" in str(screen.inbox_list.border_subtitle))
        await pilot.press("slash", *"is:x", "enter")  # a bad query leaves the inbox as is
        await until(pilot, lambda: screen.search_query is None and bool(screen.inbox_list.rows))


async def test_a_new_search_starts_at_its_best_match(console: AgentdeskApp) -> None:
    """Not at the row number the cursor had in the inbox before it."""
    async with console.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        await pilot.press("j", "j", "j", "slash", *"kettle", "enter")
        await until(pilot, lambda: screen.search_query == "kettle")
        assert len(screen.inbox_list.rows) > 3 and screen.inbox_list.cursor == 0
        await until(pilot, lambda: screen.customer.detail is not None
                    and screen.customer.detail.row.id == screen.inbox_list.rows[0].id)


async def test_U_shows_urgency_reasons(console: AgentdeskApp) -> None:
    async with console.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        await pilot.press("slash", *"chargeback", "enter")
        await until(pilot, lambda: screen.search_query == "chargeback")
        await pilot.press("U")
        await until(pilot, lambda: isinstance(pilot.app.screen, UrgencyScreen))
        report = pilot.app.screen.report  # type: ignore[attr-defined]
        assert report.score > 0 and any("chargeback" in r.label for r in report.reasons)
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(pilot.app.screen, UrgencyScreen))


async def test_review_queue_approve_and_return(demo_desk: Desk, no_user_config: None) -> None:
    agents.add(demo_desk.store, "kim", "Kim", agents.Role.TRAINEE)
    kim = Desk(demo_desk.store, AgentSettings(login="kim", name="Kim"))
    compose.queue(kim, 1, "first draft")
    compose.queue(kim, 2, "second draft")
    app = make_app(demo_desk)  # demo is a lead in the demo store
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        await pilot.press("8")  # needs approval view
        await until(pilot, lambda: sorted(r.id for r in screen.inbox_list.rows) == [1, 2])
        await pilot.press("Q")
        await until(pilot, lambda: isinstance(pilot.app.screen, ReviewQueueScreen) and len(pilot.app.screen.items) == 2)
        await pilot.press("y")  # approve the first
        await until(pilot, lambda: len(pilot.app.screen.items) == 1)  # type: ignore[attr-defined]
        await pilot.press("x", *"Be kinder", "enter")  # return the second
        await until(pilot, lambda: len(pilot.app.screen.items) == 0)  # type: ignore[attr-defined]
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(pilot.app.screen, ReviewQueueScreen))
    with demo_desk.store.session() as session:
        statuses = {i.conversation_id: i.status for i in session.exec(
            select(OutboxItem).where(OutboxItem.created_by == "kim"))}
    assert statuses == {1: OutboxStatus.QUEUED, 2: OutboxStatus.RETURNED}


async def test_K_inserts_a_knowledge_base_link(demo_desk: Desk, no_user_config: None, tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "tracking.md").write_text("# Where is my order?\n\nTracking updates in 1-2 days.", encoding="utf-8")
    settings = Settings(agent=DEMO_AGENT, raw={"kb": {"folder": str(folder), "base_url": "https://help.example"}})
    app = make_app(demo_desk, settings)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        await pilot.press("slash", *'subject:"where is my order"', "enter")
        await until(pilot, lambda: screen.search_query is not None and bool(screen.inbox_list.rows))
        await pilot.press("K")
        await until(pilot, lambda: isinstance(pilot.app.screen, ArticlePicker))
        await pilot.press("enter")
        await until(pilot, lambda: "https://help.example/tracking" in screen.composer.text)


async def test_triage_views_and_palette_list_every_triage_action(console: AgentdeskApp) -> None:
    from agentdesk.commands import ConsoleCommands

    async with console.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        for key, view in (("7", View.BREACHING), ("9", View.MENTIONS), ("1", View.OPEN)):
            await pilot.press(key)
            await until(pilot, lambda view=view: screen.view is view)
        provider = ConsoleCommands(screen, None)  # type: ignore[arg-type]
        titles = {title for title, _, _ in provider._commands()}
        assert {"Snooze", "Tag", "Priority", "Search", "Why urgent?", "Articles", "Review queue",
                "Pending + follow-up", "View: snoozed", "View: breaching soon", "View: needs approval",
                "View: mentions"} <= titles


async def test_alt_s_sends_and_sets_pending_with_follow_up(console: AgentdeskApp, demo_desk: Desk) -> None:
    async with console.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        cid = screen.inbox_list.current.id  # type: ignore[union-attr]
        await pilot.press("r", *"Photo?", "alt+s")
        await until(pilot, lambda: _conv(demo_desk, cid).status == Status.PENDING)
        conv = _conv(demo_desk, cid)
        assert conv.follow_up_at is not None and conv.follow_up_at - conv.updated_at == timedelta(days=3)
        await pilot.press("escape")
        await until(pilot, lambda: screen.inbox_list.current is not None and screen.inbox_list.current.id != cid)
        other = screen.inbox_list.current.id  # type: ignore[union-attr]
        await pilot.press("r", *"Ok", "ctrl+s")  # a plain send leaves the status alone
        await until(pilot, lambda: _conv(demo_desk, other).message_count > 1 and any(
            m.text == "Ok" for m in (screen.customer.detail.messages if screen.customer.detail else [])))
        assert _conv(demo_desk, other).status == Status.OPEN


async def test_space_marks_rows_for_bulk_snooze_tag_and_close(console: AgentdeskApp, demo_desk: Desk) -> None:
    async with console.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        first, second, third = (r.id for r in screen.inbox_list.rows[:3])
        await pilot.press("space", "space")  # marks the first two, the cursor moves down
        assert screen.inbox_list.marked == {first, second}
        await pilot.press("t")
        await until(pilot, lambda: isinstance(pilot.app.screen, TagPicker))
        await pilot.press(*"batch", "enter")
        await until(pilot, lambda: tags.tags_of_one(demo_desk, first) == ("batch",) == tags.tags_of_one(demo_desk, second))
        assert tags.tags_of_one(demo_desk, third) == () and not screen.inbox_list.marked
        await pilot.press("home", "space", "space", "s", *"3d", "enter")
        await until(pilot, lambda: _conv(demo_desk, first).status == _conv(demo_desk, second).status == Status.SNOOZED)
        await until(pilot, lambda: screen.inbox_list.rows[0].id == third)
        await pilot.press("space", "space", "asterisk")  # marks forgotten
        assert not screen.inbox_list.marked
        await pilot.press("home", "space", "space", "C")
        await until(pilot, lambda: _conv(demo_desk, third).status == Status.CLOSED)


async def test_the_minute_tick_warns_of_breaches_once(console: AgentdeskApp, demo_desk: Desk) -> None:
    from agentdesk.services import triage

    due = {a.id for a in triage.approaching(demo_desk)}
    assert due, "the demo has conversations close to breaching"
    async with console.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        assert not screen._warned  # nothing announced at start-up
        screen.triage_tick()  # what the one-minute timer runs
        await until(pilot, lambda: screen._warned == due)
        shown = len(pilot.app._notifications)
        screen.triage_tick()  # the same conversations are not announced twice
        await pilot.app.workers.wait_for_complete()
        await pilot.pause(0.05)
        assert len(pilot.app._notifications) == shown


async def test_v_marks_a_range_and_m_assigns_it(console: AgentdeskApp, demo_desk: Desk) -> None:
    async with console.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        await pilot.press("V")  # no anchor yet: a hint, nothing marked
        assert not screen.inbox_list.marked
        await pilot.press("j", "space", "j", "j", "V")  # space marks row 1 and moves on; V: rows 1 to 4
        wanted = {r.id for r in screen.inbox_list.rows[1:5]}
        assert screen.inbox_list.marked == wanted
        await pilot.press("M")
        await until(pilot, lambda: all(_conv(demo_desk, cid).assignee_id is not None for cid in wanted))
        assert not screen.inbox_list.marked


async def test_search_results_load_more_as_the_cursor_goes_down(
    tmp_path: Path, pinned_clock, no_user_config: None  # type: ignore[no-untyped-def]
) -> None:
    from agentdesk.demo import write_demo
    from agentdesk.services import search
    from agentdesk.store import Store

    store = Store.open(tmp_path / "many.db")
    write_demo(store, 900, agent_login=DEMO_AGENT.login)
    desk = Desk(store, DEMO_AGENT)
    expected = search.search(desk, "order", limit=2000)
    assert expected.total > 250, "enough matches for two pages"
    app = make_app(desk, Settings(agent=DEMO_AGENT, raw={"composer": {"undo_seconds": 0}}))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        await pilot.press("slash", *"order", "enter")
        await until(pilot, lambda: screen.search_query == "order")
        first_page = len(screen.inbox_list.rows)
        assert first_page < expected.total
        await pilot.press("G")  # to the end: every page of the results comes in
        await until(pilot, lambda: screen.inbox_list.next_cursor is None and len(screen.inbox_list.rows) > first_page)
        assert [r.id for r in screen.inbox_list.rows] == [r.id for r in expected.rows]
    store.dispose()


async def test_the_composer_suggests_templates_and_an_article_for_the_conversation(
    demo_desk: Desk, no_user_config: None, tmp_path: Path
) -> None:
    from agentdesk.widgets.suggestion_line import SuggestionLine

    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "tracking.md").write_text("# Tracking a late order\n\nTracking updates in 1-2 days.", encoding="utf-8")
    settings = Settings(agent=DEMO_AGENT, raw={"kb": {"folder": str(folder)}, "composer": {"undo_seconds": 0}})
    app = make_app(demo_desk, settings)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        await pilot.press("slash", *'subject:"where is my order"', "enter")
        await until(pilot, lambda: screen.search_query is not None and bool(screen.inbox_list.rows))
        await pilot.press("enter")
        line = screen.composer.query_one(SuggestionLine)
        await until(pilot, lambda: bool(line.templates) and bool(line.articles))
        text = str(line.render())
        assert text.startswith("Suggested: ") and "article: Tracking a late order (K)" in text
        assert any(word in text.lower() for word in ("arrived", "late", "order")), text
        assert line.display, "shown while the draft is empty"
        await pilot.press("r", *"Hi")
        assert not line.display, "hidden once the agent types"
