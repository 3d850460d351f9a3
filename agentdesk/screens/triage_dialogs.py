"""Small dialogs of the triage keys: snooze (`s`), wait with follow-up (`w`), priority
(`p`), search (`/`), why urgent (`U`) and knowledge-base articles (`K`).

Each is a ModalScreen that dismisses with the choice (None when cancelled); the main
screen does the store work in a worker. Nothing here touches the store, so every
dialog opens at once. Untrusted text (subjects, article excerpts) is shown as
`Content`, never as markup.

| Key | Action |
| --- | --- |
| enter | confirm |
| escape | cancel |
| up / down | (search, articles) move through the list |
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from agentdesk.clock import utcnow
from agentdesk.services.kb import Article
from agentdesk.services.search import SavedSearch
from agentdesk.services.timeparse import TimeParseError, parse_duration, parse_when
from agentdesk.services.urgency import UrgencyReport
from agentdesk.services.workflow import Priority
from agentdesk.text import one_line

DIALOG_CSS = """
{name} {{ align: center top; }}
{name} > Vertical {{
    width: 72; max-width: 100%; height: auto; max-height: 90%; margin-top: 3;
    border: thick $accent; background: $surface; padding: 0 1;
}}
{name} .dialog-title {{ text-style: bold; }}
{name} .dialog-hint {{ color: $text-muted; }}
{name} .dialog-error {{ color: $error; }}
{name} OptionList {{ height: auto; max-height: 16; }}
"""


def when_label(moment: datetime, tz: tzinfo) -> str:
    """"Fri 27 Nov 09:00" in the agent's zone."""
    return moment.astimezone(tz).strftime("%a %d %b %H:%M")


class SnoozePrompt(ModalScreen[datetime | None]):
    """Type when the conversation comes back; the parsed time shows as you type."""

    DEFAULT_CSS = DIALOG_CSS.format(name="SnoozePrompt")
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="snooze.cancel")]

    def __init__(self, count: int, tz: tzinfo) -> None:
        super().__init__()
        self.count = count
        self.tz = tz
        self.moment: datetime | None = None

    def compose(self) -> ComposeResult:
        what = "this conversation" if self.count == 1 else f"{self.count} conversations"
        with Vertical():
            yield Static(Content(f"Snooze {what} until…"), classes="dialog-title")
            yield Input(placeholder="2h · 3d · tomorrow 9:00 · mon · 2026-12-01", id="snooze-input")
            yield Static("", id="snooze-preview", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        preview = self.query_one("#snooze-preview", Static)
        self.moment = None
        if not event.value.strip():
            preview.update("")
            return
        try:
            self.moment = parse_when(event.value, utcnow(), self.tz)
        except TimeParseError as error:
            preview.update(Content(str(error)))
            preview.set_class(True, "dialog-error")
            return
        preview.set_class(False, "dialog-error")
        preview.update(Content(f"→ {when_label(self.moment, self.tz)}"))

    @on(Input.Submitted)
    def _submitted(self) -> None:
        if self.moment is not None:
            self.dismiss(self.moment)

    def action_cancel(self) -> None:
        self.dismiss(None)


class FollowUpPrompt(ModalScreen[timedelta | None]):
    """Pending (waiting on the customer): bring it back if they stay silent this long."""

    DEFAULT_CSS = DIALOG_CSS.format(name="FollowUpPrompt")
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="follow_up.cancel")]

    def __init__(self, default: str = "3d") -> None:
        super().__init__()
        self.default = default

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Pending: if no answer in…", classes="dialog-title")
            yield Input(value=self.default, placeholder="3d (0 = never)", id="follow-up-input")
            yield Static("Enter: set pending · 0: pending without follow-up", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip() or "0"
        try:
            self.dismiss(parse_duration(value) if value != "0" else timedelta(0))
        except TimeParseError as error:
            self.notify(str(error), severity="warning", markup=False)

    def action_cancel(self) -> None:
        self.dismiss(None)


class PriorityPicker(ModalScreen[Priority | None]):
    """One key sets the priority: l low, n normal, h high, u urgent."""

    DEFAULT_CSS = DIALOG_CSS.format(name="PriorityPicker")
    BINDINGS = [
        Binding("l", "pick('low')", "Low", id="priority.low"),
        Binding("n", "pick('normal')", "Normal", id="priority.normal"),
        Binding("h", "pick('high')", "High", id="priority.high"),
        Binding("u", "pick('urgent')", "Urgent", id="priority.urgent"),
        Binding("escape", "cancel", "Cancel", id="priority.cancel"),
    ]

    def __init__(self, current: str) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(f"Priority (now {self.current})"), classes="dialog-title")
            yield Static("l low · n normal · h high · u urgent · esc cancel", classes="dialog-hint")

    def action_pick(self, value: str) -> None:
        self.dismiss(Priority(value))

    def action_cancel(self) -> None:
        self.dismiss(None)


