"""Assign to an agent: pick a member of the team, or nobody (unassign).

| Key | Action |
| --- | --- |
| up / down | move |
| enter | assign to the highlighted agent (or unassign) |
| escape | close without a change |
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from agentdesk.services.agents import AgentView
from agentdesk.text import one_line

#: The option id that means "nobody".
UNASSIGN = "\x00unassign"


class AgentPicker(ModalScreen[str | None]):
    """Dismisses with an agent's login, UNASSIGN, or None (cancelled)."""

    DEFAULT_CSS = """
    AgentPicker { align: center middle; }
    AgentPicker > Vertical {
        width: 60; max-width: 100%; height: auto; max-height: 80%;
        border: thick $accent; background: $surface; padding: 0 1;
    }
    AgentPicker #picker-title { text-style: bold; margin-bottom: 1; }
    AgentPicker OptionList { height: auto; max-height: 20; }
    """

    BINDINGS = [Binding("escape", "cancel", "Close", id="agent_picker.cancel")]

    def __init__(
        self, agents: list[AgentView], conversation_id: int, current: str | None, me: str
    ) -> None:
        super().__init__()
        self.agents = agents
        self.conversation_id = conversation_id
        self.current = current
        self.me = me

    def compose(self) -> ComposeResult:
        options = []
        for agent in self.agents:
            label = f"{one_line(agent.login, 20):<20} {one_line(agent.display_name, 24):<24} {agent.role}"
            if agent.login == self.me:
                label += "  (you)"
            if agent.login == self.current:
                label += "  ✓"
            options.append(Option(Content(label), id=agent.login))
        options.append(Option(Content("— nobody (unassign)"), id=UNASSIGN))
        with Vertical():
            yield Static(Content(f"Assign #{self.conversation_id} to"), id="picker-title")
            yield OptionList(*options)

    def on_mount(self) -> None:
        option_list = self.query_one(OptionList)
        ids = [a.login for a in self.agents]
        option_list.highlighted = ids.index(self.current) if self.current in ids else 0
        option_list.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
