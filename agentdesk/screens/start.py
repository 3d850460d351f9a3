"""The first frame: the inbox's first page, painted before the store layer has loaded.

SQLAlchemy, SQLModel and the rest of the console cost ~500 ms of imports; a bare
Textual app paints in ~200 ms. This screen has the main screen's layout and its
inbox list (so j/k and the arrows already move), filled by
`services.first_page` with the standard library's sqlite3, while the app opens the
store in a thread worker. Then the app swaps in MainScreen with the same rows and
cursor (`Handover`) and presses the first other key typed meanwhile (r, Enter, /). It imports nothing from the store or services but read models.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Static

from agentdesk.services.views import Page, View
from agentdesk.widgets.inbox_list import InboxList, inbox_subtitle

#: Below this size the panes stack instead of sitting side by side (MainScreen too).
NARROW_WIDTH = 100
NARROW_HEIGHT = 30


def is_narrow(width: int, height: int) -> bool:
    return width < NARROW_WIDTH or height < NARROW_HEIGHT


class StacksWhenNarrow:
    """Both console screens: below 100x30 the panes stack (class `-narrow`), from the
    first frame on. A screen switched in later (the main screen after the first frame)
    gets no Resize event, so mounting and resuming fit the layout too."""

    def fit_layout(self: Screen[None]) -> None:  # type: ignore[misc]
        size = self.app.size
        self.set_class(is_narrow(size.width, size.height), "-narrow")

    def on_resize(self) -> None:
        self.fit_layout()  # type: ignore[attr-defined]

    def on_screen_resume(self) -> None:
        self.fit_layout()  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Handover:
    """What the first frame showed, for the main screen to carry on from."""

    page: Page
    total: int | None
    cursor_id: int | None
    typed: list[events.Key]
    """Keys pressed meanwhile that the inbox list did not use (the main screen presses the first)."""


class StartScreen(StacksWhenNarrow, Screen[None]):
    """The inbox's first page and the empty panes, until the store is open."""

    CSS_PATH = Path(__file__).parent.parent / "styles" / "main.tcss"
    DEFAULT_CSS = "StartScreen #lower > Static { height: 1fr; color: $text-muted; padding: 0 1; }"

    def __init__(self, first: tuple[Page, int] | None) -> None:
        super().__init__(classes="panes")
        self.first = first
        self.typed: list[events.Key] = []

    def compose(self) -> ComposeResult:
        inbox_list = InboxList(id="inbox")
        inbox_list.border_title = "Inbox"
        total = self.first[1] if self.first else None
        inbox_list.border_subtitle = inbox_subtitle(View.OPEN, total)
        yield inbox_list
        with Horizontal(id="lower"):
            customer = Static(id="customer")
            customer.border_title = "Customer"
            yield customer
            reply = Static("opening the store…" if self.first is None else "", id="reply")
            reply.border_title = "Reply"
            yield reply
        yield Footer()

    def on_mount(self) -> None:
        self.fit_layout()
        inbox_list = self.query_one(InboxList)
        inbox_list.focus()
        if self.first is not None:
            inbox_list.set_rows(self.first[0].rows, self.first[0].next)

    def on_key(self, event: events.Key) -> None:
        """A key that is not the inbox list's (r, /, a…) or quit: keep it for the main screen."""
        active = self.app.active_bindings.get(event.key)
        if active is not None and (isinstance(active.node, InboxList) or active.binding.action == "quit"):
            return  # moves the cursor (or quits) right now
        self.typed.append(events.Key(event.key, event.character))
        event.stop()

    @on(InboxList.Opened)
    def _opened(self, _message: InboxList.Opened) -> None:
        """Enter: the main screen opens the conversation under the cursor when it takes over."""
        self.typed.append(events.Key("enter", "\r"))

    def handover(self) -> Handover | None:
        """The rows, cursor and typed keys, or None when there was no first page."""
        if self.first is None:
            return None
        current = self.query_one(InboxList).current
        return Handover(self.first[0], self.first[1], current.id if current else None, self.typed)
