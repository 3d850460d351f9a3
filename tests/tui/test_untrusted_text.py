"""Customer text is shown literally: no Rich markup, no terminal escape sequences, no crash."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentdesk.app import make_app
from agentdesk.config import AgentSettings
from agentdesk.services import Desk
from agentdesk.store import Store
from agentdesk.text import clean, one_line, safe_filename
from tests.seed import inbound
from tests.tui.helpers import loaded

HOSTILE_SUBJECTS = [
    "[bold red]x[/]",
    "[/",
    "[b",
    "clear \x1b[2J screen",
    "title \x1b]0;pwned\x07 set",
    "[link=file:///etc/passwd]click[/link]",
    "$subject {{ 7*7 }}",
]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a\x1b[2Jb", "ab"),
        ("a\x1b]0;title\x07b", "ab"),
        ("a\x1b]8;;http://x\x1b\\b", "ab"),
        ("a\x9b31mb", "ab"),
        ("bell\x07 nul\x00", "bell nul"),
        ("rtl\u202eevil", "rtlevil"),
        ("line1\r\nline2", "line1\nline2"),
        ("[bold]kept[/]", "[bold]kept[/]"),
    ],
)
def test_clean_strips_terminal_controls_and_keeps_markup_literal(raw: str, expected: str) -> None:
    assert clean(raw) == expected


def test_one_line_and_filenames() -> None:
    assert one_line("a\nb\t c", 10) == "a b c"
    assert safe_filename("../../etc/passwd") == "passwd"
    assert safe_filename("..\\..\\boot.ini") == "boot.ini"
    assert safe_filename("\x1b[2Jinvoice.pdf") == "invoice.pdf"
    assert safe_filename("...") == "attachment"


async def test_hostile_subjects_and_bodies_render_literally(tmp_path: Path, no_user_config: None) -> None:
    store = Store.open(tmp_path / "hostile.db")
    for n, subject in enumerate(HOSTILE_SUBJECTS):
        inbound(store, address=f"evil{n}@example.test", subject=subject, text=f"body {subject}")
    # Intake cleans subjects; the screen must hold even for raw ones already in a store.
    raw_id, _ = inbound(store, address="raw@example.test", subject="to be replaced")
    with store.engine.begin() as db:
        db.exec_driver_sql(
            "UPDATE conversation SET subject = 'raw \x1b[31mred\x1b[0m' WHERE id = ?", (raw_id,)
        )
    app = make_app(Desk(store, AgentSettings("demo", "Demo")))
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await loaded(pilot)
        titles = {row.title for row in screen.inbox_list.rows}
        assert "[bold red]x[/]" in titles and "[/" in titles and "[b" in titles
        lines = "\n".join(
            "".join(segment.text for segment in screen.inbox_list.render_line(y))
            for y in range(len(HOSTILE_SUBJECTS) + 2)  # the header line, then every row
        )
        assert "[bold red]x[/]" in lines
        assert "[link=file:///etc/passwd]click[/link]" in lines
        assert "\x1b" not in lines and "\x07" not in lines
        assert "clear screen" in lines and "raw red" in lines
        for _ in HOSTILE_SUBJECTS:  # open each: the customer pane must not crash or interpret
            await pilot.press("enter", "j")
        await loaded(pilot)
        shown_text = str(screen.customer.query_one("#thread-title").render())
        assert "\x1b" not in shown_text
    store.dispose()
