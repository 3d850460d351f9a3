"""The tag picker (`t`): fuzzy search over the tags in use, or create a new one.

Type a few letters; the list keeps the tags that contain them in order, best first
(agentdesk.services.tags.fuzzy_rank). Enter toggles the highlighted tag on the
conversation (✓ marks the ones it has); when no tag has exactly the typed name, the
last choice creates it (the only one when nothing matches).

| Key | Action |
| --- | --- |
| (letters) | filter |
| up / down | move |
| enter | toggle the highlighted tag (or create the typed one) |
| escape | close |
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from agentdesk.services.tags import TagError, fuzzy_rank, normalise
from agentdesk.text import one_line

#: Option ids are "tag:<name>"; creating one is "new:<name>".
NEW = "new:"
OLD = "tag:"


class TagPicker(ModalScreen[str | None]):
    """Dismisses with the tag name to toggle, or None."""

    DEFAULT_CSS = """
    TagPicker { align: center top; }
    TagPicker > Vertical {
        width: 60; max-width: 100%; height: auto; max-height: 90%; margin-top: 3;
        border: thick $accent; background: $surface; padding: 0 1;
    }
    TagPicker #tag-title { text-style: bold; }
    TagPicker OptionList { height: auto; max-height: 14; }
    TagPicker .dialog-hint { color: $text-muted; }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Close", id="tags.cancel"),
        Binding("down", "move(1)", "Next", show=False, id="tags.next"),
        Binding("up", "move(-1)", "Previous", show=False, id="tags.previous"),
    ]

    def __init__(self, known: list[str], current: tuple[str, ...], title: str) -> None:
        super().__init__()
        self.known = known
        self.current = set(current)
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(self.title_text), id="tag-title")
            yield Input(placeholder="type to find or create a tag", id="tag-input")
            yield OptionList(id="tag-options")
            yield Static("enter toggle · esc close", classes="dialog-hint")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one(Input).focus()

    def _fill(self, typed: str) -> None:
        options: list[Option] = []
        ranked = fuzzy_rank(self.known, typed)
        try:
            wanted = normalise(typed) if typed.strip() else ""
        except TagError:
            wanted = ""
        for name in ranked:
            mark = "✓ " if name in self.current else "  "
            options.append(Option(Content(mark + one_line(name)), id=OLD + name))
        if wanted and wanted not in self.known:
            options.append(Option(Content(f"+ create “{one_line(wanted)}”"), id=NEW + wanted))
        option_list = self.query_one(OptionList)
        option_list.clear_options()
        option_list.add_options(options)
        option_list.highlighted = 0 if options else None

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted)
    def _submitted(self) -> None:
        option_list = self.query_one(OptionList)
        if option_list.highlighted is not None:
            self._choose(option_list.get_option_at_index(option_list.highlighted).id or "")

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._choose(event.option.id or "")

    def _choose(self, option_id: str) -> None:
        self.dismiss(option_id.split(":", 1)[1] if ":" in option_id else None)

    def action_move(self, step: int) -> None:
        option_list = self.query_one(OptionList)
        if option_list.option_count:
            current = option_list.highlighted or 0
            option_list.highlighted = max(0, min(option_list.option_count - 1, current + step))

    def action_cancel(self) -> None:
        self.dismiss(None)
