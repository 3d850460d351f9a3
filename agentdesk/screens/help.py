"""The `?` screen: every key of the console, read from the bindings themselves."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static


def key_label(key: str, display: Callable[[Binding], str]) -> str:
    """How a key is written for people: `?` not question_mark, but ctrl+s and enter kept."""
    key = key.strip()
    if key.startswith("ctrl+") or key == "enter":
        return key
    return display(Binding(key, ""))


def key_table(
    sections: list[tuple[str, list[BindingType]]],
    display: Callable[[Binding], str],
    keymap: Mapping[str, str] | None = None,
) -> Content:
    """A plain two-column table of keys and what they do, one section per widget.

    `keymap` is the config's `[keys]` (binding id -> keys): a remapped key is shown
    as the user will press it.
    """
    keymap = keymap or {}
    parts: list[Content | tuple[str, str] | str] = []
    for title, bindings in sections:
        parts.append((f"{title}\n", "bold $accent"))
        for binding in bindings:
            if not isinstance(binding, Binding) or not binding.description:
                continue
            bound = keymap.get(binding.id, binding.key) if binding.id else binding.key
            keys = ", ".join(key_label(k, display) for k in bound.split(","))
            parts.append((f"  {keys:<22}", "bold"))
            parts.append(f"{binding.description}\n")
        parts.append("\n")
    return Content.assemble(*parts)


class HelpScreen(ModalScreen[None]):
    """Lists every key; Esc, q or ? closes it."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 72; max-width: 100%; height: auto; max-height: 90%;
        border: round $accent; border-title-align: center; background: $surface; padding: 0 1; }
    """

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close help")]

    def __init__(
        self, sections: list[tuple[str, list[BindingType]]], keymap: Mapping[str, str] | None = None
    ) -> None:
        super().__init__()
        self.sections = sections
        self.keymap = keymap or {}

    def compose(self) -> ComposeResult:
        scroll = VerticalScroll()
        scroll.border_title = "Keys"
        with scroll:
            yield Static(key_table(self.sections, self.app.get_key_display, self.keymap), id="keys")
