"""Templates in the composer, by keyboard: Alt+N, Ctrl+T, ;shortcut Tab, placeholders, LATTE, $EDITOR."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sqlmodel import select
from textual.pilot import Pilot

from agentdesk.app import AgentdeskApp, make_app
from agentdesk.config import Settings
from agentdesk.screens.main import MainScreen
from agentdesk.screens.template_picker import TemplatePicker
from agentdesk.services import Desk
from agentdesk.store.models import Direction, Message, OutboxItem
from agentdesk.widgets.latte_line import LatteLine
from agentdesk.widgets.reply_area import ReplyArea
from tests.console_fixtures import DEMO_AGENT
from tests.tui.helpers import settle, loaded, shown, until


def settings_for(tmp_path: Path, **raw: object) -> Settings:
    base: dict[str, object] = {
        "shop": {"name": "The Tea Shop"},
        "templates": {"team": str(tmp_path / "team"), "personal": str(tmp_path / "me")},
        "composer": {"undo_seconds": 0},
    }
    base.update(raw)
    return Settings(agent=DEMO_AGENT, raw=base)


@pytest.fixture
def composer_app(demo_desk: Desk, no_user_config: None, tmp_path: Path) -> AgentdeskApp:
    return make_app(demo_desk, settings_for(tmp_path))


async def replying(pilot: Pilot, conversation_id: int | None = None) -> tuple[MainScreen, ReplyArea]:
    """Open the composer on `conversation_id` (else the first row) once its detail is loaded."""
    screen = await loaded(pilot)
    if conversation_id is not None:
        index = next(i for i, r in enumerate(screen.inbox_list.rows) if r.id == conversation_id)
        screen.inbox_list.cursor = index
        await shown(pilot, screen)
    area = screen.composer.text_area
    await until(pilot, lambda: area.templates is not None)
    await pilot.press("r")
    await until(pilot, lambda: area.detail is not None and area.detail.row.id == area.conversation_id())
    return screen, area


async def test_alt_1_inserts_at_the_cursor_after_the_draft_and_selects_the_placeholder(
    composer_app: AgentdeskApp,
) -> None:
    async with composer_app.run_test(size=(120, 40)) as pilot:
        _screen, area = await replying(pilot, 1)
        await pilot.press(*"Hello", "alt+1")
        assert area.text.startswith("Hello\n\nHi Ada,\n\nThank you for letting us know that order #10000")
        assert area.selected_text == "«what the tracking shows»"
        await pilot.press(*"it is stuck")  # typing fills the placeholder
        assert "I've checked the tracking and it is stuck. " in area.text
        assert area.text.endswith("Demo Agent\nThe Tea Shop")


async def test_ctrl_t_picker_filters_previews_and_inserts(composer_app: AgentdeskApp) -> None:
    async with composer_app.run_test(size=(120, 40)) as pilot:
        _screen, area = await replying(pilot, 1)
        await pilot.press("ctrl+t")
        await until(pilot, lambda: isinstance(pilot.app.screen, TemplatePicker))
        picker = pilot.app.screen
        assert isinstance(picker, TemplatePicker)
        assert picker.matches[0].name == "order-not-arrived"  # best fit for this conversation
        await pilot.press(*"damaged")
        assert picker.matches[0].name == "package-damaged"
        preview = str(picker.query_one("#picker-preview").render())
        assert "Hi Ada," in preview and "order #10000 arrived damaged" in preview
        await pilot.press("enter")
        await until(pilot, lambda: not isinstance(pilot.app.screen, TemplatePicker))
        assert "I'm so sorry your order #10000 arrived damaged" in area.text
        assert area.selected_text == "«damaged items»" and pilot.app.focused is area


async def test_shortcut_tab_expands_in_place_and_stacks_two_templates(composer_app: AgentdeskApp) -> None:
    async with composer_app.run_test(size=(120, 40)) as pilot:
        _screen, area = await replying(pilot, 1)
        await pilot.press(*";hi", "tab")
        assert area.text == "Hi Ada,"
        await pilot.press("enter", "enter", *";tfw", "tab", "enter", *";thx", "tab")
        # A multi-line block starts its own paragraph under text.
        assert area.text == ("Hi Ada,\n\nThank you for getting in touch with us.\n\n"
                             "Thanks again,\nDemo Agent\nThe Tea Shop")
        await pilot.press(*" ;nope", "tab")
        assert area.text.endswith(";nope")  # an unknown shortcut is left alone


async def test_tab_and_shift_tab_jump_between_placeholders_and_send_refuses_until_filled(
    composer_app: AgentdeskApp, demo_desk: Desk
) -> None:
    async with composer_app.run_test(size=(120, 40)) as pilot:
        screen, area = await replying(pilot, 1)
        await pilot.press("alt+5")  # wrong item: «item ordered», «item received»
        assert area.selected_text == "«item ordered»"
        await pilot.press("tab")
        assert area.selected_text == "«item received»"
        await pilot.press("shift+tab")
        assert area.selected_text == "«item ordered»"
        await pilot.press("ctrl+s")
        assert screen.composer.send_problem() == (
            "Fill the placeholder «item ordered» and 1 more first (Tab jumps to it).")
        await pilot.press(*"a green teapot", "tab", *"a blue one", "ctrl+s")
        await until(pilot, lambda: area.text == "")
        with demo_desk.store.session() as session:
            sent = session.exec(select(Message).where(Message.conversation_id == 1,
                                                      Message.direction == Direction.OUT)).one()
        assert "You ordered a green teapot and received a blue one instead." in sent.text


async def test_missing_variable_is_a_placeholder_and_latte_line_warns(
    demo_desk: Desk, no_user_config: None, tmp_path: Path
) -> None:
    from agentdesk.store.models import Conversation, Customer

    with demo_desk.store.session() as session:  # a customer known only by address: no first name
        conversation = session.get(Conversation, 1)
        session.get(Customer, conversation.customer_id).name = "ada@example.com"  # type: ignore[union-attr]
    app = make_app(demo_desk, settings_for(tmp_path, latte={"block_agents": ["demo"]}))
    async with app.run_test(size=(120, 40)) as pilot:
        screen, area = await replying(pilot, 1)
        line = screen.composer.query_one(LatteLine)
        await pilot.press(*"Hello there")
        assert "missing: Listen, Acknowledge, Take action, Thank, Explain" in str(line.render())
        assert line.has_class("-blocking")
        assert screen.composer.send_problem() is not None
        await pilot.press("enter", *";hi", "tab")
        assert area.text.endswith("\nHi «customer.first_name»,")
        assert area.selected_text == "«customer.first_name»"
        await pilot.press(*"Ada", "end", "enter", "alt+1")
        assert area.selected_text == "«customer.first_name»"  # the reply greets again
        await pilot.press(*"Ada", "tab", *"it is moving again")
        assert str(line.render()) == "LATTE ✓L ✓A ✓T ✓T ✓E"
        assert screen.composer.send_problem() is None, area.text


async def test_ctrl_e_round_trips_through_the_editor(
    composer_app: AgentdeskApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    editor = tmp_path / "editor.py"
    editor.write_text("import sys\np = sys.argv[1]\nt = open(p).read()\n"
                      "open(p, 'w').write(t.replace('draft', 'edited draft') + '\\nP.S. more\\n')\n")
    monkeypatch.setenv("EDITOR", f"{sys.executable} {editor}")
    monkeypatch.delenv("VISUAL", raising=False)
    async with composer_app.run_test(size=(120, 40)) as pilot:
        _screen, area = await replying(pilot, 1)
        await pilot.press(*"my draft", "ctrl+e")
        await until(pilot, lambda: area.text == "my edited draft\nP.S. more")


async def test_keystrokes_from_inbox_to_queued_order_not_arrived_reply(
    composer_app: AgentdeskApp, demo_desk: Desk
) -> None:
    async with composer_app.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        area = screen.composer.text_area
        await until(pilot, lambda: area.templates is not None)
        keys: list[str] = []

        async def press(*pressed: str) -> None:
            keys.extend(pressed)
            await pilot.press(*pressed)

        await press("3")  # the unassigned view, where the order questions wait
        await until(pilot, lambda: bool(screen.inbox_list.rows) and screen.view.value == "unassigned")
        target = next(i for i, r in enumerate(screen.inbox_list.rows) if r.title.startswith("Where is my order"))
        await press(*["j"] * target)
        await shown(pilot, screen)
        conversation_id = screen.inbox_list.rows[target].id
        await press("r", "alt+1")
        typed = "it left the depot on Monday"
        await pilot.press(*typed)
        await press("ctrl+s")
        await until(pilot, lambda: area.text == "")
        with demo_desk.store.session() as session:
            reply = session.exec(select(Message).where(Message.conversation_id == conversation_id,
                                                       Message.direction == Direction.OUT)).one()
            assert session.exec(select(OutboxItem).where(OutboxItem.message_id == reply.id)).one()
        assert typed in reply.text
        print(f"keystrokes from the inbox to a queued reply: {len(keys)} ({' '.join(keys)}) "
              f"plus {len(typed)} characters typed into the placeholder")
        assert len(keys) <= 8


def out_messages(desk: Desk, conversation_id: int) -> list[Message]:
    with desk.store.session() as session:
        return list(session.exec(select(Message).where(Message.conversation_id == conversation_id,
                                                       Message.direction == Direction.OUT)))


async def test_ctrl_s_waits_an_undo_window_and_ctrl_z_pulls_the_reply_back(
    demo_desk: Desk, no_user_config: None, tmp_path: Path
) -> None:
    # Long enough that a loaded CI machine still presses the keys inside the window.
    app = make_app(demo_desk, settings_for(tmp_path, composer={"undo_seconds": 4}))
    async with app.run_test(size=(120, 40)) as pilot:
        screen, area = await replying(pilot, 1)
        await pilot.press(*"Sorry, on its way", "ctrl+s")
        await until(pilot, lambda: area.read_only, timeout=3)
        await pilot.press(*"xy")
        assert area.read_only and area.text == "Sorry, on its way"  # waiting: not editable
        assert out_messages(demo_desk, 1) == []
        await pilot.press("ctrl+z")  # inside the window: editable again, unsent
        assert not area.read_only and screen.composer._pending is None  # its timer is stopped
        await pilot.press(*" today", "ctrl+s")
        await until(pilot, lambda: area.text == "", timeout=20)
        await settle(pilot)  # the reload after the send (and its draft bookkeeping) is done
        assert [m.text for m in out_messages(demo_desk, 1)] == ["Sorry, on its way today"]
        await pilot.press(*"sent on quit", "ctrl+s")
        # The collision check runs in a worker before the window starts.
        await until(pilot, lambda: screen.composer._pending is not None, timeout=3)
    # Quitting inside the window sends it rather than losing it.
    assert [m.text for m in out_messages(demo_desk, 1)][-1] == "sent on quit"


async def test_customer_text_stays_literal_and_the_sandbox_refuses_in_the_composer(
    demo_desk: Desk, no_user_config: None, tmp_path: Path
) -> None:
    from agentdesk.store.models import Conversation, Customer

    with demo_desk.store.session() as session:
        conversation = session.get(Conversation, 1)
        customer = session.get(Customer, conversation.customer_id)  # type: ignore[union-attr]
        customer.name = "{{ 7*7 }} {% for x in range(3) %}x{% endfor %} [b]bold[/b]"  # type: ignore[union-attr]
    team = tmp_path / "team"
    team.mkdir()
    (team / "evil.md").write_text("---\nname: evil\nshortcut: evil\nkind: snippet\n---\n"
                                  "{{ customer.__class__.__mro__ }}\n")
    async with make_app(demo_desk, settings_for(tmp_path)).run_test(size=(120, 40)) as pilot:
        _screen, area = await replying(pilot, 1)
        await pilot.press(*";hello", "tab")
        assert area.text == "Hello {{ 7*7 }} {% for x in range(3) %}x{% endfor %} [b]bold[/b],"
        await pilot.press("enter", *";evil", "tab")
        assert area.text.endswith(";evil")  # refused by the sandbox: nothing inserted
