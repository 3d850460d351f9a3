"""The inbox: a windowed list of conversations drawn with Textual's Line API.

Only the visible lines are rendered (`render_line`), and rows arrive in keyset pages
from the store, so the list costs the same at 60 conversations as at 100,000. When
the cursor nears the end of what is loaded, the list asks for the next page. The top
line names the columns and stays put while the rows scroll under it.

| Key | Action |
| --- | --- |
| j / down | next conversation |
| k / up | previous conversation |
| g / home | first conversation |
| G / end | last loaded conversation (loads more on the way) |
| pageup / pagedown | a screen up / down |
| enter | open the conversation |
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from agentdesk.clock import utcnow
from agentdesk.services.views import VIEW_TITLES, ConversationRow, Cursor, View
from agentdesk.text import one_line
from agentdesk.widgets.triage_cells import SLA_WIDTH, TRIAGE_COMPONENTS, TRIAGE_CSS, sla_segment, tags_label

#: Ask for the next page when the cursor is this close to the last loaded row.
PREFETCH_MARGIN = 60

#: Rows per page while scrolling, and while running to the end with G.
PAGE_SIZE = 200
LAST_PAGE_SIZE = 5000

#: The status column: "pending", or "unsent" when a reply failed for good.
STATUS_WIDTH = 8

#: Lines above the rows: the column names.
HEADER_LINES = 1


class Columns(NamedTuple):
    """How wide each column of a row is at a given widget width (80 columns and up)."""

    channel: int
    customer: int
    subject: int
    age: int
    assignee: int

    @classmethod
    def at(cls, width: int) -> Columns:
        channel = 9 if width >= 90 else 6
        customer = 18 if width >= 100 else 14
        age, assignee = 5, 9 if width >= 90 else 7
        fixed = 1 + channel + customer + age + assignee + STATUS_WIDTH + 3 + SLA_WIDTH
        return cls(channel, customer, max(width - fixed, 8), age, assignee)

    def header(self) -> str:
        """The column names, laid out as `InboxList._segments` lays out a row."""
        return "".join((
            " ", _fit("Channel" if self.channel >= 7 else "Chan", self.channel), " ", _fit("Customer", self.customer), " ",
            _fit("Subject", self.subject), " ", "Due".rjust(SLA_WIDTH - 1), " ",
            "Last".rjust(self.age - 1), " ", _fit("Owner", self.assignee), _fit("Status", STATUS_WIDTH),
        ))


def inbox_subtitle(view: View, total: int | None) -> str:
    """The inbox border's subtitle: the view, how many it holds, and how to switch."""
    count = "" if total is None else f" · {total:,}"
    return f"{VIEW_TITLES[view]}{count} · 1-9 views"


def age_label(since: datetime, now: datetime) -> str:
    """A short age: 45s, 12m, 5h, 3d, 8w, 2y."""
    seconds = max(0, int((now - since).total_seconds()))
    for size, unit in ((31_536_000, "y"), (604_800, "w"), (86_400, "d"), (3600, "h"), (60, "m")):
        if seconds >= size * (2 if unit in "yw" else 1):
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def channel_label(row: ConversationRow) -> str:
    """The channel, or the chat network a bridge reported (whatsapp, telegram...)."""
    return row.network or row.channel


def _fit(text: str, width: int) -> str:
    if width <= 0:
        return ""
    if len(text) > width:
        return text[: max(width - 1, 0)] + "…"
    return text.ljust(width)