SEARCH_HELP = (
    'words · "a phrase" · from: to: subject: tag: status: channel: assignee: '
    "is:unassigned is:mine has:attachment before: after: · -negates · sort:urgency"
)


class SearchPrompt(ModalScreen[str | None]):
    """The search box; below it the saved searches from the config (pick one with Enter).

    Dismisses with the query ("" clears the search) or None when cancelled.
    """

    DEFAULT_CSS = DIALOG_CSS.format(name="SearchPrompt")
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="search.cancel"),
        Binding("down", "saved", "Saved searches", show=False, id="search.saved"),
    ]

    def __init__(self, query: str, saved: list[SavedSearch]) -> None:
        super().__init__()
        self.query_text = query
        self.saved = saved

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Search", classes="dialog-title")
            yield Input(value=self.query_text, placeholder="refund -status:closed", id="search-input")
            yield Static(Content(SEARCH_HELP), classes="dialog-hint")
            if self.saved:
                yield Static("Saved searches (↓)", classes="dialog-title")
                yield OptionList(
                    *[Option(Content(f"{one_line(s.name, 24):<24} {one_line(s.query)}"), id=str(i))
                      for i, s in enumerate(self.saved)],
                    id="saved-searches",
                )

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip())

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.saved[int(event.option.id or 0)].query)

    def action_saved(self) -> None:
        if self.saved:
            self.query_one(OptionList).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)


class UrgencyScreen(ModalScreen[None]):
    """Why this conversation is urgent: the score and each reason with its points."""

    DEFAULT_CSS = DIALOG_CSS.format(name="UrgencyScreen")
    BINDINGS = [Binding("escape,enter,U", "close", "Close", id="urgency.close")]

    def __init__(self, conversation_id: int, report: UrgencyReport) -> None:
        super().__init__()
        self.conversation_id = conversation_id
        self.report = report

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(f"#{self.conversation_id} urgency {self.report.score}/100"), classes="dialog-title")
            if not self.report.reasons:
                yield Static("Nothing urgent about it.", classes="dialog-hint")
            for reason in self.report.reasons:
                yield Static(Content(f"+{reason.points:<3} {one_line(reason.label)}"))
            yield Static("esc close", classes="dialog-hint")

    def action_close(self) -> None:
        self.dismiss(None)


class ArticlePicker(ModalScreen[tuple[Article, str] | None]):
    """Knowledge-base articles for the conversation: Enter inserts a link, e an excerpt."""

    DEFAULT_CSS = DIALOG_CSS.format(name="ArticlePicker")
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="articles.cancel"),
        Binding("e", "excerpt", "Insert excerpt", id="articles.excerpt"),
    ]

    def __init__(self, articles: list[Article]) -> None:
        super().__init__()
        self.articles = articles

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Suggested articles", classes="dialog-title")
            if not self.articles:
                yield Static("No article matches this conversation.", classes="dialog-hint")
            else:
                yield OptionList(
                    *[Option(Content(f"{one_line(a.title, 40)}\n  {one_line(a.excerpt, 66)}"), id=str(i))
                      for i, a in enumerate(self.articles)],
                )
            yield Static("enter insert link · e insert excerpt · esc cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        if self.articles:
            self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss((self.articles[int(event.option.id or 0)], "link"))

    def action_excerpt(self) -> None:
        if self.articles:
            index = self.query_one(OptionList).highlighted or 0
            self.dismiss((self.articles[index], "excerpt"))

    def action_cancel(self) -> None:
        self.dismiss(None)
