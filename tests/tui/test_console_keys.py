"""Every keyboard flow of the console, driven by Pilot on a real demo store file."""

from __future__ import annotations

import re
from collections import Counter

from sqlmodel import select

from agentdesk.app import AgentdeskApp
from agentdesk.screens.help import HelpScreen
from agentdesk.services import Desk, inbox
from agentdesk.services.views import View
from agentdesk.store.models import Agent, Conversation, Direction, Message, OutboxItem
from agentdesk.widgets.composer import Composer
from agentdesk.widgets.inbox_list import Columns, InboxList
from tests.console_fixtures import PINNED_NOW as PINNED
from tests.tui.helpers import loaded, shown, until


async def test_j_k_and_arrows_move_and_the_customer_pane_follows(console: AgentdeskApp) -> None:
    async with console.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        rows = screen.inbox_list.rows
        await pilot.press("j")  # down one
        assert screen.inbox_list.cursor == 1
        await pilot.press("down")
        assert screen.inbox_list.cursor == 2
        await pilot.press("k")
        await shown(pilot, screen)
        assert screen.inbox_list.cursor == 1
        assert screen.customer.detail is not None
        assert screen.customer.detail.row.id == rows[1].id
        await pilot.press("up")
        assert screen.inbox_list.cursor == 0


async def test_enter_opens_thread_and_customer_history(console: AgentdeskApp, demo_desk: Desk) -> None:
    async with console.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        await pilot.press("j", "enter")
        await shown(pilot, screen)
        detail = screen.customer.detail
        assert detail is not None and detail.row.id == screen.inbox_list.rows[1].id
        with demo_desk.store.session() as session:
            stored = session.exec(select(Message).where(Message.conversation_id == detail.row.id)).all()
            past = session.exec(
                select(Conversation).where(Conversation.customer_id == detail.customer.id)
            ).all()
        assert [m.id for m in detail.messages] == sorted(m.id for m in stored)
        assert {p.id for p in detail.customer.conversations} == {p.id for p in past}
        assert detail.customer.addresses, "every address of the customer is shown"
        # The history as shown: every past conversation, dates in one column (#1 and #51).
        history = str(screen.customer.query_one("#history").render()).splitlines()[1:]
        assert len(history) == len(past) and len({len(str(p.id)) for p in past}) > 1
        dates = [re.search(r" \d{4}-\d\d-\d\d ", line) for line in history]
        assert all(dates) and len({d.start() for d in dates if d}) == 1, history


async def test_a_chat_shows_its_network_in_the_history_and_thread_title(console: AgentdeskApp) -> None:
    """The inbox says "telegram", not "chat": so do the customer's history and the thread."""
    async with console.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        index = next(i for i, r in enumerate(screen.inbox_list.rows) if r.network)
        row = screen.inbox_list.rows[index]
        await pilot.press(*["j"] * index, "enter")
        await until(pilot, lambda: screen.customer.detail is not None and screen.customer.detail.row.id == row.id)
        title = str(screen.customer.query_one("#thread-title").render())
        history = str(screen.customer.query_one("#history").render())
        assert f" · {row.network} · " in title
        assert f"#{row.id} " in history and f" {row.network} " in history.split(f"#{row.id} ")[1][:30]


async def test_the_customer_pane_starts_at_the_top_when_it_fits_and_at_the_newest_message_when_not(
    console: AgentdeskApp, demo_desk: Desk
) -> None:
    """A short conversation shows from the customer's name down (no blank lines above:
    Textualize/textual#6652); a long one shows its newest message."""
    from agentdesk.services import compose
    from agentdesk.services.compose import Kind

    async with console.run_test(size=(120, 60)) as pilot:  # a pane tall enough for a short one
        screen = await loaded(pilot)
        pane = screen.customer
        with demo_desk.store.session() as session:
            counts = Counter(m.conversation_id for m in session.exec(select(Message)))
        short = next(i for i, r in enumerate(screen.inbox_list.rows) if counts[r.id] == 1)
        long_id = screen.inbox_list.rows[short + 1].id
        for n in range(12):  # enough notes for the thread to outgrow the pane
            compose.queue(demo_desk, long_id, f"note {n}\nmore", Kind.NOTE)
        await pilot.press(*["j"] * (short + 1), "ctrl+r")  # the long one first, then back
        await until(pilot, lambda: pane.detail is not None and pane.detail.row.id == long_id
                    and len(pane.detail.messages) > 12)
        await until(pilot, lambda: pane.max_scroll_y > 0 and pane.scroll_y == pane.max_scroll_y)
        await pilot.press("k")
        await until(pilot, lambda: pane.detail is not None and len(pane.detail.messages) == 1)
        info = pane.query_one("#customer-info")
        await until(pilot, lambda: pane.max_scroll_y == 0)  # the short conversation fits (laid out)
        await pilot.pause(0.1)  # a frame more: the bug re-applied its offset on every arrange
        assert pane.scroll_y == 0 and info.region.y == pane.content_region.y


