"""The reply composer: a text area for the reply or internal note to the open conversation.

Drafts are kept per conversation while the app runs, so moving through the inbox
never loses what was typed. The screen owns sending (Ctrl+S); the composer only
holds text and mode.

| Key | Action |
| --- | --- |
| ctrl+s | send the reply / save the note (screen binding) |
| ctrl+t, alt+1…9, ;key tab | insert a template (agentdesk.widgets.reply_area) |
| tab / shift+tab | next / previous placeholder |
| ctrl+e | edit in `$EDITOR` |
| ctrl+z | pull back a reply inside its undo window (agentdesk.widgets.undo_send) |
| escape | back to the inbox (screen binding) |
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static, TextArea

from agentdesk.services.compose import Kind
from agentdesk.services.views import ConversationDetail, ConversationRow
from agentdesk.templates.render import placeholders_in
from agentdesk.text import one_line
from agentdesk.widgets.latte_line import LatteLine
from agentdesk.widgets.suggestion_line import SuggestionLine, best_templates
from agentdesk.widgets.reply_area import ReplyArea
from agentdesk.widgets.undo_send import UNDO_SEND_BINDINGS, SendDue, UndoSend


class Composer(UndoSend, Vertical):
    """A mode line ("Reply to … by email" or "Internal note") over a TextArea."""

    DEFAULT_CSS = """
    Composer #composer-mode { height: 1; color: $text-muted; padding: 0 1; }
    Composer.-note #composer-mode { color: $warning; text-style: bold; }
    Composer > TextArea, Composer > TextArea:focus { height: 1fr; border: none; padding: 0 1; }
    Composer.-note TextArea { background: $warning 10%; }
    """

    BINDINGS = UNDO_SEND_BINDINGS
    SendDue = SendDue

    kind: reactive[Kind] = reactive(Kind.REPLY, init=False)
    """Whether Ctrl+S sends a reply to the customer or saves an internal note."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.conversation: ConversationRow | None = None
        self._drafts: dict[tuple[int, Kind], str] = {}

    def compose(self) -> ComposeResult:
        yield Static(Content("No conversation open."), id="composer-mode")
        yield ReplyArea(
            id="composer-text", soft_wrap=True, show_line_numbers=False,
            conversation_id=lambda: self.conversation.id if self.conversation else None,
        )
        yield LatteLine(id="composer-latte")
        yield SuggestionLine(id="composer-suggestions")

    @property
    def text_area(self) -> ReplyArea:
        return self.query_one("#composer-text", ReplyArea)

    @property
    def text(self) -> str:
        return self.text_area.text

    def _save_draft(self) -> None:
        if self.conversation is not None:
            self._drafts[(self.conversation.id, self.kind)] = self.text_area.text

    def _load_draft(self) -> None:
        draft = self._drafts.get((self.conversation.id, self.kind), "") if self.conversation else ""
        if self.text_area.text != draft:
            self.text_area.load_text(draft)
            self.text_area.move_cursor(self.text_area.document.end)
        self._update_mode_line()
        self._update_latte()

    def set_conversation(self, row: ConversationRow | None) -> None:
        """Switch to `row`, keeping the draft of the one we leave."""
        if row is not None and self.conversation is not None and row.id == self.conversation.id:
            self.conversation = row
            self._update_mode_line()
            return
        self._save_draft()
        self.conversation = row
        self._load_draft()

    def watch_kind(self, old: Kind, new: Kind) -> None:
        if self.conversation is not None:
            self._drafts[(self.conversation.id, old)] = self.text_area.text
        self.set_class(new is Kind.NOTE, "-note")
        self._load_draft()

    def sent(self, conversation_id: int, kind: Kind) -> None:
        """Forget the draft that was just sent."""
        self._drafts.pop((conversation_id, kind), None)
        if self.conversation is not None and self.conversation.id == conversation_id and self.kind is kind:
            self.text_area.load_text("")
        self.kind = Kind.REPLY

    def _update_mode_line(self) -> None:
        row = self.conversation
        if row is None:
            line = Content("No conversation open.")
        elif self.kind is Kind.NOTE:
            line = Content(f"Note on #{row.id}, only agents see it · ^S save")
        else:
            who = one_line(row.customer.name, 30)
            line = Content(f"To {who} by {row.network or row.channel} · ^S send")
        self.query_one("#composer-mode", Static).update(line)
        self.border_subtitle = "internal note" if self.kind is Kind.NOTE else None

    # -- templates and LATTE (logic in agentdesk.templates; keys in ReplyArea) ----------

    @on(ReplyArea.TemplatesLoaded)
    def _templates_arrived(self) -> None:
        """The templates load in a worker: suggest from them once they are there."""
        detail = self.text_area.detail
        if detail is not None:
            self.call_after_refresh(self.set_detail, detail)

    def set_detail(self, detail: ConversationDetail) -> None:
        """The opened conversation, which templates are rendered from (no store access)."""
        self.text_area.detail = detail
        templates = self.text_area.templates
        suggestions = self.query_one(SuggestionLine)
        suggestions.for_conversation(
            detail.row.id, best_templates(list(templates), detail) if templates else []
        )
        self._update_latte()

    @on(TextArea.Changed)
    @on(ReplyArea.Inserted)
    def _update_latte(self) -> None:
        self.sync_read_only()
        line = self.query_one(LatteLine)
        show = self.kind is Kind.REPLY and bool(self.text.strip())
        line.display = show
        suggestions = self.query_one(SuggestionLine)
        suggestions.display = not show and self.kind is Kind.REPLY and suggestions.has_some
        settings = self.text_area.template_settings
        line.show(self.text_area.coverage() if show else None, bool(settings and settings.latte_blocks))

    def send_problem(self) -> str | None:
        """Why Ctrl+S must not send yet (a placeholder left, a required LATTE step), or None."""
        left = placeholders_in(self.text)
        if left:
            more = f" and {len(left) - 1} more" if len(left) > 1 else ""
            return f"Fill the placeholder «{left[0]}»{more} first (Tab jumps to it)."
        settings = self.text_area.template_settings
        if self.kind is Kind.REPLY and settings is not None and settings.latte_blocks:
            missing = self.text_area.coverage().missing
            if missing:
                return f"LATTE: this reply misses {', '.join(s.label for s in missing)}."
        return None
