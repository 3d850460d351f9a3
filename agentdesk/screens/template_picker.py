"""Ctrl+T: a fuzzy template picker with a preview, the best fits for the conversation first.

Typing filters by name, title, shortcut, tags and body (every word must match);
the preview shows the template rendered for the open conversation, placeholders
and all. Rendering uses the detail the screen already holds: no store access.

| Key | Action |
| --- | --- |
| up / down | move through the matches |
| enter | insert the highlighted template |
| escape | close without inserting |
"""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from agentdesk.services.views import ConversationDetail
from agentdesk.templates import Template, TemplateSet
from agentdesk.templates.latte import letters
from agentdesk.templates.render import RenderError
from agentdesk.templates.suggest import search
from agentdesk.text import one_line


class TemplatePicker(ModalScreen[Template | None]):
    """Choose a template; dismisses with it (or None on Escape)."""

    DEFAULT_CSS = """
    TemplatePicker { align: center middle; }
    TemplatePicker > Vertical {
        width: 90%; height: 85%; border: thick $accent; background: $surface; padding: 0 1;
    }
    TemplatePicker Input { margin-bottom: 1; }
    TemplatePicker Horizontal { height: 1fr; }
    TemplatePicker OptionList { width: 2fr; height: 1fr; }
    TemplatePicker #picker-preview-box { width: 3fr; height: 1fr; padding: 0 1; border-left: solid $primary; }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Close", id="picker.cancel"),
        Binding("down", "move(1)", "Next", show=False, id="picker.down"),
        Binding("up", "move(-1)", "Previous", show=False, id="picker.up"),
        Binding("enter", "choose", "Insert", id="picker.choose", priority=True),
    ]

    def __init__(
        self,
        templates: TemplateSet,
        detail: ConversationDetail | None,
        preview: Callable[[Template], str],
    ) -> None:
        super().__init__()
        self.templates = templates
        self.detail = detail
        self.preview = preview
        self.matches: list[Template] = []

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Templates · type to filter · Enter inserts · Esc closes"
            yield Input(placeholder="name, tag or words in the body", id="picker-query")
            with Horizontal():
                yield OptionList(id="picker-list")
                with VerticalScroll(id="picker-preview-box"):
                    yield Static(id="picker-preview", markup=False)

    def on_mount(self) -> None:
        self._refresh_matches("")
        self.query_one(Input).focus()

    @property
    def option_list(self) -> OptionList:
        return self.query_one(OptionList)

    @on(Input.Changed)
    def _query_changed(self, event: Input.Changed) -> None:
        self._refresh_matches(event.value)

    def _refresh_matches(self, query: str) -> None:
        self.matches = search(self.templates, query, self.detail)
        options = []
        for template in self.matches:
            shortcut = self.templates.shortcut_of(template)
            slot = self.templates.slot_of(template)
            keys = " ".join(([f";{shortcut}"] if shortcut else []) + ([f"alt+{slot}"] if slot else []))
            label = Content.assemble(
                (template.title, "bold"), "  ",
                (f"{letters(template.covers)}  {keys}", "dim"), "\n",
                (one_line(", ".join(template.tags), 36), "italic dim"),
            )
            options.append(Option(label, id=template.name))
        self.option_list.set_options(options)
        if options:
            self.option_list.highlighted = 0
        self._show_preview()

    @on(OptionList.OptionHighlighted)
    def _highlighted(self) -> None:
        self._show_preview()

    @on(OptionList.OptionSelected)
    def _selected(self) -> None:
        self.action_choose()

    def _current(self) -> Template | None:
        index = self.option_list.highlighted
        if index is None or not 0 <= index < len(self.matches):
            return None
        return self.matches[index]

    def _show_preview(self) -> None:
        template = self._current()
        if template is None:
            text = "No template matches."
        else:
            try:
                text = self.preview(template)
            except RenderError as error:
                text = f"This template cannot be rendered:\n{error}"
        self.query_one("#picker-preview", Static).update(Content(text))

    def action_move(self, step: int) -> None:
        """Move the highlight while the cursor stays in the query."""
        if self.matches:
            index = self.option_list.highlighted or 0
            self.option_list.highlighted = max(0, min(len(self.matches) - 1, index + step))

    def action_choose(self) -> None:
        """Insert the highlighted template."""
        template = self._current()
        if template is not None:
            self.dismiss(template)

    def action_cancel(self) -> None:
        """Close without inserting anything."""
        self.dismiss(None)