async def test_r_then_ctrl_s_queues_the_reply_and_shows_it(console: AgentdeskApp, demo_desk: Desk) -> None:
    async with console.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        conversation_id = screen.inbox_list.current.id  # type: ignore[union-attr]
        await pilot.press("r")
        assert screen.focused is screen.composer.text_area
        await pilot.press(*"On its way", "ctrl+s")
        await until(pilot, lambda: any(m.text == "On its way" for m in screen.customer.detail.messages))  # type: ignore[union-attr]
        with demo_desk.store.session() as session:
            item = session.exec(
                select(OutboxItem).where(OutboxItem.conversation_id == conversation_id)
            ).all()[-1]
            message = session.get(Message, item.message_id)
        assert message is not None and message.text == "On its way"
        assert message.direction == Direction.OUT
        assert item.status == "sent", "the demo channel delivers at once"
        assert screen.composer.text == "", "the sent draft is cleared"


async def test_n_writes_an_internal_note_that_never_reaches_the_outbox(
    console: AgentdeskApp, demo_desk: Desk
) -> None:
    async with console.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        conversation_id = screen.inbox_list.current.id  # type: ignore[union-attr]
        await pilot.press("n")
        assert screen.composer.has_class("-note")
        await pilot.press(*"VIP", "ctrl+s")
        await until(pilot, lambda: any(m.direction == "note" and m.text == "VIP" for m in screen.customer.detail.messages))  # type: ignore[union-attr]
        with demo_desk.store.session() as session:
            note = session.exec(
                select(Message).where(Message.conversation_id == conversation_id, Message.text == "VIP")
            ).one()
            outbox = session.exec(select(OutboxItem).where(OutboxItem.message_id == note.id)).all()
        assert note.direction == Direction.NOTE
        assert outbox == [], "a note never goes to the outbox"


async def test_a_assigns_to_me_and_the_row_shows_it(console: AgentdeskApp, demo_desk: Desk) -> None:
    async with console.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        target = next(r for r in screen.inbox_list.rows if r.assignee is None)
        screen.inbox_list.cursor = screen.inbox_list.rows.index(target)
        await pilot.press("a")
        await until(pilot, lambda: next(r for r in screen.inbox_list.rows if r.id == target.id).assignee == "demo")
        with demo_desk.store.session() as session:
            conv = session.get(Conversation, target.id)
            me = session.exec(select(Agent).where(Agent.login == "demo")).one()
        assert conv is not None and conv.assignee_id == me.id


async def test_c_closes_and_o_reopens(console: AgentdeskApp, demo_desk: Desk) -> None:
    async with console.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        target = screen.inbox_list.current
        assert target is not None
        await pilot.press("c")
        await until(pilot, lambda: all(r.id != target.id for r in screen.inbox_list.rows))
        with demo_desk.store.session() as session:
            assert session.get(Conversation, target.id).status == "closed"  # type: ignore[union-attr]
        await pilot.press("5")  # the closed view, newest first: the one just closed is on top
        await until(pilot, lambda: bool(screen.inbox_list.rows) and screen.view is View.CLOSED)
        position = next(i for i, r in enumerate(screen.inbox_list.rows) if r.id == target.id)
        screen.inbox_list.cursor = position
        await pilot.press("o")
        await until(pilot, lambda: all(r.id != target.id for r in screen.inbox_list.rows))
        with demo_desk.store.session() as session:
            assert session.get(Conversation, target.id).status == "open"  # type: ignore[union-attr]


async def test_number_keys_and_v_switch_views(console: AgentdeskApp, demo_desk: Desk) -> None:
    async with console.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        for key, view in [("2", View.MINE), ("3", View.UNASSIGNED), ("4", View.PENDING), ("5", View.CLOSED), ("1", View.OPEN)]:
            await pilot.press(key)
            await until(pilot, lambda: screen.total is not None)
            assert screen.view is view
            assert screen.total == inbox.count(demo_desk, view)
            assert [r.id for r in screen.inbox_list.rows] == [r.id for r in inbox.page(demo_desk, view).rows]
            assert screen.inbox_list.border_subtitle.startswith(  # type: ignore[union-attr]
                {"open": "All open", "mine": "Mine", "unassigned": "Unassigned", "pending": "Pending", "closed": "Closed"}[view.value]
            )
        await pilot.press("v")
        await until(pilot, lambda: screen.view is View.MINE)


