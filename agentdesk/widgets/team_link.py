"""This console's link to the rest of the team: live refresh and presence.

A hidden widget the main screen mounts. Every half second a short thread worker asks
the store's change detector (agentdesk.services.live), beats this console's presence
when due (which conversation it shows, viewing or replying), and posts:

* `StoreChanged` when someone (another agent, the poller, a CLI command) changed
  conversations, messages, the audit log or the outbox: the screen re-reads what it
  shows;
* `PresenceChanged` with who else is on which conversation, when that changed or a
  session went stale.

When nothing changes a poll costs one tiny statement on a dedicated connection.
The worker never touches widgets: it only posts messages (thread-safe).
"""

from __future__ import annotations

import logging
import threading
import time

from textual import work
from textual.message import Message
from textual.widget import Widget

from agentdesk.services import live, presence
from agentdesk.services.desk import Desk
from agentdesk.services.presence import Activity, PresenceView

log = logging.getLogger(__name__)


class TeamLink(Widget):
    """Polls for changes by others and keeps this console's presence; shows nothing."""

    DEFAULT_CSS = "TeamLink { display: none; }"

    class StoreChanged(Message):
        """Someone changed what the screens show: re-read the inbox and the open conversation."""

    class PresenceChanged(Message):
        """Who else views or replies to which conversation (this console left out)."""

        def __init__(self, others: dict[int, list[PresenceView]]) -> None:
            super().__init__()
            self.others = others

    def __init__(
        self,
        desk: Desk,
        *,
        poll_every: float = live.POLL_EVERY,
        beat_every: float = presence.BEAT_EVERY,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.desk = desk
        self.session_id = presence.new_session_id()
        self.poll_every = poll_every
        self.beat_every = beat_every
        self.others: dict[int, list[PresenceView]] = {}
        """The latest presence of others, by conversation id (UI thread only)."""
        self._state: tuple[int | None, Activity] = (None, Activity.VIEWING)
        self._sent: tuple[int | None, Activity] | None = None
        self._last_beat = 0.0
        self._watcher: live.Watcher | None = None
        self._busy = threading.Lock()
        """Held by the poll round in progress (rounds never overlap)."""

    # -- what this console shows (called from the UI thread) -------------------------

    def viewing(self, conversation_id: int | None) -> None:
        """This console now shows `conversation_id` (None: only the inbox)."""
        self._set((conversation_id, Activity.VIEWING))

    def replying(self, conversation_id: int) -> None:
        """The agent is writing a reply or note on `conversation_id`."""
        self._set((conversation_id, Activity.REPLYING))

    def _set(self, state: tuple[int | None, Activity]) -> None:
        if state != self._state:
            self._state = state
            if state[1] == Activity.REPLYING:
                self._tick()  # say it at once; moving through the inbox waits for the next round

    def on_mount(self) -> None:
        self.set_interval(self.poll_every, self._tick)
        self._tick()

    def on_unmount(self) -> None:
        if self._busy.acquire(timeout=1.0):  # let a running poll finish first
            try:
                if self._watcher is not None:
                    self._watcher.close()
                    self._watcher = None
                presence.leave(self.desk, self.session_id)  # one DELETE; else stale in 30 s
            except Exception as error:
                log.warning("leaving presence: %s", error)
            finally:
                self._busy.release()

    def on_team_link_presence_changed(self, message: PresenceChanged) -> None:
        self.others = message.others

    # -- the worker ----------------------------------------------------------------

    def _tick(self) -> None:
        if not self._busy.locked():
            self._poll()

    @work(thread=True, group="team-link", exit_on_error=False)
    def _poll(self) -> None:
        """One round: beat if due, ask the detector, post what changed.

        A short worker per round (not one endless one), so waiting for workers to finish
        (tests, shutdown) never waits for ever. Store errors only delay the next round.
        """
        if not self._busy.acquire(blocking=False):
            return  # the previous round still runs (a slow store): skip this one
        try:
            if self._watcher is None:
                self._watcher = live.Watcher(self.desk)
                self._post_presence()
            state = self._state
            if state != self._sent or time.monotonic() - self._last_beat >= self.beat_every:
                presence.beat(self.desk, self.session_id, *state)
                self._sent, self._last_beat = state, time.monotonic()
            changes = self._watcher.poll()
            if changes.data:
                self.post_message(self.StoreChanged())
            if changes.presence:
                self._post_presence()
        except Exception as error:  # store busy or unreachable: start afresh next round
            log.warning("live refresh: %s", error)
            if self._watcher is not None:
                self._watcher.close()
                self._watcher = None
        finally:
            self._busy.release()

    def _post_presence(self) -> None:
        self.post_message(self.PresenceChanged(presence.everyone(self.desk, self.session_id)))


def _who(view: PresenceView, me: str) -> str:
    """Another agent by login; another console of this same login (a second ssh session,
    or one killed without quitting, for up to a heartbeat) as "you" so it reads as such."""
    return "you" if view.agent_login == me else view.agent_login


def row_label(views: list[PresenceView], me: str = "") -> str:
    """Who else is on a conversation, compact for an inbox row: `bo✎ ada`."""
    return " ".join(f"{_who(v, me)}{'✎' if v.activity == Activity.REPLYING else ''}" for v in views)


def header_label(views: list[PresenceView], me: str = "") -> str:
    """Who else is on a conversation, for its header: `bo replying, you (another session) viewing`."""
    return ", ".join(f"you (another session) {v.activity}" if v.agent_login == me else v.label for v in views)
