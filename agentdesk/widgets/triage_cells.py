"""The triage cells of an inbox row: the SLA countdown (amber at 75% of the target,
red once breached) and the tags. Kept apart from the list widget so its drawing code
stays about layout; the colours come from the list's component classes
`inbox-list--amber` and `inbox-list--red`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from rich.segment import Segment
from rich.style import Style

from agentdesk.services import sla
from agentdesk.services.sla import SlaState
from agentdesk.services.views import ConversationRow
from agentdesk.text import one_line

#: Columns of the SLA cell ("-40d" plus a space).
SLA_WIDTH = 6

TRIAGE_CSS = """
InboxList > .inbox-list--amber { color: $warning; text-style: bold; }
InboxList > .inbox-list--red { color: $error; text-style: bold; }
"""
TRIAGE_COMPONENTS = {"inbox-list--amber", "inbox-list--red"}


class _Styled(Protocol):
    def get_component_rich_style(self, *names: str, partial: bool = False) -> Style: ...


def sla_segment(widget: _Styled, row: ConversationRow, now: datetime, style: Style, dim: Style) -> Segment:
    """The countdown to the row's SLA due time, coloured by how much of it is used up."""
    if row.status != "open":
        return Segment(" " * SLA_WIDTH, dim)
    text = sla.countdown(row.sla_due_at, now).rjust(SLA_WIDTH - 1) + " "
    state = sla.policy().state(row.channel, row.sla_due_at, now)
    if state is SlaState.RED:
        return Segment(text, style + widget.get_component_rich_style("inbox-list--red"))
    if state is SlaState.AMBER:
        return Segment(text, style + widget.get_component_rich_style("inbox-list--amber"))
    return Segment(text, dim)


def tags_label(tags: tuple[str, ...], room: int) -> str:
    """"#late #refund" cut to `room` columns ("" when there are none or no room)."""
    if not tags or room < 4:
        return ""
    label = " ".join("#" + one_line(t).replace(" ", "-") for t in tags)
    return label if len(label) <= room else label[: room - 1] + "…"
