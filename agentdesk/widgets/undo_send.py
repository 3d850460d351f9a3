"""Ctrl+S with an undo window: a reply waits a few seconds before it is queued.

During the window (`[composer] undo_seconds`, 10 by default, 0 sends at once) the
reply stays in the composer, read-only, and a notice says how to pull it back:
Ctrl+Z makes it editable again, unsent. When the window ends the composer posts
`SendDue` and the screen queues the reply exactly as before (so the composer is
cleared, and a collision can still stop it, only then). The agent can move to other
conversations meanwhile. Quitting inside the window sends the reply at once; a crash
leaves it unsent but not lost (the draft saved while typing stays in the store).

Mixed into `Composer` (it uses the composer's drafts and text area), so the binding
is the composer's: `UNDO_SEND_BINDINGS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.message import Message
from textual.timer import Timer

from agentdesk.config import ConfigError, Settings
from agentdesk.services import compose
from agentdesk.services.compose import Kind

if TYPE_CHECKING:
    from agentdesk.widgets.composer import Composer

DEFAULT_UNDO_SECONDS = 10.0

UNDO_SEND_BINDINGS = [
    Binding("ctrl+z", "pull_back", "Undo send", priority=True, show=False, id="composer.undo_send"),
]


def undo_seconds(settings: Settings | None) -> float:
    """`[composer] undo_seconds` from the config (10 when not set)."""
    if settings is None:
        return DEFAULT_UNDO_SECONDS
    table = settings.raw.get("composer", {})
    value = table.get("undo_seconds", DEFAULT_UNDO_SECONDS) if isinstance(table, dict) else None
    if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
        raise ConfigError("composer.undo_seconds", settings.file, f"expected seconds >= 0, got {value!r}")
    return float(value)


@dataclass
class Pending:
    conversation_id: int
    text: str
    kind: Kind
    timer: Timer | None


class SendDue(Message):
    """The undo window of a reply has passed: queue it now."""

    def __init__(self, conversation_id: int, text: str, kind: Kind) -> None:
        super().__init__()
        self.conversation_id = conversation_id
        self.text = text
        self.kind = kind


class UndoSend:
    """The composer's side of the undo window (a mixin for `Composer`)."""

    _pending: Pending | None = None

    def hold_send(self: Composer, conversation_id: int, text: str, kind: Kind) -> None:  # type: ignore[misc]
        """Start the undo window for this reply (another reply already waiting goes now)."""
        pending = self._pending
        if pending is not None:
            if (pending.conversation_id, pending.kind) == (conversation_id, kind):
                return  # Ctrl+S again on the same waiting reply
            self._release()
        seconds = undo_seconds(getattr(self.app, "settings", None))
        if seconds <= 0 or kind is Kind.NOTE:
            self.post_message(SendDue(conversation_id, text, kind))
            return
        self._pending = Pending(conversation_id, text, kind, self.set_timer(seconds, self._release))
        self.sync_read_only()
        self.notify(f"Reply to #{conversation_id} goes out in {seconds:g} s · Ctrl+Z pulls it back",
                    timeout=seconds)

    def sync_read_only(self: Composer) -> None:  # type: ignore[misc]
        """The waiting reply cannot be edited (only pulled back); any other draft can."""
        pending = self._pending
        self.text_area.read_only = (
            pending is not None
            and self.conversation is not None
            and (pending.conversation_id, pending.kind) == (self.conversation.id, self.kind)
        )

    def _release(self: Composer) -> None:  # type: ignore[misc]
        pending, self._pending = self._pending, None
        if pending is not None:
            if pending.timer is not None:
                pending.timer.stop()
            self.sync_read_only()
            self.post_message(SendDue(pending.conversation_id, pending.text, pending.kind))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Without a reply waiting, Ctrl+Z is the text area's own undo.
        if action == "pull_back":
            return self._pending is not None
        return True

    def action_pull_back(self: Composer) -> None:  # type: ignore[misc]
        """Take the waiting reply back into the composer, unsent."""
        pending, self._pending = self._pending, None
        if pending is None:
            return
        if pending.timer is not None:
            pending.timer.stop()
        self.sync_read_only()
        if self.conversation is not None and self.conversation.id == pending.conversation_id:
            self.kind = pending.kind
            self.text_area.focus()
        self.notify(f"Reply to #{pending.conversation_id} pulled back: it was not sent.")

    def on_unmount(self: Composer) -> None:  # type: ignore[misc]
        """Quitting inside the window sends the reply (a worker would be cancelled now)."""
        pending, self._pending = self._pending, None
        desk = getattr(self.app, "desk", None)
        if pending is not None and desk is not None:
            compose.queue(desk, pending.conversation_id, pending.text, pending.kind)
