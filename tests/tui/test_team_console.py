"""Two agents on one store file: ada in the console (Pilot), bo through the services.

Bo stands for another agent's console or the poller service: a second Store (its own
connections) on the same SQLite file. Nothing in ada's console is pressed while bo's
changes are expected to appear: they must arrive by live refresh within 2 seconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from agentdesk import clock
from agentdesk.app import AgentdeskApp, make_app
from agentdesk.config import AgentSettings, Settings
from agentdesk.screens.agent_picker import AgentPicker
from agentdesk.screens.collision import CollisionScreen
from agentdesk.services import Desk, agents, compose, conversations, drafts, presence
from agentdesk.services.presence import Activity
from agentdesk.store import Store
from agentdesk.store.models import Message, OutboxItem, Status
from tests.seed import inbound
from tests.tui.helpers import loaded, until

LIVE = 2.0  # the promise: others' changes on screen within this many seconds


@pytest.fixture
def ada(demo_path: Path, no_user_config: None) -> Iterator[Desk]:
    store = Store.open(demo_path)
    yield Desk(store, AgentSettings("ada", "Ada Lovelace"))
    store.dispose()


@pytest.fixture
def bo(demo_path: Path) -> Iterator[Desk]:
    store = Store.open(demo_path)
    agents.add(store, "bo", "Bo Jensen")
    yield Desk(store, AgentSettings("bo", "Bo Jensen"))
    store.dispose()


def _settings(desk: Desk, undo_seconds: float = 0) -> Settings:
    """Ada's settings; no undo window unless a test wants one."""
    return Settings(agent=desk.agent, raw={"composer": {"undo_seconds": undo_seconds}})


@pytest.fixture
def console(ada: Desk) -> AgentdeskApp:
    return make_app(ada, _settings(ada))


def _outbox_texts(desk: Desk, conversation_id: int) -> list[str]:
    with desk.store.session() as session:
        items = session.exec(select(OutboxItem).where(OutboxItem.conversation_id == conversation_id)).all()
        return [session.get(Message, i.message_id).text for i in items]  # type: ignore[union-attr]


async def test_changes_by_others_appear_without_a_key_press(console: AgentdeskApp, bo: Desk) -> None:
    async with console.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        first = screen.inbox_list.rows[0]
        count = len(screen.inbox_list.rows)
        conversations.assign_to(bo, first.id, "bo")
        await until(pilot, lambda: screen.inbox_list.rows[0].assignee == "bo", LIVE)
        await until(pilot, lambda: screen.customer.detail is not None
                    and screen.customer.detail.row.assignee == "bo", LIVE)
        conversations.set_status(bo, first.id, Status.CLOSED)
        await until(pilot, lambda: first.id not in {r.id for r in screen.inbox_list.rows}, LIVE)
        new_id, _ = inbound(bo.store, "zed@example.test", "Brand new mail", "Hello?",
                            at=clock.utcnow() - timedelta(days=30))
        await until(pilot, lambda: new_id in {r.id for r in screen.inbox_list.rows}, LIVE)
        assert len(screen.inbox_list.rows) == count  # one closed, one new


async def test_presence_of_another_agent_shows_and_goes(console: AgentdeskApp, bo: Desk, ada: Desk) -> None:
    async with console.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        cid = screen.inbox_list.current.id  # type: ignore[union-attr]
        presence.beat(bo, "bo-console", cid, Activity.REPLYING)
        await until(pilot, lambda: screen.inbox_list.presence.get(cid) == "bo✎", LIVE)
        await until(pilot, lambda: screen.customer.presence == "bo replying", LIVE)
        # ...and bo's console sees ada on it.
        seen = presence.others_on(bo, [cid], "bo-console")[cid]
        assert [p.label for p in seen] == ["ada viewing"]
        await pilot.press("r")
        await until(pilot, lambda: [p.label for p in presence.others_on(bo, [cid], "bo-console")[cid]]
                    == ["ada replying"], LIVE)
        presence.leave(bo, "bo-console")
        await until(pilot, lambda: cid not in screen.inbox_list.presence, LIVE)
        assert screen.customer.presence == ""
        # A console that dies without leaving is gone 30 s after its last beat.
        presence.beat(bo, "bo-console", cid)
        await until(pilot, lambda: screen.inbox_list.presence.get(cid) == "bo", LIVE)
        clock.freeze(clock.utcnow() + presence.GONE_AFTER + timedelta(seconds=1))
        await until(pilot, lambda: cid not in screen.inbox_list.presence, LIVE)


