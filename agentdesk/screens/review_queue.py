"""The review queue (`Q`): a lead approves, edits then approves, or returns trainees' replies.

For a lead it lists every reply waiting for approval; for anyone else it lists their
own replies a lead returned, with the lead's comments, to revise and resubmit. All
store work runs in thread workers (group "review"); results come back through
`call_from_thread`, failures (say, a non-lead approving) as one notice.

| Key | Action |
| --- | --- |
| up / down | move through the replies |
| y | approve: the reply goes out (lead) |
| e | edit the reply; ctrl+s approves it (lead) or resubmits it (author) |
| x | return it with a comment (lead) |
| ctrl+r | reload |
| escape | cancel the edit or comment; else back to the inbox |
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Input, OptionList, Static, TextArea
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from agentdesk.services import review
from agentdesk.services.desk import Desk
from agentdesk.services.review import ReviewItem
from agentdesk.text import clean, one_line


class ReviewQueueScreen(Screen[None]):
    """Held replies on the left, the highlighted one with its comments on the right."""

    DEFAULT_CSS = """
    ReviewQueueScreen #review-list { width: 45%; border: round $primary 60%; }
    ReviewQueueScreen #review-list:focus { border: round $primary; }
    ReviewQueueScreen #review-side { width: 1fr; border: round $primary 60%; padding: 0 1; }
    ReviewQueueScreen #review-text { height: auto; }
    ReviewQueueScreen .review-comment { color: $warning; }
    ReviewQueueScreen #review-editor { height: 1fr; display: none; }
    ReviewQueueScreen #review-comment-input { display: none; }
    ReviewQueueScreen.-editing #review-editor { display: block; }
    ReviewQueueScreen.-editing #review-scroll { display: none; }
    ReviewQueueScreen.-commenting #review-comment-input { display: block; }
    """

    BINDINGS = [
        Binding("y", "approve", "Approve", id="review.approve"),
        Binding("e", "edit", "Edit", id="review.edit"),
        Binding("x", "return_reply", "Return", id="review.return"),
        Binding("ctrl+s", "save", "Approve edited / resubmit", priority=True, id="review.save"),
        Binding("ctrl+r", "reload", "Reload", show=False, id="review.reload"),
        Binding("escape", "back", "Back", id="review.back"),
    ]

    def __init__(self, desk: Desk) -> None:
        super().__init__()
        self.desk = desk
        self.items: list[ReviewItem] = []
        self.lead = False

    def compose(self) -> ComposeResult:
        with Horizontal():
            listing = OptionList(id="review-list")
            listing.border_title = "Review queue"
            yield listing
            with Vertical(id="review-side"):
                with VerticalScroll(id="review-scroll"):
                    yield Static("", id="review-text")
                    yield Vertical(id="review-comments")
                yield TextArea(id="review-editor", soft_wrap=True)
                yield Input(placeholder="What should change? (enter returns it)", id="review-comment-input")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.load()

    # -- workers ----------------------------------------------------------------

    @work(thread=True, group="review", exclusive=True, exit_on_error=False)
    def load(self) -> None:
        """The queue (for a lead) or my returned replies (for anyone else)."""
        with self.desk.store.session() as session:
            lead = review.role_of(session, self.desk.agent.login) == review.LEAD
        items = review.queue_for_review(self.desk) if lead else review.returned_to_me(self.desk)
        self.app.call_from_thread(self._loaded, lead, items)

    @work(thread=True, group="review-change", exit_on_error=False)
    def change(self, step: str, outbox_id: int, text: str | None) -> None:
        """Approve (optionally edited), return with a comment, or resubmit."""
        if step == "approve":
            review.approve(self.desk, outbox_id, text)
            notice = "Approved: the reply goes out"
        elif step == "return":
            review.return_reply(self.desk, outbox_id, text or "")
            notice = "Returned to its author"
        else:
            review.resubmit(self.desk, outbox_id, text or "")
            notice = "Resubmitted for approval"
        self.app.call_from_thread(self._changed, notice)

    @on(Worker.StateChanged)
    def _failed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            self.notify(str(event.worker.error), title="Review", severity="error", markup=False)

    # -- results ------------------------------------------------------------------

    def _loaded(self, lead: bool, items: list[ReviewItem]) -> None:
        self.lead, self.items = lead, items
        listing = self.query_one(OptionList)
        listing.border_title = "Review queue" if lead else "Returned to you"
        listing.clear_options()
        listing.add_options(
            Option(Content(f"#{i.conversation_id} {one_line(i.customer, 16)} · {i.author} · {one_line(i.subject, 30)}"),
                   id=str(n))
            for n, i in enumerate(items)
        )
        if items:
            listing.highlighted = 0
        self._show(items[0] if items else None)

    def _changed(self, notice: str) -> None:
        self.notify(notice, timeout=3)
        self.set_class(False, "-editing")
        self.set_class(False, "-commenting")
        self.query_one(OptionList).focus()
        self.load()

    @on(OptionList.OptionHighlighted)
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._show(self.items[int(event.option.id or 0)])

    def _show(self, item: ReviewItem | None) -> None:
        text = self.query_one("#review-text", Static)
        comments = self.query_one("#review-comments", Vertical)
        comments.remove_children()
        if item is None:
            text.update("Nothing waits for review." if self.lead else "No reply of yours was returned.")
            return
        text.update(Content(clean(item.text)))
        comments.mount_all(
            Static(Content(f"{c.author}: {one_line(c.text)}"), classes="review-comment") for c in item.comments
        )

    @property
    def current(self) -> ReviewItem | None:
        index = self.query_one(OptionList).highlighted
        return self.items[index] if index is not None and index < len(self.items) else None

    # -- actions ------------------------------------------------------------------

    def action_approve(self) -> None:
        """Let the highlighted reply go out as it is."""
        if (item := self.current) is not None and not self.has_class("-editing"):
            self.change("approve", item.outbox_id, None)

    def action_edit(self) -> None:
        """Edit the reply; ctrl+s approves (lead) or resubmits (author)."""
        if (item := self.current) is None:
            return
        editor = self.query_one(TextArea)
        editor.load_text(item.text)
        self.set_class(True, "-editing")
        editor.focus()

    def action_save(self) -> None:
        """Approve the edited reply (lead) or resubmit it (author)."""
        if (item := self.current) is None or not self.has_class("-editing"):
            return
        text = self.query_one(TextArea).text
        self.change("approve" if self.lead else "resubmit", item.outbox_id, text)

    def action_return_reply(self) -> None:
        """Return the highlighted reply to its author with a comment."""
        if self.current is None or not self.lead:
            return
        self.set_class(True, "-commenting")
        self.query_one(Input).focus()

    @on(Input.Submitted, "#review-comment-input")
    def _comment(self, event: Input.Submitted) -> None:
        if (item := self.current) is not None and event.value.strip():
            self.change("return", item.outbox_id, event.value)
            event.input.value = ""

    def action_reload(self) -> None:
        self.load()

    def action_back(self) -> None:
        """Leave the edit or comment; else go back to the inbox."""
        if self.has_class("-editing") or self.has_class("-commenting"):
            self.set_class(False, "-editing")
            self.set_class(False, "-commenting")
            self.query_one(OptionList).focus()
        else:
            self.dismiss(None)
