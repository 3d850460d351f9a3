"""The customer pane: who this is, every address they use, their history, and the thread.

Everything the customer wrote is shown as plain `Content` (never markup) after
`agentdesk.text.clean` removed terminal control sequences.

| Key | Action |
| --- | --- |
| j / down | scroll down |
| k / up | scroll up |
"""

from __future__ import annotations

from typing import Any

from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.reactive import Reactive
from textual.widgets import Static

from agentdesk.clock import utcnow
from agentdesk.services.views import ConversationDetail, MessageView
from agentdesk.text import clean, one_line
from agentdesk.widgets.inbox_list import age_label, channel_label

DIRECTION_LABELS = {
    "in": ("◀ customer", "$accent"),
    "out": ("▶ reply", "$success"),
    "note": ("✎ internal note", "$warning"),
}


def customer_content(detail: ConversationDetail) -> Content:
    """Name, VIP mark and every address and chat handle known for the customer."""
    customer = detail.customer
    parts: list[Content | tuple[str, str] | str] = [(one_line(customer.name), "bold")]
    if customer.vip:
        parts.append(("  VIP", "bold $warning"))
    for address in customer.addresses:
        label = address.network or address.channel
        parts.append(Content("\n"))
        parts.append((f"  {label}: ", "dim"))
        parts.append(one_line(address.address))
    return Content.assemble(*parts)


def history_content(detail: ConversationDetail) -> Content:
    """The customer's conversations on every channel, newest first, with status and date."""
    lines: list[Content | tuple[str, str] | str] = [
        (f"History: {len(detail.customer.conversations)} conversation(s)", "bold")
    ]
    id_width = max((len(str(past.id)) for past in detail.customer.conversations), default=1)
    for past in detail.customer.conversations:
        current = past.id == detail.row.id
        lines.append("\n")
        lines.append(("▸ " if current else "  ", "bold"))
        channel = one_line(past.network or past.channel, 9)
        number = f"#{past.id}".ljust(id_width + 1)  # the dates in one column: #7 and #12
        lines.append((f"{number} {past.last_message_at:%Y-%m-%d} {channel:<9} {past.status:<7} ", "dim"))
        lines.append((one_line(past.subject, 80), "bold" if current else ""))
    return Content.assemble(*lines)


def message_content(message: MessageView) -> Content:
    """One message of the thread: a header line marking its direction, then its text."""
    label, colour = DIRECTION_LABELS.get(message.direction, (message.direction, ""))
    who = one_line(message.author or message.author_address, 40)
    header: list[Content | tuple[str, str] | str] = [
        (label, f"bold {colour}"),
        (f"  {who} · {message.sent_at:%Y-%m-%d %H:%M} ({age_label(message.sent_at, utcnow())} ago)", "dim"),
    ]
    if message.delivery:
        failed = message.delivery == "failed"
        header.append((f"  [{message.delivery}]", "bold $error" if failed else "italic"))
    if message.auto_kind:
        header.append((f"  [automatic: {one_line(message.auto_kind, 20)}]", "italic $warning"))
    body: list[Content | tuple[str, str] | str] = [Content.assemble(*header), "\n"]
    if message.delivery_error and message.delivery != "sent":
        retry = "F sends it again" if message.delivery == "failed" else "retrying on its own; F tries now"
        body.append((f"(not delivered: {one_line(message.delivery_error, 160)}; {retry})\n", "$error"))
    if message.parse_error:
        body.append((f"(could not be parsed: {one_line(message.parse_error, 80)}; shown raw)\n", "$error"))
    body.append(clean(message.text).rstrip() or "(no text)")
    for att in message.attachments:
        body.append(("\n📎 ", ""))
        body.append((f"{one_line(att.filename, 60)} ({att.size:,} bytes)", "dim"))
    return Content.assemble(*body)