async def test_question_mark_lists_every_key(console: AgentdeskApp) -> None:
    async with console.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(pilot.app.screen, HelpScreen))
        text = str(pilot.app.screen.query_one("#keys").render())
        for key, words in [("r", "Reply"), ("n", "Note"), ("ctrl+s", "Send"), ("a", "Assign to me"),
                           ("c", "Close"), ("o", "Reopen"), ("j", "Next"), ("enter", "Open"),
                           ("q", "Quit"), ("ctrl+p", "Command palette"), ("esc", "Back"), ("?", "Keys")]:
            assert key in text and words in text, (key, words)
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(pilot.app.screen, HelpScreen))


async def test_ctrl_p_palette_runs_an_action(console: AgentdeskApp, demo_desk: Desk) -> None:
    async with console.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        target = screen.inbox_list.current
        assert target is not None
        await pilot.press("ctrl+p")
        await pilot.press(*"close")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await until(pilot, lambda: all(r.id != target.id for r in screen.inbox_list.rows))
        with demo_desk.store.session() as session:
            assert session.get(Conversation, target.id).status == "closed"  # type: ignore[union-attr]


async def test_escape_goes_back_from_the_composer_and_keeps_the_draft(console: AgentdeskApp) -> None:
    async with console.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        first = screen.inbox_list.current
        await pilot.press("r", *"draft", "escape")
        assert isinstance(screen.focused, InboxList)
        await pilot.press("j")
        await shown(pilot, screen)
        assert screen.composer.text == ""
        await pilot.press("k")
        await shown(pilot, screen)
        assert screen.composer.conversation is not None and screen.composer.conversation.id == first.id  # type: ignore[union-attr]
        assert screen.composer.text == "draft"


async def test_q_quits(console: AgentdeskApp) -> None:
    async with console.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await pilot.press("q")
        await until(pilot, lambda: not pilot.app.is_running)


async def test_80x24_stacks_the_panes(console: AgentdeskApp) -> None:
    async with console.run_test(size=(80, 24)) as pilot:
        screen = await loaded(pilot)
        assert screen.narrow
        assert screen.inbox_list.display and screen.inbox_list.region.height > 10
        assert screen.customer.region.height == 0
        await pilot.press("enter")
        await until(pilot, lambda: screen.customer.region.height > 8)
        assert screen.inbox_list.region.height == 0
        assert screen.query_one(Composer).region.height >= 6
        await pilot.press("r", *"hi")
        assert screen.composer.text == "hi"
        await pilot.press("escape")
        await until(pilot, lambda: screen.inbox_list.region.height > 10)


async def test_a_failed_reply_shows_the_error_and_f_sends_it_again(console: AgentdeskApp, demo_desk: Desk) -> None:
    async with console.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        conversation_id = screen.inbox_list.current.id  # type: ignore[union-attr]
        await pilot.press("r", *"Your refund is on its way", "ctrl+s")
        await until(pilot, lambda: any(m.delivery == "sent" for m in screen.customer.detail.messages))  # type: ignore[union-attr]
        from agentdesk.channels.outbox import fail_for_good

        with demo_desk.store.session() as session:  # as if the SMTP server had refused it for good
            item = session.exec(select(OutboxItem).where(OutboxItem.conversation_id == conversation_id)).all()[-1]
            fail_for_good(session, item, "550 5.2.2 mailbox full")
        await pilot.press("ctrl+r")
        await until(pilot, lambda: any(m.delivery == "failed" for m in screen.customer.detail.messages))  # type: ignore[union-attr]
        await until(pilot, lambda: any(f"Reply not delivered on #{conversation_id}" in str(n.message)
                                       for n in pilot.app._notifications))
        thread = "\n".join(str(w.render()) for w in screen.customer.query(".message"))
        assert "not delivered: 550 5.2.2 mailbox full; F sends it again" in thread
        # The inbox line says so too, for whoever is not looking at this conversation.
        inbox = screen.inbox_list
        line = "".join(seg.text for seg in inbox.render_line(1 + inbox.cursor - round(inbox.scroll_offset.y)))  # below the header
        assert screen.inbox_list.current.undelivered and "unsent" in line  # type: ignore[union-attr]
        await pilot.press("escape", "F")  # out of the composer, then F
        await until(pilot, lambda: not any(m.delivery == "failed" for m in screen.customer.detail.messages))  # type: ignore[union-attr]
        await until(pilot, lambda: not screen.inbox_list.current.undelivered)  # type: ignore[union-attr]
        with demo_desk.store.session() as session:
            item = session.get(OutboxItem, item.id)
            assert item is not None and item.status == "sent" and item.attempts == 1