async def test_send_stops_when_another_agent_answered_meanwhile(console: AgentdeskApp, bo: Desk, ada: Desk) -> None:
    async with console.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        cid = screen.inbox_list.current.id  # type: ignore[union-attr]
        await pilot.press("r", *"Hello from Ada")
        compose.queue(bo, cid, "Bo already answered this")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(pilot.app.screen, CollisionScreen))
        dialog = pilot.app.screen
        assert isinstance(dialog, CollisionScreen)
        assert [r.author_address for r in dialog.collision.other_replies] == ["bo"]
        assert _outbox_texts(ada, cid) .count("Hello from Ada") == 0
        await pilot.press("e")  # edit: back to the composer, the text kept
        await until(pilot, lambda: not isinstance(pilot.app.screen, CollisionScreen))
        assert screen.composer.text == "Hello from Ada"
        await until(pilot, lambda: any(m.text == "Bo already answered this"
                                       for m in screen.customer.detail.messages), LIVE)  # type: ignore[union-attr]
        await pilot.press("ctrl+s")  # seen now: it goes
        await until(pilot, lambda: "Hello from Ada" in _outbox_texts(ada, cid))
        assert _outbox_texts(ada, cid).count("Hello from Ada") == 1


async def test_new_customer_message_stops_the_send_then_send_anyway_or_discard(
    console: AgentdeskApp, bo: Desk, ada: Desk
) -> None:
    async with console.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        cid = screen.inbox_list.current.id  # type: ignore[union-attr]
        await pilot.press("r", *"First answer")
        inbound(bo.store, text="Also, my address changed!", conversation_id=cid)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(pilot.app.screen, CollisionScreen))
        assert pilot.app.screen.collision.customer_messages[0].preview == "Also, my address changed!"  # type: ignore[attr-defined]
        await pilot.press("s")  # send anyway
        await until(pilot, lambda: _outbox_texts(ada, cid).count("First answer") == 1)
        await until(pilot, lambda: screen.composer.text == "")
        await pilot.press("r", *"Second answer")
        inbound(bo.store, text="Hello??", conversation_id=cid)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(pilot.app.screen, CollisionScreen))
        await pilot.press("d")  # discard
        await until(pilot, lambda: screen.composer.text == "")
        await until(pilot, lambda: drafts.mine(ada, cid) is None)
        assert "Second answer" not in _outbox_texts(ada, cid)


async def test_taking_over_keeps_the_other_agents_draft(console: AgentdeskApp, bo: Desk, ada: Desk) -> None:
    async with console.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        cid = screen.inbox_list.current.id  # type: ignore[union-attr]
        conversations.assign_to(bo, cid, "bo")
        drafts.save(bo, cid, "Dear customer, I am checking with the warehouse")
        await pilot.press("a")  # ada takes it over
        await until(pilot, lambda: screen.inbox_list.current is not None
                    and screen.inbox_list.current.assignee == "ada")
        await pilot.press("r", *"Ada here")
        await until(pilot, lambda: (d := drafts.mine(ada, cid)) is not None and d.text == "Ada here")
        kept = drafts.mine(bo, cid)
        assert kept is not None and kept.text == "Dear customer, I am checking with the warehouse"


async def test_assign_to_an_agent_with_the_picker_and_unassign(console: AgentdeskApp, bo: Desk) -> None:
    async with console.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        cid = screen.inbox_list.current.id  # type: ignore[union-attr]
        await pilot.press("A")
        await until(pilot, lambda: isinstance(pilot.app.screen, AgentPicker))
        picker = pilot.app.screen
        assert isinstance(picker, AgentPicker)
        logins = [a.login for a in picker.agents]
        assert {"ada", "bo"} <= set(logins)
        for _ in range(logins.index("bo") - 0):
            await pilot.press("down")
        await pilot.press("enter")
        await until(pilot, lambda: conversations.open_detail(bo, cid).row.assignee == "bo")
        await until(pilot, lambda: screen.inbox_list.current is not None
                    and screen.inbox_list.current.id == cid and screen.inbox_list.current.assignee == "bo")
        await pilot.press("u")
        await until(pilot, lambda: conversations.open_detail(bo, cid).row.assignee is None)