class CustomerPane(VerticalScroll, can_focus=True):
    """The selected conversation's customer, their history, and the full thread."""

    DEFAULT_CSS = """
    CustomerPane .section { margin: 0 0 1 0; }
    CustomerPane .message { padding: 0 1; margin: 0 0 1 0; border-left: thick $accent; }
    CustomerPane .message.-out { border-left: thick $success; }
    CustomerPane .message.-note { border-left: thick $warning; background: $warning 10%; }
    CustomerPane #thread-title { text-style: bold; text-wrap: nowrap; text-overflow: ellipsis; }
    CustomerPane #history, CustomerPane #customer-info { text-wrap: nowrap; text-overflow: ellipsis; }
    CustomerPane #thread { height: auto; }
    """

    BINDINGS = [
        Binding("j,down", "scroll_down", "Scroll down", show=False),
        Binding("k,up", "scroll_up", "Scroll up", show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.detail: ConversationDetail | None = None
        self._message_widgets: list[Static] = []
        """The thread's message widgets, in order (kept in step here, not read back from the DOM)."""
        self.presence = ""
        """Who else views or replies to the shown conversation ("bo replying"), or ""."""

    def set_reactive(self, reactive: Reactive[Any], value: Any) -> None:
        """Never scroll above the top. Textual 8.2.8 anchors a pane whose content is
        shorter than the pane at a negative scroll_y (set here, past the validators), which
        leaves blank lines above the customer's name (Textualize/textual#6652)."""
        if reactive.name in ("scroll_y", "scroll_target_y") and isinstance(value, (int, float)):
            value = max(value, 0)
        super().set_reactive(reactive, value)

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static(Content("Select a conversation (j/k, Enter)."), id="customer-info", classes="section")
        yield Static("", id="history", classes="section")
        yield Static("", id="thread-title")
        yield Vertical(id="thread")

    def show(self, detail: ConversationDetail) -> None:
        """Show `detail`; the thread scrolls to its newest message."""
        same = self.detail is not None and self.detail.row.id == detail.row.id
        self.detail = detail
        self.query_one("#customer-info", Static).update(customer_content(detail))
        self.query_one("#history", Static).update(history_content(detail))
        self._update_title()
        self._show_thread(detail)
        if not same:
            # Anchored: stays at the newest message however late the layout settles,
            # until the agent scrolls up.
            self.anchor()

    def _show_thread(self, detail: ConversationDetail) -> None:
        """One Static per message, reused from the last conversation shown.

        Mounting and removing widgets is what costs when j/k/Enter move through the
        inbox (styles, layout, messages for each node); updating the ones already
        mounted keeps opening a conversation within a frame or two.
        """
        thread = self.query_one("#thread", Vertical)
        shown = self._message_widgets
        count = len(detail.messages)
        with self.app.batch_update():
            for widget, message in zip(shown, detail.messages):
                widget.update(message_content(message))
                widget.set_classes(f"message -{message.direction}")
            if len(shown) > count:
                thread.remove_children(shown[count:])
                del shown[count:]
            elif count > len(shown):
                added = [
                    Static(message_content(m), classes=f"message -{m.direction}")
                    for m in detail.messages[len(shown) :]
                ]
                thread.mount_all(added)
                shown.extend(added)

    def _update_title(self) -> None:
        detail = self.detail
        if detail is None:
            return
        title = f"#{detail.row.id} · {one_line(detail.row.title, 80)} · {channel_label(detail.row)} · {detail.row.status}"
        if detail.row.assignee:
            title += f" · {one_line(detail.row.assignee)}"
        parts: list[Content | tuple[str, str] | str] = [title]
        if self.presence:
            parts.append((f"  ◉ {one_line(self.presence)}", "bold $warning"))
        self.query_one("#thread-title", Static).update(Content.assemble(*parts))

    def set_presence(self, label: str) -> None:
        """Show who else is on this conversation in the header ("" for nobody)."""
        if label != self.presence:
            self.presence = label
            self._update_title()

    def clear(self) -> None:
        self.detail = None
        self.query_one("#customer-info", Static).update(Content("No conversation selected."))
        self.query_one("#history", Static).update("")
        self.query_one("#thread-title", Static).update("")
        self.query_one("#thread", Vertical).remove_children()
        self._message_widgets = []
