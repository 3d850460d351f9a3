"""The Reports screen: is support getting better? Headline numbers, trends, breakdowns.

Every store call runs in a thread worker (group "reports"); results come back as
messages. Enter on a breakdown row looks up the conversations behind it and posts
`ReportsScreen.ConversationsChosen` (it bubbles to the app, which can show them).

| Key     | Action                                   |
|---------|------------------------------------------|
| 1 2 3   | the last 7 / 30 / 90 days                |
| p       | a custom period ("2026-11-01 2026-11-15") |
| w       | the conversation with the longest wait   |
| ctrl+r  | compute again                            |
| enter   | the conversations behind a row           |
| escape  | back to the console                      |
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Sparkline, Static, TabbedContent, TabPane
from textual.worker import Worker, WorkerState

from agentdesk.services import Desk
from agentdesk.services import report_format as fmt
from agentdesk.services.reports import By, Period, Report, build_report, conversation_ids

#: Period choices by key: (days, label).
PRESETS: dict[str, tuple[int, str]] = {"1": (7, "7 days"), "2": (30, "30 days"), "3": (90, "90 days")}

#: The breakdown tabs, in order: (tab id, dimension, title).
BREAKDOWNS: list[tuple[str, By, str]] = [
    ("by-channel", By.CHANNEL, "Channel"),
    ("by-tag", By.TAG, "Tag"),
    ("by-agent", By.AGENT, "Agent"),
    ("by-day", By.DAY, "Day"),
]


def parse_custom(text: str) -> Period:
    """'2026-11-01 2026-11-15' (or with '..' / ' to ') as whole UTC days, both included."""
    parts = text.replace("..", " ").replace(" to ", " ").split()
    if len(parts) != 2:
        raise ValueError("give two dates: 2026-11-01 2026-11-15")
    first, last = (date.fromisoformat(p) for p in parts)
    if last < first:
        raise ValueError("the first date must not come after the last")
    return Period.of_dates(first, last)


def headline_content(report: Report) -> Content:
    """The headline figures in two columns: name, value now, change against before."""
    figures = fmt.figures(report.headline, report.previous)
    half = (len(figures) + 1) // 2
    lines: list[Content] = []
    for left, right in zip(figures[:half], figures[half:] + [None], strict=True):
        cells = [_figure(left)]
        if right is not None:
            cells.append(_figure(right))
        lines.append(Content("  ").join(cells))
    return Content("\n").join(lines)


def _figure(figure: fmt.Figure) -> Content:
    style = {True: "$success", False: "$error"}.get(figure.change.good, "$text-muted")  # type: ignore[arg-type]
    return Content.assemble(
        (f"{figure.name:<23}", "$text-muted"),
        (f"{figure.value:>7}", "bold"),
        " ",
        (f"{figure.change.text:<7}", style),
    )


def backlog_content(report: Report) -> Content:
    """Open conversations by age, as horizontal bars."""
    most = max((b.count for b in report.backlog), default=0) or 1
    parts: list[Content | tuple[str, str] | str] = [("Open now, by age\n", "bold")]
    for bucket in report.backlog:
        bar = "█" * max(round(bucket.count / most * 40), 1 if bucket.count else 0)
        parts += [f"{bucket.label:<10} ", (bar, "$accent"), f" {bucket.count}\n"]
    return Content.assemble(*parts)


class ReportsScreen(Screen[None]):
    """Reports over a period, with the change against the period before it."""

    CSS_PATH = Path(__file__).parent.parent / "styles" / "reports.tcss"

    BINDINGS = [
        Binding("1", "period('1')", "7 days", id="reports.7"),
        Binding("2", "period('2')", "30 days", id="reports.30"),
        Binding("3", "period('3')", "90 days", id="reports.90"),
        Binding("p", "custom", "Custom period", id="reports.custom"),
        Binding("w", "longest_wait", "Longest wait", show=False, id="reports.longest"),
        Binding("ctrl+r", "reload", "Reload", show=False, id="reports.reload"),
        Binding("escape", "back", "Back", id="reports.back"),
    ]

    report: reactive[Report | None] = reactive(None, init=False)
    """The report on screen (None while the first one is computed)."""

    class Loaded(Message):
        """A worker finished a report."""

        def __init__(self, report: Report) -> None:
            super().__init__()
            self.report = report

    class ConversationsChosen(Message):
        """The agent pressed Enter on a row: these are the conversations behind it."""

        def __init__(self, title: str, ids: list[int]) -> None:
            super().__init__()
            self.title = title
            self.ids = ids

    def __init__(self, desk: Desk, days: int = 30) -> None:
        super().__init__()
        self.desk = desk
        self.period = Period.last(days)
        self.choice = next((k for k, (d, _) in PRESETS.items() if d == days), "")

    def compose(self) -> ComposeResult:
        yield Static(id="period")
        # Disabled while hidden, so it never takes the focus from the tables.
        yield Input(placeholder="2026-11-01 2026-11-15, then Enter", id="custom", disabled=True)
        yield Static("Computing…", id="headline")
        yield Static(id="longest")
        with Horizontal(id="charts"):
            with Vertical(classes="chart"):
                yield Static("New conversations by day", id="volume-label", classes="chart-label")
                yield Sparkline([], id="volume")
            with Vertical(classes="chart"):
                yield Static("First response (median) by day", id="response-label",
                             classes="chart-label")
                yield Sparkline([], id="response")
        with TabbedContent(id="breakdowns"):
            for tab_id, _, title in BREAKDOWNS:
                with TabPane(title, id=tab_id):
                    yield DataTable(cursor_type="row", zebra_stripes=True, id=f"{tab_id}-table")
            with TabPane("Backlog", id="backlog"):
                yield Static(id="backlog-bars")
            with TabPane("Low ratings", id="low"):
                yield DataTable(cursor_type="row", zebra_stripes=True, id="low-table")
        yield Footer()

    def on_mount(self) -> None:
        self._show_period()
        self.query_one("#by-channel-table", DataTable).focus()
        self.load(self.period)

    # -- workers (store IO off the UI thread) ---------------------------------

    @work(thread=True, group="reports", exclusive=True, exit_on_error=False)
    def load(self, period: Period) -> None:
        """Compute the report for `period`."""
        self.post_message(self.Loaded(build_report(self.desk, period)))

    @work(thread=True, group="reports-rows", exclusive=True, exit_on_error=False)
    def find_conversations(self, period: Period, by: By, key: str, title: str) -> None:
        """Look up the conversations behind one breakdown row."""
        self.post_message(self.ConversationsChosen(title, conversation_ids(self.desk, period, by, key)))

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            error = event.worker.error
            self.notify(f"{type(error).__name__}: {error}", title="Report failed",
                        severity="error", markup=False)

    # -- results ---------------------------------------------------------------

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        if message.report.period != self.period:
            return  # an answer for a period already left
        self.report = message.report

    def watch_report(self, report: Report | None) -> None:
        if report is None:
            return
        self._show_period()
        self.query_one("#headline", Static).update(headline_content(report))
        wait = report.longest_wait
        longest = self.query_one("#longest", Static)
        if wait is None:
            longest.update("")
        else:
            state = "still waiting" if wait.waiting else "answered"
            longest.update(Content.assemble(
                ("Longest wait ", "$text-muted"), (fmt.duration(wait.seconds), "bold"),
                f" on #{wait.conversation_id} ({state}) · w opens it"))
        days = report.by_day
        self.query_one("#volume", Sparkline).data = [float(r.conversations) for r in days]
        self.query_one("#response", Sparkline).data = [r.first_response_median or 0.0 for r in days]
        total = report.headline.conversations
        self.query_one("#volume-label", Static).update(f"New conversations by day · {total}")
        median = fmt.duration(report.headline.first_response.median)
        self.query_one("#response-label", Static).update(f"First response by day · median {median}")
        for tab_id, by, _ in BREAKDOWNS:
            self._fill_breakdown(self.query_one(f"#{tab_id}-table", DataTable), report, by)
        self.query_one("#backlog-bars", Static).update(backlog_content(report))
        self._fill_low(self.query_one("#low-table", DataTable), report)
        tabs = self.query_one(TabbedContent)
        tabs.get_tab("low").label = Content(f"Low ratings ({report.low_ratings_total})")
        tabs.get_tab("backlog").label = Content(f"Backlog ({sum(b.count for b in report.backlog)})")

    def _fill_breakdown(self, table: DataTable[Text], report: Report, by: By) -> None:
        table.clear(columns=True)
        table.add_column(by.value, key="label")
        for heading, field in fmt.COLUMNS:
            table.add_column(heading, key=field)
        for row in report.rows(by):
            table.add_row(Text(row.label), *(Text(fmt.cell(row, f), justify="right")
                                             for _, f in fmt.COLUMNS), key=row.key)

    def _fill_low(self, table: DataTable[Text], report: Report) -> None:
        table.clear(columns=True)
        for heading in ("#", "rating", "customer", "agent", "when", "comment"):
            table.add_column(heading)
        for low in report.low_ratings:
            table.add_row(
                Text(str(low.conversation_id)), Text(f"{low.rating}/5"), Text(low.customer),
                Text(low.agent), Text(f"{low.rated_at:%m-%d %H:%M}"), Text(low.comment),
                key=str(low.conversation_id),
            )

    @on(DataTable.RowSelected)
    def _row_chosen(self, event: DataTable.RowSelected) -> None:
        report, key = self.report, event.row_key.value
        if report is None or key is None:
            return
        table_id = event.data_table.id or ""
        if table_id == "low-table":
            self.post_message(self.ConversationsChosen(f"Rating on #{key}", [int(key)]))
            return
        for tab_id, by, title in BREAKDOWNS:
            if table_id == f"{tab_id}-table":
                label = next((r.label for r in report.rows(by) if r.key == key), key)
                self.find_conversations(report.period, by, key, f"{title}: {label}")

    @on(ConversationsChosen)
    def _chosen(self, message: ConversationsChosen) -> None:
        """Back to the console with the inbox showing the conversations behind the row."""
        from agentdesk.screens.main import MainScreen

        if not message.ids:
            self.notify("No conversations behind this row.", title=message.title)
            return
        main = next((s for s in self.app.screen_stack if isinstance(s, MainScreen)), None)
        if main is None:
            return
        self.app.pop_screen()
        main.run_search("id:" + ",".join(str(i) for i in message.ids[:1000]))
        self.app.notify(f"{len(message.ids)} conversation(s): {message.title}", markup=False)

    # -- actions ---------------------------------------------------------------

    def _show_period(self) -> None:
        parts: list[Content | tuple[str, str] | str] = [("Reports ", "bold")]
        for key, (days, _) in PRESETS.items():
            style = "reverse bold" if key == self.choice else "$text-muted"
            parts += [(f" {key}:{days}d ", style)]
        parts.append((" p:custom ", "reverse bold" if self.choice == "" else "$text-muted"))
        parts.append(f" {self.period.short_label}")
        self.query_one("#period", Static).update(Content.assemble(*parts))

    def action_period(self, key: str) -> None:
        days, _ = PRESETS[key]
        self.choice = key
        self._change(Period.last(days))

    def _change(self, period: Period) -> None:
        self.period = period
        self._show_period()
        self.query_one("#headline", Static).update("Computing…")
        self.load(period)

    def action_custom(self) -> None:
        field = self.query_one("#custom", Input)
        field.disabled = False
        field.add_class("-shown")
        field.focus()

    @on(Input.Submitted, "#custom")
    def _custom_entered(self, event: Input.Submitted) -> None:
        try:
            period = parse_custom(event.value)
        except ValueError as error:
            self.notify(str(error), title="Period", severity="warning", markup=False)
            return
        self._hide_custom()
        self.choice = ""
        self._change(period)

    def action_longest_wait(self) -> None:
        """Open the conversation whose customer waited longest (averages hide it)."""
        wait = self.report.longest_wait if self.report else None
        if wait is not None:
            self.post_message(self.ConversationsChosen("Longest wait", [wait.conversation_id]))

    def action_reload(self) -> None:
        self._change(self.period if not self.choice else Period.last(PRESETS[self.choice][0]))

    def _hide_custom(self) -> None:
        field = self.query_one("#custom", Input)
        field.remove_class("-shown")
        field.disabled = True
        self._active_table().focus()

    def _active_table(self) -> DataTable[Text]:
        pane = self.query_one(TabbedContent).active_pane
        tables = pane.query(DataTable) if pane is not None else None
        return tables.first() if tables else self.query_one("#by-channel-table", DataTable)

    def action_back(self) -> None:
        if self.query_one("#custom", Input).has_class("-shown"):
            self._hide_custom()
            return
        self.dismiss()
