"""The composer's text area: canned replies by keyboard, placeholders, and `$EDITOR`.

Templates are inserted at the cursor and stack with what is already written (a
selection is never replaced). After an insertion the first placeholder of the
inserted text is selected, so typing fills it; Tab and Shift+Tab move between
placeholders. Rendering uses the `ConversationDetail` the screen already loaded, so
it never touches the store; only reading the template folders runs in a worker.

| Key | Action |
| --- | --- |
| alt+1 … alt+9 | insert the template in that quick slot |
| ctrl+t | template picker (fuzzy: name, tags, body; best fits first) |
| ;shortcut tab | expand the shortcut in place |
| tab / shift+tab | next / previous placeholder |
| ctrl+e | edit the draft in `$EDITOR` |
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from textual import events, work
from textual.app import SuspendNotSupported
from textual.binding import Binding
from textual.message import Message
from textual.widgets import TextArea
from textual.widgets.text_area import Location, Selection
from textual.worker import Worker, WorkerState

from agentdesk.config import AgentSettings, Settings
from agentdesk.services.views import ConversationDetail
from agentdesk.templates import Coverage, Part, Template, TemplateSet, coverage, load, render_for
from agentdesk.templates.loader import errors
from agentdesk.templates.insert import first_in, next_span, shortcut_before, stack
from agentdesk.templates.render import RenderError
from agentdesk.templates.settings import TemplateSettings, for_store, template_settings


#: What Alt+digit arrives as in real terminals: most (and tmux, and ssh) send ESC+digit,
#: which Textual reads as the character macOS types for Option+digit (ESC 1 is "¡").
#: The text area would type those, so `on_key` takes them first. Alt+3 ("£") is left
#: out so a price can be typed; remap a slot with `[keys] template.slot3 = "f3"`.
TERMINAL_ALT_DIGITS = {
    "inverted_exclamation_mark": 1, "trade_mark_sign": 2, "cent_sign": 4, "infinity": 5,
    "section_sign": 6, "pilcrow_sign": 7, "bullet": 8, "ª": 9,
}


class ReplyArea(TextArea):
    """A TextArea that knows the open conversation and the agent's templates."""

    BINDINGS = [
        *(
            Binding(f"alt+{n}", f"quick_slot({n})", f"Template {n}", show=False, id=f"template.slot{n}")
            for n in range(1, 10)
        ),
        Binding("ctrl+t", "pick_template", "Templates", id="template.pick"),
        Binding("tab", "next_placeholder", "Next placeholder", show=False, id="template.next"),
        Binding("shift+tab", "previous_placeholder", "Previous placeholder", show=False,
                id="template.previous"),
        Binding("ctrl+e", "edit_externally", "$EDITOR", id="composer.editor"),
    ]

    class TemplatesLoaded(Message):
        """The template folders were read (in a worker)."""

        def __init__(self, templates: TemplateSet, settings: TemplateSettings) -> None:
            super().__init__()
            self.templates = templates
            self.settings = settings

    class Inserted(Message):
        """A template went into the draft (the composer refreshes its LATTE line)."""

        def __init__(self, template: Template) -> None:
            super().__init__()
            self.template = template

    def __init__(
        self, *args: object, conversation_id: Callable[[], int | None] = lambda: None, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.conversation_id = conversation_id
        """Which conversation the composer is writing to (the detail must match it)."""
        self.detail: ConversationDetail | None = None
        self.templates: TemplateSet | None = None
        self.template_settings: TemplateSettings | None = None
        self._parts: dict[int, list[Part]] = {}

    # -- loading ----------------------------------------------------------------------

    def on_mount(self) -> None:
        self.load_templates()

    def _settings(self) -> Settings:
        settings = getattr(self.app, "settings", None)
        if isinstance(settings, Settings):
            return settings
        return Settings(agent=self.agent)

    @property
    def agent(self) -> AgentSettings:
        desk = getattr(self.app, "desk", None)
        return desk.agent if desk is not None else AgentSettings("agent", "Agent")

    @work(thread=True, group="templates", exclusive=True, exit_on_error=False)
    def load_templates(self) -> None:
        """Read the library, team and personal folders (disk IO: off the UI thread)."""
        settings = template_settings(self._settings())
        desk = getattr(self.app, "desk", None)
        settings = for_store(settings, desk is not None and desk.is_demo())
        self.post_message(self.TemplatesLoaded(load(settings.folders), settings))

    def on_reply_area_templates_loaded(self, message: TemplatesLoaded) -> None:
        self.templates = message.templates
        self.template_settings = message.settings
        bad = errors(message.templates.problems)
        if bad:
            self.notify(f"{len(bad)} template error(s): run `agentdesk templates check`",
                        severity="warning", markup=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.group == "templates":
            self.notify(f"Templates not loaded: {event.worker.error}", severity="error", markup=False)

    def on_key(self, event: events.Key) -> None:
        slot = TERMINAL_ALT_DIGITS.get(event.key)
        if slot is not None:
            event.prevent_default()  # before TextArea types the character
            event.stop()
            self.action_quick_slot(slot)

    # -- what the composer asks ----------------------------------------------------------

    @property
    def parts(self) -> list[Part]:
        """The inserted template parts of the open conversation's draft."""
        return self._parts.get(self.detail.row.id, []) if self.detail else []

    def coverage(self) -> Coverage:
        return coverage(self.text, self.parts)

    # -- inserting ---------------------------------------------------------------------

    def _ready(self) -> bool:
        if self.templates is None:
            self.notify("Templates are still loading.", severity="warning")
            return False
        wanted = self.conversation_id()
        if wanted is None:
            self.notify("Open a conversation first.", severity="warning")
            return False
        if self.detail is None or self.detail.row.id != wanted:
            # Never fill a template with the previous conversation's customer.
            self.notify("Still loading this conversation; try again in a moment.", severity="warning")
            return False
        return True

    def insert_template(self, template: Template, replace: tuple[Location, Location] | None = None) -> bool:
        """Render `template` for the open conversation and insert it at the cursor
        (after deleting `replace`, the typed `;shortcut`)."""
        if self.detail is None:
            return False
        shop = self.template_settings.shop if self.template_settings else {}
        try:
            rendered = render_for(template, self.detail, agent=self.agent, shop=shop)
        except RenderError as error:
            self.notify(str(error), title="Template error", severity="error", markup=False)
            return False
        if replace is not None:
            self.delete(*replace)
        self.selection = Selection.cursor(self.selection.end)  # never replace the selection
        row, column = self.cursor_location
        line = self.document.get_line(row)
        previous = self.document.get_line(row - 1) if row > 0 else None
        stacked = stack(line[:column], line[column:], previous, rendered.text)
        at = self.document.get_index_from_location(self.cursor_location)
        self.insert(stacked.text)
        start, end = at + stacked.start, at + stacked.start + stacked.length
        self._parts.setdefault(self.detail.row.id, []).extend(rendered.parts)
        self._select(first_in(self.text, start, end) or (end, end))
        self.post_message(self.Inserted(template))
        return True

    def _select(self, span: tuple[int, int]) -> None:
        locate = self.document.get_location_from_index
        self.selection = Selection(locate(span[0]), locate(span[1]))
        self.scroll_cursor_visible()

    def action_quick_slot(self, slot: int) -> None:
        """Insert the template in quick slot `slot` (Alt+1 … Alt+9)."""
        if not self._ready():
            return
        template = self.templates.by_slot.get(slot)  # type: ignore[union-attr]
        if template is None:
            self.notify(f"No template in slot {slot} (set `slot: {slot}` in one).", severity="warning")
            return
        self.insert_template(template)

    def action_pick_template(self) -> None:
        """Open the fuzzy template picker; the chosen template is inserted at the cursor."""
        if not self._ready():
            return
        from agentdesk.screens.template_picker import TemplatePicker

        def chosen(template: Template | None) -> None:
            if template is not None:
                self.insert_template(template)
            self.focus()

        assert self.templates is not None
        self.app.push_screen(TemplatePicker(self.templates, self.detail, self._preview), chosen)

    def _preview(self, template: Template) -> str:
        if self.detail is None:
            return template.body
        shop = self.template_settings.shop if self.template_settings else {}
        return render_for(template, self.detail, agent=self.agent, shop=shop).text

    # -- Tab: shortcuts and placeholders ---------------------------------------------------

    def action_next_placeholder(self) -> None:
        """Expand a `;shortcut` before the cursor, else go to the next placeholder."""
        row, column = self.cursor_location
        key = shortcut_before(self.document.get_line(row)[:column]) if self.selection.is_empty else None
        if key is not None and self.templates is not None:
            template = self.templates.get(key)
            if template is None:
                self.notify(f"No template with the shortcut ;{key}", severity="warning")
                return
            if self._ready():
                self.insert_template(template, replace=((row, column - len(key) - 1), (row, column)))
            return
        self._jump(backwards=False)

    def action_previous_placeholder(self) -> None:
        """Go to the previous placeholder."""
        self._jump(backwards=True)

    def _jump(self, backwards: bool) -> None:
        index = self.document.get_index_from_location
        selection = (index(self.selection.start), index(self.selection.end))
        span = next_span(self.text, selection, backwards)
        if span is None:
            # Nothing to jump to: Tab keeps its usual meaning (move the focus).
            (self.screen.focus_previous if backwards else self.screen.focus_next)()
            return
        self._select(span)

    # -- $EDITOR -----------------------------------------------------------------------

    def action_edit_externally(self) -> None:
        """Edit the draft in `$VISUAL` / `$EDITOR`; the app suspends while it runs."""
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        with tempfile.TemporaryDirectory(prefix="agentdesk-") as folder:
            path = Path(folder) / "reply.md"
            path.write_text(self.text, encoding="utf-8")
            command = [*shlex.split(editor), str(path)]
            try:
                with self.app.suspend():
                    result = subprocess.run(command, check=False)
            except SuspendNotSupported:  # headless (tests) or Textual web: no terminal to lend
                result = subprocess.run(command, check=False)
            code = getattr(result, "returncode", 0)
            if code != 0:
                self.notify(f"{editor} exited with {code}; the draft is unchanged.", severity="warning",
                            markup=False)
                return
            text = path.read_text(encoding="utf-8").rstrip("\n")
        if text != self.text:
            self.replace(text, (0, 0), self.document.end)
        self.refresh()