class InboxList(ScrollView, can_focus=True):
    """Conversations in urgency order, one line each; the cursor row is highlighted."""

    DEFAULT_CSS = """
    InboxList { background: $surface; overflow-x: hidden; }
    InboxList > .inbox-list--cursor { background: $block-cursor-background; color: $block-cursor-foreground; text-style: bold; }
    InboxList:blur > .inbox-list--cursor { background: $block-cursor-blurred-background; text-style: none; }
    InboxList > .inbox-list--dim { color: $text-muted; }
    InboxList > .inbox-list--urgent { color: $error; }
    InboxList > .inbox-list--empty { color: $text-muted; text-style: italic; }
    InboxList > .inbox-list--header { color: $text-muted; text-style: bold; }
    """ + TRIAGE_CSS + """
    InboxList > .inbox-list--presence { color: $warning; }
    """

    COMPONENT_CLASSES = {
        "inbox-list--cursor",
        "inbox-list--dim",
        "inbox-list--urgent",
        "inbox-list--empty",
        "inbox-list--header",
        *TRIAGE_COMPONENTS,
        "inbox-list--presence",
    }

    BINDINGS = [
        Binding("j,down", "cursor_down", "Next", show=False, id="inbox.next"),
        Binding("k,up", "cursor_up", "Previous", show=False, id="inbox.previous"),
        Binding("g,home", "first", "First", show=False, id="inbox.first"),
        Binding("G,end", "last", "Last", show=False, id="inbox.last"),
        Binding("pagedown", "page_down", "Page down", show=False, id="inbox.page_down"),
        Binding("pageup", "page_up", "Page up", show=False, id="inbox.page_up"),
        Binding("enter", "open", "Open", id="inbox.open"),
    ]

    marked: frozenset[int] = frozenset()
    """Conversations marked (space) for a bulk action (agentdesk.screens.triage); shown with •."""

    cursor: reactive[int] = reactive(0, always_update=True, init=False)
    """Index of the highlighted row among the loaded ones."""

    class Highlighted(Message):
        """The cursor moved onto `row`."""

        def __init__(self, row: ConversationRow) -> None:
            super().__init__()
            self.row = row

    class Opened(Message):
        """Enter was pressed on `row`."""

        def __init__(self, row: ConversationRow) -> None:
            super().__init__()
            self.row = row

    class NeedMore(Message):
        """The cursor is near the end of the loaded rows: load the page after `after`."""

        def __init__(self, after: Cursor, limit: int) -> None:
            super().__init__()
            self.after = after
            self.limit = limit

    def __init__(self, *, name: str | None = None, id: str | None = None) -> None:
        super().__init__(name=name, id=id)
        self.rows: list[ConversationRow] = []
        self.next_cursor: Cursor | None = None
        self.loading_more = False
        self.empty_text = "Loading…"
        self._want_last = False
        self.presence: dict[int, str] = {}
        """Who else is on each conversation ("bo✎"), by id: shown before the subject."""

    # -- data -----------------------------------------------------------------

    def set_rows(
        self, rows: list[ConversationRow], next_cursor: Cursor | None, keep_id: int | None = None
    ) -> None:
        """Replace the rows (a new view or a refresh), keeping the cursor on `keep_id` if present."""
        old_index = self.cursor
        self.rows = list(rows)
        self.next_cursor = next_cursor
        self.loading_more = False
        if not self.rows:
            self.empty_text = "Nothing here. Views: 1 open, 2 mine, 3 unassigned, 4 pending, 5 closed."
        index = next((i for i, r in enumerate(self.rows) if r.id == keep_id), None)
        self._update_size()
        self.cursor = index if index is not None else min(old_index, max(len(self.rows) - 1, 0))
        if keep_id is None or index is None:
            self.scroll_to(y=max(0, self.cursor - self.body_height // 2), animate=False)

    def append_rows(self, rows: list[ConversationRow], next_cursor: Cursor | None) -> None:
        """Add the next keyset page after the loaded rows."""
        known = {r.id for r in self.rows[-len(rows) :]} if rows else set()
        self.rows.extend(r for r in rows if r.id not in known)
        self.next_cursor = next_cursor
        self.loading_more = False
        self._update_size()
        if self._want_last:
            self.action_last()
        self.refresh()

    def replace_row(self, row: ConversationRow) -> None:
        """Update one row in place (after an action on it)."""
        for index, old in enumerate(self.rows):
            if old.id == row.id:
                self.rows[index] = row
                self.refresh()

    def set_presence(self, labels: dict[int, str]) -> None:
        """Show who else views or replies to which conversation."""
        if labels != self.presence:
            self.presence = labels
            self.refresh()

    @property
    def current(self) -> ConversationRow | None:
        """The highlighted conversation, if any."""
        if 0 <= self.cursor < len(self.rows):
            return self.rows[self.cursor]
        return None

    @property
    def body_height(self) -> int:
        """How many rows show at once (the header line takes the top)."""
        return max(self.size.height - HEADER_LINES, 1)

    def _update_size(self) -> None:
        loading_line = 1 if self.next_cursor else 0
        self.virtual_size = Size(self.size.width, HEADER_LINES + len(self.rows) + loading_line)
        self.refresh()

    # -- cursor ---------------------------------------------------------------

    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, len(self.rows) - 1)) if self.rows else 0

    def watch_cursor(self, old: int, new: int) -> None:
        top = self.scroll_offset.y
        self._scroll_cursor_into_view()
        if self.scroll_offset.y != top:
            self.refresh()  # scrolled: every visible line changed
        else:  # only the two rows whose highlight changed (keeps a key press cheap)
            for index in (old, new):
                if 0 <= index - top < self.body_height:
                    self.refresh_lines(HEADER_LINES + index - top)
        row = self.current
        if row is not None:
            self.post_message(self.Highlighted(row))
        if (
            self.next_cursor is not None
            and not self.loading_more
            and new >= len(self.rows) - PREFETCH_MARGIN
        ):
            self.loading_more = True
            # Going to the end (G) takes big pages: fewer round trips through a long list.
            limit = LAST_PAGE_SIZE if self._want_last else PAGE_SIZE
            self.post_message(self.NeedMore(self.next_cursor, limit))

    def _scroll_cursor_into_view(self) -> None:
        top = self.scroll_offset.y
        height = self.body_height
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)

    def action_cursor_down(self) -> None:
        self.cursor += 1

    def action_cursor_up(self) -> None:
        self.cursor -= 1

    def action_first(self) -> None:
        self._want_last = False
        self.cursor = 0

    def action_last(self) -> None:
        """Go to the end; with more pages to load, keep going as they arrive."""
        self._want_last = self.next_cursor is not None
        self.cursor = len(self.rows) - 1

    def action_page_down(self) -> None:
        self.cursor += max(self.body_height - 1, 1)

    def action_page_up(self) -> None:
        self.cursor -= max(self.body_height - 1, 1)

    def action_open(self) -> None:
        row = self.current
        if row is not None:
            self.post_message(self.Opened(row))

    async def _on_click(self, event: events.Click) -> None:
        """Highlight the row clicked (the header and the border do nothing)."""
        at = event.get_content_offset(self)  # event.y counts the border line too
        if at is not None and at.y >= HEADER_LINES:
            self.cursor = self.scroll_offset.y + at.y - HEADER_LINES

    def on_resize(self) -> None:
        self._update_size()

    # -- drawing --------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        if y < HEADER_LINES:
            style = base + self.get_component_rich_style("inbox-list--header")
            return Strip([Segment(_fit(Columns.at(width).header(), width), style)], width)
        index = self.scroll_offset.y + y - HEADER_LINES
        if index >= len(self.rows):
            if index == 0:
                style = base + self.get_component_rich_style("inbox-list--empty")
                return Strip([Segment(_fit(" " + self.empty_text, width), style)], width)
            if index == len(self.rows) and self.next_cursor is not None:
                style = base + self.get_component_rich_style("inbox-list--dim")
                return Strip([Segment(_fit(" loading more…", width), style)], width)
            return Strip.blank(width, base)
        row = self.rows[index]
        selected = index == self.cursor
        style = base + self.get_component_rich_style("inbox-list--cursor") if selected else base
        dim = style if selected else style + self.get_component_rich_style("inbox-list--dim")
        return Strip(self._segments(row, width, style, dim, selected), width)

    def _segments(
        self, row: ConversationRow, width: int, style: Style, dim: Style, selected: bool
    ) -> list[Segment]:
        """One row laid out in columns that shrink to fit the width (80 columns and up)."""
        now = utcnow()
        mark = "•" if row.id in self.marked else ("!" if row.priority in ("high", "urgent") else " ")
        columns = Columns.at(width)
        channel_w, customer_w, subject_w = columns.channel, columns.customer, columns.subject
        tail = [
            (age_label(row.last_message_at, now).rjust(columns.age - 1), columns.age),
            (one_line(row.assignee or "-"), columns.assignee),
        ]
        mark_style = style if selected else style + self.get_component_rich_style("inbox-list--urgent")
        segments = [
            Segment(mark, mark_style),
            Segment(_fit(channel_label(row), channel_w) + " ", dim),
            Segment(_fit(one_line(row.customer.name), customer_w) + " ", style),
        ]
        others = self.presence.get(row.id)
        if others:
            label = _fit(others, min(len(others), subject_w // 2)) + " "
            segments.append(Segment(label, style + self.get_component_rich_style("inbox-list--presence")))
            subject_w = max(subject_w - len(label), 1)
        tagged = tags_label(row.tags, subject_w // 3)
        if tagged:
            subject_w = max(subject_w - len(tagged) - 1, 1)
        segments.append(Segment(_fit(one_line(row.title), subject_w) + " ", style))
        if tagged:
            segments.append(Segment(tagged + " ", dim))
        segments.append(sla_segment(self, row, now, style, dim))
        for text, w in tail:
            segments.append(Segment(_fit(text, w), dim))
        if row.undelivered:  # a reply of ours did not go out: louder than the status
            loud = style + self.get_component_rich_style("inbox-list--red")
            segments.append(Segment(_fit("unsent", STATUS_WIDTH), loud))
        else:
            segments.append(Segment(_fit(row.status, STATUS_WIDTH), dim))
        return segments
