"""The main screen: Inbox, Customer and Reply panes, and every triage key.

All store access runs in thread workers (named groups, exit_on_error=False); their
results come back as `agentdesk.messages` and the panes update in handlers. Below
100 columns or 30 rows the panes stack: the inbox alone, then (Enter) the customer
and reply panes, Esc going back, like mutt's index and pager.

| Key | Action |
| --- | --- |
| r | reply to the customer |
| n | write an internal note |
| ctrl+s | send the reply / save the note |
| a | assign to me |
| A | assign to an agent (picker), or to nobody |
| u | unassign |
| c | close |
| o | reopen |
| 1-5, v | views: open, mine, unassigned, pending, closed; v cycles |
| s t p w / U K Q 6-9 | triage: snooze, tag, priority, pending, search, urgency, articles, review (agentdesk.screens.triage) |
| R | reports |
| ctrl+r | reload from the store |
| ? | every key |
| escape | back |
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, TextArea
from textual.worker import Worker, WorkerState

from agentdesk.channels.outbox import DemoSender, deliver
from agentdesk.messages import ActionDone, DetailLoaded, PageLoaded
from agentdesk.screens.help import HelpScreen
from agentdesk.screens.start import Handover, StacksWhenNarrow
from agentdesk.screens.link_customer import LinkCustomerPrompt
from agentdesk.screens.reports import ReportsScreen
from agentdesk.services import Desk, compose, conversations, inbox
from agentdesk.services.compose import Kind
from agentdesk.services.views import ConversationRow, Cursor, View
from agentdesk.store.models import Status
from agentdesk.widgets.composer import Composer
from agentdesk.widgets.reply_area import ReplyArea
from agentdesk.widgets.customer_pane import CustomerPane
from agentdesk.widgets.inbox_list import InboxList, inbox_subtitle
from agentdesk.widgets.poller_status import PollerStatus
from agentdesk.screens.triage import TRIAGE_BINDINGS, TriageActions
from agentdesk.widgets.team_link import TeamLink, header_label, row_label
from agentdesk.screens.agent_picker import UNASSIGN, AgentPicker
from agentdesk.screens.collision import Choice, CollisionScreen
from agentdesk.services import agents, drafts, merge
from agentdesk.text import one_line
from agentdesk.services.agents import AgentView
from agentdesk.services.collision import Collision, check_collision

#: The views the number keys and `v` switch between, in order.
VIEW_KEYS: list[View] = [View.OPEN, View.MINE, View.UNASSIGNED, View.PENDING, View.CLOSED]

#: Wait this long after the cursor stops before loading the highlighted conversation:
#: while keys arrive faster than this (j held down, a burst of moves) no preview is
#: laid out between them, so each move costs only the inbox's two repainted lines.
#: bench/run's key-to-screen figure: move p95 27 ms at 80 ms, 17 ms at 150 ms.
PREVIEW_DELAY = 0.15


class MainScreen(TriageActions, StacksWhenNarrow, Screen[None]):
    """The three-pane console."""

    CSS_PATH = Path(__file__).parent.parent / "styles" / "main.tcss"

    BINDINGS = [
        Binding("r", "reply", "Reply", id="reply"),
        Binding("n", "note", "Note", id="note"),
        Binding("ctrl+s", "send", "Send", priority=True, id="send"),
        Binding("a", "assign", "Assign to me", id="assign"),
        Binding("A", "assign_to", "Assign to…", show=False, id="assign_to"),
        Binding("u", "unassign", "Unassign", show=False, id="unassign"),
        Binding("c", "close_conversation", "Close", id="close"),
        Binding("o", "reopen", "Reopen", id="reopen"),
        Binding("1", "view('open')", "View: all open", show=False, id="view.open"),
        Binding("2", "view('mine')", "View: mine", show=False, id="view.mine"),
        Binding("3", "view('unassigned')", "View: unassigned", show=False, id="view.unassigned"),
        Binding("4", "view('pending')", "View: pending", show=False, id="view.pending"),
        Binding("5", "view('closed')", "View: closed", show=False, id="view.closed"),
        Binding("v", "next_view", "Next view", id="view.next"),
        Binding("ctrl+r", "reload", "Reload", show=False, id="reload"),
        Binding("question_mark", "help", "Keys", id="help"),
        Binding("R", "reports", "Reports", id="reports"),
        Binding("F", "send_again", "Send failed or retrying replies now", show=False, id="send_again"),
        Binding("L", "link_customer", "Link customer (same person elsewhere)", show=False, id="link_customer"),
        Binding("escape", "back", "Back", show=False, id="back"),
        *TRIAGE_BINDINGS,
    ]

    def __init__(self, desk: Desk, handover: Handover | None = None) -> None:
        super().__init__(classes="panes")
        self.desk = desk
        self.handover = handover
        """What the first frame (StartScreen) showed: its page, cursor and typed keys."""
        self.view = View.OPEN
        self.total: int | None = None
        self._preview_timer: Timer | None = None
        self._deliver_locally = desk.is_demo()
        self._compose_base: dict[int, int] = {}
        """Per conversation: the newest message id when the agent started writing (collisions)."""
        self._draft_timer: Timer | None = None
        self._live_timer: Timer | None = None
        self._live_reloaded = 0.0
        self._unsent_seen: dict[int, bool] = {}
        """Per conversation shown: whether it was marked unsent then (to say when it becomes so)."""

    # -- layout ---------------------------------------------------------------

    def compose(self) -> ComposeResult:
        inbox_list = InboxList(id="inbox")
        inbox_list.border_title = "Inbox"
        yield inbox_list
        with Horizontal(id="lower"):
            customer = CustomerPane(id="customer")
            customer.border_title = "Customer"
            yield customer
            composer = Composer(id="reply")
            composer.border_title = "Reply"
            yield composer
        yield TeamLink(desk=self.desk, id="team-link")
        yield PollerStatus(self.desk, getattr(self.app, "settings", None), id="poller-status")
        yield Footer()

    @property
    def inbox_list(self) -> InboxList:
        return self.query_one(InboxList)

    @property
    def customer(self) -> CustomerPane:
        return self.query_one(CustomerPane)

    @property
    def composer(self) -> Composer:
        return self.query_one(Composer)

    def on_mount(self) -> None:
        self.fit_layout()
        self.inbox_list.focus()
        self._update_inbox_title()
        handover, self.handover = self.handover, None
        if handover is None:
            self.load_page(self.view, None, None)
            return
        # Carry on from the first frame: the same rows and cursor at once, then a fresh
        # read (the store may have moved since) and the key typed meanwhile.
        self._page_loaded(PageLoaded(self.view, handover.page, None, handover.cursor_id, handover.total))
        self.load_page(self.view, None, handover.cursor_id)
        self._replay(handover.typed)

    def _replay(self, keys: list[events.Key]) -> None:
        """Press the first key typed during start-up (r, Enter, /…) now that it works.

        Only the first: a key's effect takes several message hops (the binding's action
        moves the focus later still), so "r" then "close" could reach the inbox as c, l,
        o… and close or reopen a conversation. Keys after it are dropped, and said so."""
        if not keys:
            return
        self.app.post_message(keys[0])
        if len(keys) > 1:
            self.notify(f"{len(keys) - 1} more key(s) typed while the console opened were not used.",
                        severity="warning", timeout=4)

    @property
    def narrow(self) -> bool:
        return self.has_class("-narrow")

    def _reading(self, on: bool) -> None:
        """In the stacked layout, show the conversation (True) or the inbox (False)."""
        self.set_class(on, "-reading")

    def _update_inbox_title(self) -> None:
        self.inbox_list.border_subtitle = self.search_title() or inbox_subtitle(self.view, self.total)

    # -- workers (store IO off the UI thread) ---------------------------------

    @work(thread=True, group="inbox", exclusive=True, exit_on_error=False)
    def load_page(self, view: View, after: Cursor | None, keep_id: int | None, limit: int = inbox.PAGE_SIZE) -> None:
        """Load a page of `view` (the first one when `after` is None, with the view's count)."""
        if (searched := self.search_results(view, after, keep_id)) is not None:
            self.post_message(searched)  # a search is shown instead of the view
            return
        page = inbox.page(self.desk, view, after, limit)
        total = inbox.count(self.desk, view) if after is None else None
        self.post_message(PageLoaded(view, page, after, keep_id, total))

    @work(thread=True, group="detail", exclusive=True, exit_on_error=False)
    def load_detail(self, conversation_id: int, focus: bool) -> None:
        """Load the conversation, its customer's history and its thread."""
        self.post_message(DetailLoaded(conversations.open_detail(self.desk, conversation_id), focus))

    @work(thread=True, group="actions", exit_on_error=False)
    def store_action(self, conversation_id: int, change: Callable[[Desk, int], object], notice: str) -> None:
        """Apply one change to the store, then say it happened."""
        change(self.desk, conversation_id)
        self.post_message(ActionDone(conversation_id, notice))

    @work(thread=True, group="send", exit_on_error=False)
    def send_text(self, conversation_id: int, text: str, kind: Kind, force: bool = False) -> None:
        """Queue the reply (or save the note); the demo store delivers it at once.

        A reply stops first (CollisionScreen) when, since the agent started writing, the
        customer wrote again or someone else answered; `force` is "send anyway".
        """
        base = self._compose_base.get(conversation_id)
        if kind is Kind.REPLY and not force and base is not None:
            collision = check_collision(self.desk, conversation_id, base)
            if collision is not None:
                self.app.call_from_thread(self._collided, collision, text, kind, True)
                return
        compose.queue(self.desk, conversation_id, text, kind, *self.after_send(conversation_id, kind, text))
        self._compose_base.pop(conversation_id, None)
        drafts.discard(self.desk, conversation_id)
        if kind is Kind.REPLY:
            self._deliver_if_demo()
        notice = "Note saved" if kind is Kind.NOTE else (
            "Reply sent (demo channel)" if self._deliver_locally else "Reply queued in the outbox"
        )
        self.app.call_from_thread(self.composer.sent, conversation_id, kind)
        self.app.call_from_thread(self.team.viewing, conversation_id)
        self.post_message(ActionDone(conversation_id, notice))

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """One place where any failed store call becomes a notice; nothing is lost."""
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            error = event.worker.error
            if event.worker.group == "send":
                message = f"Not sent, your text is still in the composer: {error}"
            else:
                message = f"{type(error).__name__}: {error}"
            self.notify(message, title="Store error", severity="error", markup=False)
            self.inbox_list.loading_more = False

    # -- results ---------------------------------------------------------------

    @on(PageLoaded)
    def _page_loaded(self, message: PageLoaded) -> None:
        if message.view is not self.view:
            return  # an answer for a view we already left
        self._say_newly_unsent(message.page.rows)
        if message.after is None:
            self.total = message.total
            self._update_inbox_title()
            # The row highlighted now, not when the reload was asked for: the agent may
            # have moved while it ran (a live reload lands up to a second late).
            current = self.inbox_list.current
            self.inbox_list.set_rows(message.page.rows, message.page.next,
                                     current.id if current is not None else message.keep_id)
            if not message.page.rows:
                self.customer.clear()
                self.composer.set_conversation(None)
        else:
            self.inbox_list.append_rows(message.page.rows, message.page.next)

    def _say_newly_unsent(self, rows: list[ConversationRow]) -> None:
        """A reply failed for good since we last saw its conversation (whichever process
        sent it): say so once; the row stays marked "unsent" until F sends it."""
        became = [row.id for row in rows if row.undelivered and self._unsent_seen.get(row.id) is False]
        self._unsent_seen.update((row.id, row.undelivered) for row in rows)
        if became:
            ids = ", ".join(f"#{i}" for i in became[:5]) + (" …" if len(became) > 5 else "")
            self.notify(f"Reply not delivered on {ids}: marked unsent; F on it sends it again.",
                        title="Not delivered", severity="error", timeout=10, markup=False)

    @on(Composer.SendDue)
    def _send_due(self, message: Composer.SendDue) -> None:
        """A reply's undo window has passed (agentdesk.widgets.undo_send): queue it."""
        self.send_text(message.conversation_id, message.text, message.kind)

    @on(DetailLoaded)
    def _detail_loaded(self, message: DetailLoaded) -> None:
        current = self.inbox_list.current
        if current is None or current.id != message.detail.row.id:
            return  # the cursor has moved on
        self.customer.show(message.detail)
        self.composer.set_conversation(message.detail.row)
        self.composer.set_detail(message.detail)
        self.suggest_articles(message.detail.row.id)
        self.inbox_list.replace_row(message.detail.row)
        others = self.team.others.get(message.detail.row.id, [])
        self.customer.set_presence(header_label(others, self.desk.agent.login))
        if message.detail.row.id not in self._compose_base:
            self.team.viewing(message.detail.row.id)
            if not self.composer.text.strip():
                self.restore_draft(message.detail.row.id)
        if message.focus:
            self._reading(True)
            if self.narrow:
                self.customer.focus()

    @on(ActionDone)
    def _action_done(self, message: ActionDone) -> None:
        self.notify(message.notice, timeout=3)
        current = self.inbox_list.current
        self.load_page(self.view, None, current.id if current else None, max(inbox.PAGE_SIZE, len(self.inbox_list.rows)))
        if current is not None and current.id == message.conversation_id:
            self.load_detail(message.conversation_id, False)

    # -- inbox events ------------------------------------------------------------

    @on(InboxList.Highlighted)
    def _highlighted(self, message: InboxList.Highlighted) -> None:
        if self._preview_timer is not None:
            self._preview_timer.stop()
        conversation_id = message.row.id
        self._preview_timer = self.set_timer(
            PREVIEW_DELAY, lambda: self.load_detail(conversation_id, False)
        )

    @on(InboxList.Opened)
    def _opened(self, message: InboxList.Opened) -> None:
        if self._preview_timer is not None:
            self._preview_timer.stop()
        self.load_detail(message.row.id, True)

    @on(InboxList.NeedMore)
    def _need_more(self, message: InboxList.NeedMore) -> None:
        if self.search_query is not None and self._search_next is not None:
            self.search_more(self.search_query, self._search_next)
        elif self.search_query is None:
            self.load_more(self.view, message.after, message.limit)

    @work(thread=True, group="inbox-more", exit_on_error=False)
    def load_more(self, view: View, after: Cursor, limit: int) -> None:
        """The next keyset page after the loaded rows."""
        self.post_message(PageLoaded(view, inbox.page(self.desk, view, after, limit), after, None, None))

    # -- actions ---------------------------------------------------------------------

    def _current_id(self) -> int | None:
        row = self.inbox_list.current
        if row is None:
            self.notify("No conversation selected.", severity="warning")
            return None
        return row.id

    def _start_composing(self, kind: Kind) -> None:
        if self._current_id() is None:
            return
        if self.composer.conversation is None or self.composer.conversation.id != self.inbox_list.current.id:  # type: ignore[union-attr]
            self.composer.set_conversation(self.inbox_list.current)
        self.composer.kind = kind
        self._reading(True)
        self.composer.text_area.focus()
        conversation_id = self.inbox_list.current.id  # type: ignore[union-attr]
        if conversation_id not in self._compose_base:
            self._remember_base(conversation_id)
        self.team.replying(conversation_id)

    def action_reply(self) -> None:
        """Write a reply to the customer."""
        self._start_composing(Kind.REPLY)

    def action_note(self) -> None:
        """Write an internal note only agents see."""
        self._start_composing(Kind.NOTE)

    def action_send(self) -> None:
        """Send the reply, or save the note, that the composer holds."""
        conversation = self.composer.conversation
        text = self.composer.text
        if conversation is None:
            self.notify("Open a conversation first (Enter), then r to reply.", severity="warning")
            return
        if not text.strip():
            self.notify("Nothing to send: the reply is empty.", severity="warning")
            return
        if (problem := self.composer.send_problem()) is not None:
            self.notify(problem, title="Not sent", severity="warning", markup=False)
            return
        self.check_then_hold(conversation.id, text, self.composer.kind)

    # -- the team: live refresh, presence, collisions, assignment (agentdesk.widgets.team_link)

    @property
    def team(self) -> TeamLink:
        return self.query_one(TeamLink)

    @on(TeamLink.StoreChanged)
    def _store_changed(self) -> None:
        """Someone else changed the store: re-read the inbox and the open conversation.

        At most once a second (a busy poller must not keep the console reloading); a
        change inside that second is picked up when it ends.
        """
        if self._live_timer is not None:
            return  # a reload is already scheduled
        wait = 1.0 - (time.monotonic() - self._live_reloaded)
        if wait <= 0:
            self._live_reload()
        else:
            self._live_timer = self.set_timer(wait, self._live_reload)

    def _live_reload(self) -> None:
        self._live_timer = None
        self._live_reloaded = time.monotonic()
        self.action_reload()

    @on(TeamLink.PresenceChanged)
    def _presence_changed(self, message: TeamLink.PresenceChanged) -> None:
        me = self.desk.agent.login
        self.inbox_list.set_presence({cid: row_label(v, me) for cid, v in message.others.items()})
        detail = self.customer.detail
        self.customer.set_presence(header_label(message.others.get(detail.row.id, []), me) if detail else "")

    @work(thread=True, group="send", exit_on_error=False)
    def check_then_hold(self, conversation_id: int, text: str, kind: Kind) -> None:
        """Ctrl+S: stop at once if something crossed the reply, else start the undo window.

        send_text checks again when the window ends: the customer may write meanwhile.
        """
        base = self._compose_base.get(conversation_id)
        if kind is Kind.REPLY and base is not None:
            collision = check_collision(self.desk, conversation_id, base)
            if collision is not None:
                self.app.call_from_thread(self._collided, collision, text, kind, False)
                return
        self.app.call_from_thread(self.composer.hold_send, conversation_id, text, kind)

    def _collided(self, collision: Collision, text: str, kind: Kind, held: bool) -> None:
        """The send stopped: show what changed; send anyway, edit or discard.

        `held`: the reply's undo window had ended (the text may no longer be on screen if
        the agent moved on); else it was stopped at Ctrl+S.
        """
        cid = collision.conversation_id
        newest = max(a.id for a in collision.customer_messages + collision.other_replies + collision.other_notes)
        on_it = self.composer.conversation is not None and self.composer.conversation.id == cid

        def chosen(choice: Choice | None) -> None:
            if choice is Choice.SEND:
                self._compose_base[cid] = newest  # seen: only what comes after stops it again
                if held:
                    self.send_text(cid, text, kind)
                else:
                    self.composer.hold_send(cid, text, kind)
            elif choice is Choice.DISCARD:
                self._compose_base.pop(cid, None)
                self.composer.sent(cid, kind)  # forgets the text, on screen or kept aside
                self.store_action(cid, drafts.discard, "Draft discarded")
            else:  # edit: what arrived is now on screen, so it no longer stops the send
                self._compose_base[cid] = newest
                if held and on_it and not self.composer.text.strip():
                    self.composer.kind = kind
                    self.composer.text_area.load_text(text)
                elif held:
                    self.keep_draft(cid, text, kind.value)  # comes back when #cid is opened
                self.action_reload()
                self.composer.text_area.focus()

        self.app.push_screen(CollisionScreen(collision), chosen)

    @on(TextArea.Changed, "#composer-text")
    def _composing(self) -> None:
        """The agent types: they are replying, and their draft is kept in the store."""
        conversation = self.composer.conversation
        if conversation is None or not self.composer.text.strip():
            return
        if conversation.id not in self._compose_base:
            self._remember_base(conversation.id)
        self.team.replying(conversation.id)
        if self._draft_timer is not None:
            self._draft_timer.stop()
        self._draft_timer = self.set_timer(1.0, self._save_draft)

    def _save_draft(self) -> None:
        conversation = self.composer.conversation
        if conversation is not None and self.composer.text.strip():
            self.keep_draft(conversation.id, self.composer.text, self.composer.kind.value)

    @work(thread=True, group="drafts", exit_on_error=False)
    def keep_draft(self, conversation_id: int, text: str, kind: str) -> None:
        """Store this agent's draft (never anyone else's): it survives a lost ssh session."""
        drafts.save(self.desk, conversation_id, text, kind, self._compose_base.get(conversation_id))

    def _remember_base(self, conversation_id: int) -> None:
        detail = self.customer.detail
        if detail is not None and detail.row.id == conversation_id:
            self._compose_base[conversation_id] = max((m.id for m in detail.messages), default=0)
        else:
            self._fetch_base(conversation_id)

    @work(thread=True, group="drafts", exit_on_error=False)
    def _fetch_base(self, conversation_id: int) -> None:
        newest = drafts.newest_message_id(self.desk, conversation_id)
        self.app.call_from_thread(self._compose_base.setdefault, conversation_id, newest)

    @work(thread=True, group="drafts", exit_on_error=False)
    def restore_draft(self, conversation_id: int) -> None:
        """Bring back this agent's stored draft when the composer has none (after a restart)."""
        draft = drafts.mine(self.desk, conversation_id)
        if draft is not None and draft.text.strip():
            self.app.call_from_thread(self._restored, draft.conversation_id, draft.text, draft.base_message_id)

    def _restored(self, conversation_id: int, text: str, base: int) -> None:
        conversation = self.composer.conversation
        if conversation is None or conversation.id != conversation_id or self.composer.text.strip():
            return
        self._compose_base.setdefault(conversation_id, base)
        self.composer.text_area.load_text(text)

    def action_assign_to(self) -> None:
        """Assign the highlighted conversation to an agent picked from the team."""
        if (cid := self._current_id()) is not None:
            self.load_agents(cid)

    @work(thread=True, group="agents", exit_on_error=False)
    def load_agents(self, conversation_id: int) -> None:
        agents.me(self.desk)  # the current agent is always in the list
        team = agents.list_agents(self.desk.store)
        self.app.call_from_thread(self._pick_agent, conversation_id, team)

    def _pick_agent(self, cid: int, team: list[AgentView]) -> None:
        row = self.inbox_list.current
        current = row.assignee if row is not None and row.id == cid else None

        def chosen(login: str | None) -> None:
            if login == UNASSIGN:
                self.store_action(cid, conversations.unassign, f"#{cid} unassigned")
            elif login is not None:
                self.store_action(
                    cid, lambda d, i: conversations.assign_to(d, i, login), f"#{cid} assigned to {login}"
                )

        self.app.push_screen(AgentPicker(team, cid, current, self.desk.agent.login), chosen)

    def action_unassign(self) -> None:
        """Take the highlighted conversation off whoever has it."""
        if (cid := self._current_id()) is not None:
            self.store_action(cid, conversations.unassign, f"#{cid} unassigned")

    def action_assign(self) -> None:
        """Assign the highlighted conversation to me."""
        if (cid := self._current_id()) is not None:
            self.store_action(cid, conversations.assign_to_me, f"#{cid} assigned to you")

    def action_close_conversation(self) -> None:
        """Close the highlighted conversation."""
        if (cid := self._current_id()) is not None:
            self.store_action(cid, lambda d, i: conversations.set_status(d, i, Status.CLOSED), f"#{cid} closed")

    def action_reopen(self) -> None:
        """Reopen the highlighted conversation."""
        if (cid := self._current_id()) is not None:
            self.store_action(cid, lambda d, i: conversations.set_status(d, i, Status.OPEN), f"#{cid} reopened")

    def _deliver_if_demo(self) -> None:
        """In a worker: a demo store has no real channel, so queued replies go out at once."""
        if self._deliver_locally:
            demo = DemoSender()
            deliver(self.desk.store, {"email": demo, "chat": demo})

    def action_send_again(self) -> None:
        """Queue again the replies of this conversation that failed, or send the ones
        waiting to retry at the next outbox run."""
        if (cid := self._current_id()) is not None:
            self.retry_failed(cid)

    @work(thread=True, group="actions", exit_on_error=False)
    def retry_failed(self, conversation_id: int) -> None:
        count = compose.send_again(self.desk, conversation_id)
        if count:
            self._deliver_if_demo()
        notice = (
            f"{count} repl{'y' if count == 1 else 'ies'} of #{conversation_id} queued to go now"
            if count
            else f"#{conversation_id} has no failed or retrying reply"
        )
        self.post_message(ActionDone(conversation_id, notice))

    def action_link_customer(self) -> None:
        """Merge this conversation's customer with another (same person, another channel)."""
        detail = self.customer.detail
        if detail is None or self.inbox_list.current is None or detail.row.id != self.inbox_list.current.id:
            self.notify("Open a conversation first (Enter).", severity="warning")
            return

        def chosen(reference: str | None) -> None:
            if reference:
                self.link_customer(detail.row.id, detail.customer.id, reference)

        self.app.push_screen(LinkCustomerPrompt(detail.customer.name), chosen)

    @work(thread=True, group="actions", exit_on_error=False)
    def link_customer(self, conversation_id: int, customer_id: int, reference: str) -> None:
        """Merge `customer_id` into the customer `reference` names; say whom it joined."""
        try:
            into = merge.find_by_reference(self.desk, reference)
            result = merge.merge(self.desk, customer_id, into)
        except merge.MergeError as error:
            self.app.call_from_thread(self.notify, str(error), severity="warning", markup=False)
            return
        name = one_line(result.into.name, 40)
        self.post_message(ActionDone(conversation_id, f"Linked: now one customer, {name} (#{result.into.id})"))

    def action_view(self, name: str) -> None:
        """Switch the inbox to another view."""
        self.end_search()
        self.view = View(name)
        self.total = None
        self._update_inbox_title()
        self.inbox_list.empty_text = "Loading…"
        self.inbox_list.set_rows([], None)
        self._reading(False)
        self.inbox_list.focus()
        self.load_page(self.view, None, None)

    def action_next_view(self) -> None:
        """Cycle through the views."""
        index = VIEW_KEYS.index(self.view) if self.view in VIEW_KEYS else -1
        self.action_view(VIEW_KEYS[(index + 1) % len(VIEW_KEYS)].value)

    def action_reload(self) -> None:
        """Reload the inbox and the open conversation from the store."""
        current = self.inbox_list.current
        self.load_page(self.view, None, current.id if current else None, max(inbox.PAGE_SIZE, len(self.inbox_list.rows)))
        if current is not None:
            self.load_detail(current.id, False)

    def action_reports(self) -> None:
        """Open the Reports screen (it computes in its own workers)."""
        self.app.push_screen(ReportsScreen(self.desk))

    def action_help(self) -> None:
        """Show every key."""
        self.app.push_screen(
            HelpScreen(
                [
                    ("Console", list(self.BINDINGS) + list(self.app.BINDINGS)),
                    ("Inbox", list(InboxList.BINDINGS)),
                    ("Composer", list(ReplyArea.BINDINGS) + list(Composer.BINDINGS)),
                ],
                keymap=self._keymap(),
            )
        )

    def _keymap(self) -> dict[str, str]:
        """The config's `[keys]` remapping (binding id -> keys), as `?` should show it."""
        settings = getattr(self.app, "settings", None)
        keys = settings.raw.get("keys") if settings is not None else None
        return {str(k): str(v) for k, v in keys.items()} if isinstance(keys, dict) else {}

    def action_back(self) -> None:
        """From the composer back to the inbox; in the stacked layout, back to the list."""
        focused = self.focused
        if isinstance(focused, TextArea) or focused is self.customer or self.has_class("-reading"):
            self._reading(False)
            self.inbox_list.focus()
            current = self.inbox_list.current
            if not self.composer.text.strip():
                self.team.viewing(current.id if current else None)