async def test_l_links_a_chat_customer_to_their_email_customer(console: AgentdeskApp, demo_desk: Desk) -> None:
    from agentdesk.screens.link_customer import LinkCustomerPrompt
    from agentdesk.store.models import ContactPoint, Customer

    with demo_desk.store.session() as session:  # a new chat customer who is really customer #1
        newcomer = Customer(name="ada on telegram", created_at=PINNED)
        session.add(newcomer)
        session.flush()
        session.add(ContactPoint(customer_id=newcomer.id, channel="chat", address="@ada_tg", network="telegram"))
        conv = session.exec(select(Conversation).where(Conversation.status == "open")).first()
        assert conv is not None
        conv.customer_id = newcomer.id  # type: ignore[assignment]
        target_id = conv.id
        first_email = session.exec(
            select(ContactPoint).where(ContactPoint.customer_id == 1, ContactPoint.channel == "email")
        ).one().address
    async with console.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        screen.inbox_list.cursor = next(i for i, r in enumerate(screen.inbox_list.rows) if r.id == target_id)
        await pilot.press("enter")
        await until(pilot, lambda: screen.customer.detail is not None and screen.customer.detail.row.id == target_id)
        await pilot.press("L")
        await until(pilot, lambda: isinstance(pilot.app.screen, LinkCustomerPrompt))
        await pilot.press(*first_email, "enter")
        await until(pilot, lambda: screen.customer.detail is not None and screen.customer.detail.customer.id == 1)
        addresses = {a.address for a in screen.customer.detail.customer.addresses}  # type: ignore[union-attr]
        assert {"@ada_tg", first_email} <= addresses, "one customer with both the handle and the address"


async def test_keys_remapped_in_the_config_work_and_show_in_help(demo_desk: Desk, no_user_config: None) -> None:
    from agentdesk.app import make_app
    from agentdesk.config import Settings
    from tests.console_fixtures import DEMO_AGENT

    settings = Settings(agent=DEMO_AGENT, raw={"keys": {"assign": "x"}, "composer": {"undo_seconds": 0}})
    async with make_app(demo_desk, settings).run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        target = next(r for r in screen.inbox_list.rows if r.assignee is None)
        screen.inbox_list.cursor = screen.inbox_list.rows.index(target)
        await pilot.press("x")
        await until(pilot, lambda: next(r for r in screen.inbox_list.rows if r.id == target.id).assignee == "demo")
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(pilot.app.screen, HelpScreen))
        text = str(pilot.app.screen.query_one("#keys").render())
        line = next(l for l in text.splitlines() if "Assign to me" in l and "marked" not in l)
        assert line.split()[0] == "x", line


async def test_a_reload_landing_late_leaves_the_cursor_where_the_agent_moved_it(
    console: AgentdeskApp, demo_desk: Desk
) -> None:
    """A live reload asked for on row 3 that lands after the agent pressed home must not
    pull the cursor back to row 3 (space would then mark, and C close, the wrong rows)."""
    from dataclasses import replace

    from agentdesk.messages import PageLoaded

    async with console.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        await pilot.press("j", "j")
        asked_on = screen.inbox_list.current.id  # type: ignore[union-attr]
        page = inbox.page(demo_desk, screen.view, None, inbox.PAGE_SIZE)  # what the reload read
        page = replace(page, rows=page.rows[::-1])  # and the order changed meanwhile
        await pilot.press("home")
        on = screen.inbox_list.current.id  # type: ignore[union-attr]
        screen.post_message(PageLoaded(screen.view, page, None, asked_on, screen.total))
        await until(pilot, lambda: screen.inbox_list.rows[0].id == page.rows[0].id)  # it landed
        assert screen.inbox_list.current.id == on != asked_on  # type: ignore[union-attr]


async def test_the_top_line_names_the_columns_and_stays_while_the_rows_scroll(console: AgentdeskApp) -> None:
    def line(y: int) -> str:
        return "".join(seg.text for seg in screen.inbox_list.render_line(y))

    async with console.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        inbox_list = screen.inbox_list
        header = line(0)
        for name in ("Channel", "Customer", "Subject", "Due", "Last", "Owner", "Status"):
            assert name in header
        for width in (78, 98, 118):  # no name cut short at 80 columns or wider
            assert "…" not in Columns.at(width).header()
        first = inbox_list.rows[0]
        assert first.customer.name in line(1)
        # Each name sits over its column: the status column starts where "Status" does.
        assert line(1).index(first.status, header.index("Owner") + 5) == header.index("Status")
        await pilot.press("G")  # to the last row: it shows on the bottom line, the header stays
        assert inbox_list.scroll_offset.y > 0 and line(0) == header
        assert inbox_list.rows[inbox_list.cursor].customer.name in line(inbox_list.size.height - 1)
        await pilot.click(InboxList, offset=(10, 1))  # the header: the cursor stays put
        assert inbox_list.cursor == len(inbox_list.rows) - 1
        await pilot.click(InboxList, offset=(10, 4))  # the third row shown
        assert inbox_list.cursor == round(inbox_list.scroll_offset.y) + 2