async def test_a_restarted_console_gets_its_draft_back(demo_path: Path, ada: Desk, no_user_config: None) -> None:
    first_id = None
    app = make_app(ada, _settings(ada))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        first_id = screen.inbox_list.current.id  # type: ignore[union-attr]
        await pilot.press("r", *"Half a reply")
        await until(pilot, lambda: (d := drafts.mine(ada, first_id)) is not None and d.text == "Half a reply")
    again = make_app(ada, _settings(ada))
    async with again.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        await until(pilot, lambda: screen.composer.text == "Half a reply")


async def test_a_customer_message_during_the_undo_window_stops_the_send(ada: Desk, bo: Desk) -> None:
    app = make_app(ada, _settings(ada, undo_seconds=3))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        cid = screen.inbox_list.current.id  # type: ignore[union-attr]
        await pilot.press("r", *"On its way", "ctrl+s")
        await until(pilot, lambda: screen.composer.text_area.read_only)  # held in the undo window
        inbound(bo.store, text="Cancel my order please", conversation_id=cid)
        await until(pilot, lambda: isinstance(pilot.app.screen, CollisionScreen))
        assert "On its way" not in _outbox_texts(ada, cid)
        await pilot.press("e")  # edit: the reply is editable again in the composer
        await until(pilot, lambda: screen.composer.text == "On its way" and not screen.composer.text_area.read_only)
        await pilot.press("end", *" today", "ctrl+s")
        await until(pilot, lambda: "On its way today" in _outbox_texts(ada, cid), 8)


async def test_two_consoles_see_each_other(demo_path: Path, ada: Desk, bo: Desk) -> None:
    """Two real apps on one store file: a change and presence in one show in the other."""
    first, second = make_app(ada, _settings(ada)), make_app(bo, _settings(bo))
    async with first.run_test(size=(120, 40)) as pa, second.run_test(size=(120, 40)) as pb:
        screen_a, screen_b = await loaded(pa), await loaded(pb)
        cid = screen_a.inbox_list.current.id  # type: ignore[union-attr]
        assert screen_b.inbox_list.current.id == cid  # type: ignore[union-attr]
        await pb.press("r")  # bo starts replying
        await until(pa, lambda: screen_a.inbox_list.presence.get(cid) == "bo✎", LIVE)
        await until(pb, lambda: screen_b.inbox_list.presence.get(cid) == "ada", LIVE)
        await pa.press("a")  # ada assigns it to herself
        await until(pb, lambda: screen_b.customer.detail is not None
                    and screen_b.customer.detail.row.assignee == "ada", LIVE)


async def test_live_refresh_and_presence_on_postgresql(pg_server, pinned_clock, no_user_config: None) -> None:  # type: ignore[no-untyped-def]
    """The same console on a PostgreSQL store: LISTEN/NOTIFY brings bo's changes."""
    from agentdesk.demo import write_demo
    from tests.pg import TEMPLATE

    url = pg_server.create_database(TEMPLATE)
    store_a, store_b = Store.open(url), Store.open(url, migrate=False)
    try:
        write_demo(store_a, agent_login="ada")
        agents.add(store_b, "bo", "Bo Jensen")
        ada = Desk(store_a, AgentSettings("ada", "Ada Lovelace"))
        bo = Desk(store_b, AgentSettings("bo", "Bo Jensen"))
        app = make_app(ada, _settings(ada))
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await loaded(pilot)
            cid = screen.inbox_list.current.id  # type: ignore[union-attr]
            conversations.assign_to(bo, cid, "bo")
            await until(pilot, lambda: screen.inbox_list.rows[0].assignee == "bo", LIVE)
            presence.beat(bo, "bo-console", cid, Activity.REPLYING)
            await until(pilot, lambda: screen.customer.presence == "bo replying", LIVE)
            new_id, _ = inbound(store_b, "zed@example.test", "Brand new mail", "Hello?",
                                at=clock.utcnow() - timedelta(days=30))
            await until(pilot, lambda: new_id in {r.id for r in screen.inbox_list.rows}, LIVE)
    finally:
        store_a.dispose()
        store_b.dispose()
