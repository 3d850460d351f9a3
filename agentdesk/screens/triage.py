"""The triage keys of the main screen: snooze, tags, priority, search, urgency, articles,
the review queue and the triage views, plus the once-a-minute upkeep tick.

MainScreen mixes `TriageActions` in and lists `TRIAGE_BINDINGS` among its own, so
the footer, the help screen and the command palette show them with the rest. Every
store call runs in a thread worker; results come back through `call_from_thread` or
as an `ActionDone` (which makes the main screen reload the inbox and the open
conversation); a failure becomes the main screen's one error notice.

| Key | Action |
| --- | --- |
| s | snooze: 2h, 3d, tomorrow 9:00, mon, a date |
| w | pending (waiting on the customer), back if no answer in N days |
| alt+s | send the reply and set pending in the same step (follow-up from `[workflow]`) |
| t | tag picker: fuzzy, creates new tags |
| p | priority: then l, n, h or u |
| / | search; results replace the inbox until cleared (empty search) or a view key |
| U | why is this urgent? (score and reasons) |
| K | knowledge-base articles for the conversation (insert link or excerpt) |
| Q | review queue (leads) / replies returned to you |
| 6-9 | views: snoozed, breaching soon, needs approval, mentions |
| space, * | mark a row for a bulk action (s, w, t, p, C, M apply to the marked rows); clear marks |
| C, M | close / assign to me the marked rows (or the highlighted one) |
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from textual import work
from textual.binding import Binding

from agentdesk.clock import utcnow
from agentdesk.config import ConfigError
from agentdesk.messages import ActionDone, PageLoaded
from agentdesk.screens.review_queue import ReviewQueueScreen
from agentdesk.screens.tag_picker import TagPicker
from agentdesk.screens.triage_dialogs import (
    ArticlePicker,
    FollowUpPrompt,
    PriorityPicker,
    SearchPrompt,
    SnoozePrompt,
    UrgencyScreen,
    when_label,
)
from agentdesk.services import conversations, search, snooze, tags, triage, urgency, workflow
from agentdesk.services.compose import Kind
from agentdesk.services.kb import Article
from agentdesk.services.timeparse import duration_label
from agentdesk.services.triage import TickResult, TriageSettings
from agentdesk.services.views import Cursor, Page, View
from agentdesk.store.models import NO_DUE, Status
from agentdesk.widgets.suggestion_line import SuggestionLine
from agentdesk.text import one_line

if TYPE_CHECKING:
    from agentdesk.screens.main import MainScreen

#: How often snoozes are woken, urgency re-scored and SLA breaches announced.
TICK_SECONDS = 60.0
#: Characters of an article inserted by "excerpt".
EXCERPT_CHARS = 600

TRIAGE_BINDINGS = [
    Binding("s", "snooze", "Snooze", id="snooze"),
    Binding("w", "pending", "Pending + follow-up", show=False, id="pending"),
    Binding("alt+s", "send_pending", "Send, then pending", show=False, priority=True, id="send_pending"),
    Binding("t", "tag", "Tag", id="tag"),
    Binding("p", "priority", "Priority", show=False, id="priority"),
    Binding("slash", "search", "Search", id="search"),
    Binding("U", "why_urgent", "Why urgent?", show=False, id="urgency"),
    Binding("K", "articles", "Articles", show=False, id="articles"),
    Binding("Q", "review_queue", "Review queue", show=False, id="review_queue"),
    Binding("space", "mark", "Mark for bulk", show=False, id="mark"),
    Binding("V", "mark_range", "Mark a range (from the last mark)", show=False, id="mark_range"),
    Binding("asterisk", "unmark_all", "Unmark all", show=False, id="unmark_all"),
    Binding("C", "close_marked", "Close marked", show=False, id="close_marked"),
    Binding("M", "assign_marked", "Assign marked to me", show=False, id="assign_marked"),
    Binding("6", "view('snoozed')", "View: snoozed", show=False, id="view.snoozed"),
    Binding("7", "view('breaching')", "View: breaching soon", show=False, id="view.breaching"),
    Binding("8", "view('needs_approval')", "View: needs approval", show=False, id="view.needs_approval"),
    Binding("9", "view('mentions')", "View: mentions", show=False, id="view.mentions"),
]


#: The inbox's "more to load" marker while it shows search results (they page by offset).
SEARCH_MORE = Cursor(NO_DUE, NO_DUE, -1)


def _more(found: search.SearchPage) -> Cursor | None:
    return SEARCH_MORE if found.next_offset is not None else None


class TriageActions:
    """Mixed into MainScreen (see the module docstring); `self` is the main screen."""

    search_query: str | None = None
    """The search shown in the inbox pane instead of the view, if any."""
    _search_caption: str = ""
    _search_next: int | None = None
    """Where the search's next page starts (scrolling down loads it), None on the last."""
    _triage: TriageSettings | None = None
    _warned: set[int]
    _pending_sends: dict[int, str]
    """Replies sent with alt+s, by conversation: their text (so a plain send is never pending)."""

    # -- set-up and the periodic tick ---------------------------------------------

    def on_mount(self: MainScreen) -> None:  # type: ignore[misc]
        """Read the triage config once, then run the upkeep tick now and every minute."""
        self._warned = set()
        self._pending_sends = {}
        settings = getattr(self.app, "settings", None)
        try:
            self._triage = TriageSettings.from_config(settings.raw if settings else {}, settings.file if settings else None)
        except ConfigError as error:
            self.notify(str(error), title="Config", severity="error", markup=False)
            self._triage = TriageSettings()
        self._triage.install()
        # Warnings start with the first interval: at start-up the breaching view says it all.
        self.triage_tick(announce=False)
        self.set_interval(TICK_SECONDS, self.triage_tick)

    @property
    def triage_settings(self) -> TriageSettings:
        return self._triage or TriageSettings()

    @work(thread=True, group="triage-tick", exclusive=True, exit_on_error=False)
    def triage_tick(self: MainScreen, announce: bool = True) -> None:  # type: ignore[misc]
        """Wake snoozes and follow-ups, re-score urgency, find SLAs about to breach."""
        result = triage.tick(self.desk)
        self.app.call_from_thread(self._ticked, result, announce)

    def _ticked(self: MainScreen, result: TickResult, announce: bool) -> None:  # type: ignore[misc]
        if not announce:
            return
        if result.woken:
            count = len(result.woken)
            self.notify(f"{count} snoozed or pending conversation{'s' * (count > 1)} came back", timeout=5)
            self.action_reload()
        fresh = [a for a in result.approaching if a.id not in self._warned]
        for item in fresh[:3]:
            minutes = max(int((item.due - utcnow()).total_seconds() // 60), 0)
            self.notify(f"#{item.id} breaches its SLA in {minutes}m: {one_line(item.title, 50)}",
                        title="SLA", severity="warning", timeout=8, markup=False)
        if fresh and self.triage_settings.sla.bell:
            self.app.bell()
        self._warned.update(a.id for a in fresh)

    # -- search in the inbox pane ----------------------------------------------------

    def search_results(self: MainScreen, view: View, after: Cursor | None, keep_id: int | None) -> PageLoaded | None:  # type: ignore[misc]
        """In a worker: the search's first page in place of `view`'s (None when not searching)."""
        query = self.search_query
        if query is None or after is not None:
            return None
        found = search.search(self.desk, query, tz=self.triage_settings.tz)
        self._search_caption = self._caption(query, found.total, found.capped)
        self._search_next = found.next_offset
        return PageLoaded(view, Page(found.rows, _more(found)), None, keep_id, found.total)

    @work(thread=True, group="inbox-more", exit_on_error=False)
    def search_more(self: MainScreen, query: str, offset: int) -> None:  # type: ignore[misc]
        """The search's next page, as the cursor nears the end of the results."""
        found = search.search(self.desk, query, offset=offset, tz=self.triage_settings.tz)
        self.app.call_from_thread(self._search_appended, query, found)

    def _search_appended(self: MainScreen, query: str, found: search.SearchPage) -> None:  # type: ignore[misc]
        if query != self.search_query:
            return  # a new search (or none) replaced it meanwhile
        self._search_next = found.next_offset
        self.inbox_list.append_rows(found.rows, _more(found))

    def search_title(self) -> str | None:
        """The inbox pane's subtitle while a search is shown."""
        return self._search_caption if self.search_query is not None else None

    def end_search(self) -> None:
        """Back to the plain view (a view key, or an empty search)."""
        self.search_query = None
        self._search_caption = ""

    def _caption(self, query: str, total: int, capped: bool) -> str:
        names = {s.query: s.name for s in self.triage_settings.searches}
        shown = names.get(query) or f"“{one_line(query, 40)}”"
        more = "+" if capped else ""
        return f"Search {shown} · {total:,}{more} · / to change, empty to clear"

    def action_search(self: MainScreen) -> None:  # type: ignore[misc]
        """Search all conversations; the results replace the inbox list."""

        def chosen(query: str | None) -> None:
            if query is None:
                return
            if not query:
                self.end_search()
                self.action_view(self.view.value)
                return
            self.run_search(query)

        self.app.push_screen(SearchPrompt(self.search_query or "", self.triage_settings.searches), chosen)

    @work(thread=True, group="inbox", exclusive=True, exit_on_error=False)
    def run_search(self: MainScreen, query: str) -> None:  # type: ignore[misc]
        """Run a new search; a bad query fails here and leaves the inbox as it was."""
        found = search.search(self.desk, query, tz=self.triage_settings.tz)
        self.app.call_from_thread(self._searched, query, found)

    def _searched(self: MainScreen, query: str, found: search.SearchPage) -> None:  # type: ignore[misc]
        self.search_query = query
        self._search_caption = self._caption(query, found.total, found.capped)
        self._search_next = found.next_offset
        self.total = found.total
        self._update_inbox_title()
        best = found.rows[0].id if found.rows else None  # a new search starts at its best match
        self.inbox_list.set_rows(found.rows, _more(found), best)
        if not found.rows:
            self.inbox_list.empty_text = "No conversation matches. / to change the search, empty to clear."
            self.customer.clear()
        self._reading(False)
        self.inbox_list.focus()

    # -- snooze, pending, priority -------------------------------------------------------

    def action_send_pending(self: MainScreen) -> None:  # type: ignore[misc]
        """Send the reply and mark the conversation pending (waiting on the customer)."""
        conversation = self.composer.conversation
        if conversation is not None and self.composer.kind is Kind.REPLY:
            self._pending_sends[conversation.id] = self.composer.text
        self.action_send()

    def after_send(self, conversation_id: int, kind: Kind, text: str) -> tuple[Status | None, timedelta | None]:
        """In the send worker: the status (and follow-up) to set with this reply, if any."""
        if kind is Kind.REPLY and self._pending_sends.pop(conversation_id, None) == text:
            return Status.PENDING, self.triage_settings.follow_up
        return None, None

    # -- marks: the rows a bulk action applies to ------------------------------------------

    def _targets(self: MainScreen) -> list[int]:  # type: ignore[misc]
        """The marked conversations (in list order), else the highlighted one."""
        marked = self.inbox_list.marked
        if marked:
            return [r.id for r in self.inbox_list.rows if r.id in marked]
        cid = self._current_id()
        return [] if cid is None else [cid]

    @staticmethod
    def _which(ids: list[int]) -> str:
        return f"#{ids[0]}" if len(ids) == 1 else f"{len(ids)} conversations"

    def _bulk(self: MainScreen, ids: list[int], change: Any, notice: str) -> None:  # type: ignore[misc]
        """Apply `change(desk, ids)` in a worker; the marks go once it is asked for."""
        self.store_action(ids[0], lambda d, _: change(d, ids), notice)
        self._set_marks(frozenset())

    def _set_marks(self: MainScreen, marks: frozenset[int]) -> None:  # type: ignore[misc]
        self.inbox_list.marked = marks
        self.inbox_list.refresh()
        if marks:
            self.inbox_list.border_title = f"Inbox · {len(marks)} marked"
        else:
            self.inbox_list.border_title = "Inbox"

    def action_mark(self: MainScreen) -> None:  # type: ignore[misc]
        """Mark or unmark the highlighted row for a bulk action, and move down."""
        if (cid := self._current_id()) is None:
            return
        self._set_marks(self.inbox_list.marked ^ {cid})
        self._mark_anchor = cid
        self.inbox_list.action_cursor_down()

    def action_mark_range(self: MainScreen) -> None:  # type: ignore[misc]
        """Mark every row from the last one marked with space to the highlighted one."""
        rows = self.inbox_list.rows
        anchor = getattr(self, "_mark_anchor", None)
        start = next((i for i, r in enumerate(rows) if r.id == anchor), None)
        if start is None or self.inbox_list.current is None:
            self.notify("Mark a first row with space, move, then V marks the range.", severity="warning")
            return
        low, high = sorted((start, self.inbox_list.cursor))
        self._set_marks(self.inbox_list.marked | {r.id for r in rows[low : high + 1]})

    def action_unmark_all(self: MainScreen) -> None:  # type: ignore[misc]
        """Forget every mark."""
        self._set_marks(frozenset())

    def action_close_marked(self: MainScreen) -> None:  # type: ignore[misc]
        """Close the marked conversations (or the highlighted one)."""
        if ids := self._targets():
            self._bulk(ids, lambda d, i: [conversations.set_status(d, c, Status.CLOSED) for c in i],
                       f"{self._which(ids)} closed")

    def action_assign_marked(self: MainScreen) -> None:  # type: ignore[misc]
        """Assign the marked conversations (or the highlighted one) to me."""
        if ids := self._targets():
            self._bulk(ids, lambda d, i: [conversations.assign_to_me(d, c) for c in i],
                       f"{self._which(ids)} assigned to you")

    # -- snooze, pending, priority ------------------------------------------------------------

    def action_snooze(self: MainScreen) -> None:  # type: ignore[misc]
        """Snooze the highlighted (or marked) conversations until a time you type."""
        if not (ids := self._targets()):
            return
        tz = self.triage_settings.tz

        def chosen(moment: datetime | None) -> None:
            if moment is not None:
                self._bulk(ids, lambda d, i: snooze.snooze(d, i, moment),
                           f"{self._which(ids)} snoozed until {when_label(moment, tz)}")

        self.app.push_screen(SnoozePrompt(len(ids), tz), chosen)

    def action_pending(self: MainScreen) -> None:  # type: ignore[misc]
        """Waiting on the customer; back in the inbox if they stay silent that long."""
        if not (ids := self._targets()):
            return

        def chosen(delta: timedelta | None) -> None:
            if delta is None:
                return
            follow_up = delta if delta > timedelta(0) else None
            back = f", back in {duration_label(delta)} without an answer" if follow_up else ""
            self._bulk(ids, lambda d, i: snooze.set_pending(d, i, follow_up), f"{self._which(ids)} pending{back}")

        self.app.push_screen(FollowUpPrompt(), chosen)

    def action_priority(self: MainScreen) -> None:  # type: ignore[misc]
        """Set the priority with one more key: l, n, h or u."""
        row = self.inbox_list.current
        if not (ids := self._targets()) or row is None:
            return

        def chosen(priority: workflow.Priority | None) -> None:
            if priority is not None:
                self._bulk(ids, lambda d, i: workflow.set_priority(d, i, priority),
                           f"{self._which(ids)} priority {priority.value}")

        self.app.push_screen(PriorityPicker(row.priority), chosen)

    # -- tags ---------------------------------------------------------------------------------

    def action_tag(self: MainScreen) -> None:  # type: ignore[misc]
        """Toggle a tag on the highlighted conversation, or add one to the marked ones."""
        if ids := self._targets():
            self.load_tags(ids)

    @work(thread=True, group="tags", exit_on_error=False)
    def load_tags(self: MainScreen, ids: list[int]) -> None:  # type: ignore[misc]
        known = [t.name for t in tags.list_tags(self.desk)]
        current = tags.tags_of_one(self.desk, ids[0]) if len(ids) == 1 else ()
        self.app.call_from_thread(self._pick_tag, ids, known, current)

    def _pick_tag(self: MainScreen, ids: list[int], known: list[str], current: tuple[str, ...]) -> None:  # type: ignore[misc]
        def chosen(name: str | None) -> None:
            if not name:
                return
            if len(ids) == 1:
                self.toggle_tag(ids[0], name)
            else:
                self._bulk(ids, lambda d, i: tags.add_tag(d, i, name), f"{self._which(ids)} tagged “{one_line(name)}”")

        title = f"Tags of #{ids[0]}" if len(ids) == 1 else f"Add a tag to {len(ids)} conversations"
        self.app.push_screen(TagPicker(known, current, title), chosen)

    @work(thread=True, group="actions", exit_on_error=False)
    def toggle_tag(self: MainScreen, cid: int, name: str) -> None:  # type: ignore[misc]
        on = tags.toggle_tag(self.desk, cid, name)
        self.post_message(ActionDone(cid, f"#{cid} {'tagged' if on else 'untagged'} “{one_line(name)}”"))

    # -- urgency and articles ----------------------------------------------------------------

    def action_why_urgent(self: MainScreen) -> None:  # type: ignore[misc]
        """Show the urgency score of the highlighted conversation and its reasons."""
        if (cid := self._current_id()) is not None:
            self.load_urgency(cid)

    @work(thread=True, group="urgency", exit_on_error=False)
    def load_urgency(self: MainScreen, cid: int) -> None:  # type: ignore[misc]
        report = urgency.explain(self.desk, cid)
        self.app.call_from_thread(self.app.push_screen, UrgencyScreen(cid, report))

    def action_articles(self: MainScreen) -> None:  # type: ignore[misc]
        """Knowledge-base articles matching the conversation; insert a link or an excerpt."""
        if (cid := self._current_id()) is None:
            return
        if self.triage_settings.kb is None:
            self.notify("No knowledge base: set [kb] folder in the config.", severity="warning")
            return
        self.load_articles(cid)

    def suggest_articles(self: MainScreen, cid: int) -> None:  # type: ignore[misc]
        """Name the best knowledge-base article under the composer (when there is a KB)."""
        if self.triage_settings.kb is not None:
            self._suggest_articles(cid)

    @work(thread=True, group="articles-line", exclusive=True, exit_on_error=False)
    def _suggest_articles(self: MainScreen, cid: int) -> None:  # type: ignore[misc]
        kb = self.triage_settings.kb
        assert kb is not None
        titles = [a.title for a in kb.suggest(self.desk, cid, limit=1)]
        line = self.composer.query_one(SuggestionLine)
        self.app.call_from_thread(line.set_articles, cid, titles)
        self.app.call_from_thread(self.composer._update_latte)

    @work(thread=True, group="articles", exit_on_error=False)
    def load_articles(self: MainScreen, cid: int) -> None:  # type: ignore[misc]
        kb = self.triage_settings.kb
        assert kb is not None
        found = kb.suggest(self.desk, cid)
        excerpts = {a.path: kb.body(a).strip()[:EXCERPT_CHARS] for a in found}
        self.app.call_from_thread(self._pick_article, found, excerpts)

    def _pick_article(self: MainScreen, found: list[Article], excerpts: dict[Any, str]) -> None:  # type: ignore[misc]
        def chosen(choice: tuple[Article, str] | None) -> None:
            if choice is None:
                return
            article, mode = choice
            text = article.link if mode == "link" else excerpts.get(article.path, article.excerpt)
            self.action_reply()
            self.composer.text_area.insert(text)

        self.app.push_screen(ArticlePicker(found), chosen)

    # -- review queue ---------------------------------------------------------------------

    def action_review_queue(self: MainScreen) -> None:  # type: ignore[misc]
        """Open the review queue (leads) or the replies a lead returned to you."""
        self.app.push_screen(ReviewQueueScreen(self.desk), lambda _: self.action_reload())
