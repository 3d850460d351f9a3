"""The solo console's poller: the same `run_poller` as `agentdesk poll`, in a thread worker.

When the config names mail or chat accounts (and the store is not a demo store),
the console fetches and sends by itself. The per-account leases decide who polls:
when a poller service holds them, this worker only waits, so a team's consoles
never poll twice. The line shows what the poller is doing (progress of a big first
sync, errors, "synced"); it hides itself when there is nothing to say.
"""

from __future__ import annotations

import threading

from textual.content import Content
from textual.message import Message
from textual.widgets import Static
from textual.worker import get_current_worker

from agentdesk.channels.poller import AccountReport
from agentdesk.config import ConfigError, Settings
from agentdesk.services import Desk
from agentdesk.text import one_line


def has_accounts(settings: Settings | None) -> bool:
    """Whether the config names any mail or chat account."""
    if settings is None:
        return False
    return bool(settings.raw.get("accounts")) or bool(settings.raw.get("chat"))


class PollerStatus(Static):
    """One line over the footer: the poller's progress and its last problem."""

    DEFAULT_CSS = """
    PollerStatus { height: 1; padding: 0 1; color: $text-muted; display: none; }
    PollerStatus.-active { display: block; }
    PollerStatus.-error { color: $error; }
    """

    class Progress(Message):
        """A folder's first sync moved on: `done` of `total` messages."""

        def __init__(self, account: str, folder: str, done: int, total: int) -> None:
            super().__init__()
            self.account = account
            self.folder = folder
            self.done = done
            self.total = total

    class Reported(Message):
        """An account finished a sync (or failed one)."""

        def __init__(self, report: AccountReport) -> None:
            super().__init__()
            self.report = report

    def __init__(self, desk: Desk, settings: Settings | None, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.desk = desk
        self.settings = settings
        self._stop = threading.Event()

    def on_mount(self) -> None:
        if has_accounts(self.settings) and not self.desk.is_demo():
            self.run_worker(self._poll, thread=True, group="poller", exit_on_error=False)

    def on_unmount(self) -> None:
        self._stop.set()

    def _poll(self) -> None:
        """Blocking: runs until the console closes (the stop event), posting what happens."""
        from agentdesk.channels.poller import run_poller

        assert self.settings is not None
        worker = get_current_worker()

        def stop_when_cancelled() -> None:
            # Textual cancels workers when the app exits; the poller only knows its event.
            while not self._stop.wait(0.2):
                if worker.is_cancelled:
                    self._stop.set()

        threading.Thread(target=stop_when_cancelled, name="agentdesk-poller-stop", daemon=True).start()
        try:
            run_poller(
                self.desk.store,
                self.settings,
                self._stop,
                on_report=lambda report: self.post_message(self.Reported(report)),
                progress=lambda account, folder, done, total: self.post_message(
                    self.Progress(account, folder, done, total)
                ),
            )
        except ConfigError as error:
            if not worker.is_cancelled:
                self.post_message(self.Reported(AccountReport("config", error=str(error))))

    def _say(self, text: str, error: bool = False) -> None:
        self.update(Content(one_line(text, 200)))
        self.set_class(bool(text), "-active")
        self.set_class(error, "-error")

    def on_poller_status_progress(self, message: Progress) -> None:
        if message.done >= message.total:
            self._say("")
            return
        share = 100 * message.done // max(message.total, 1)
        self._say(
            f"Fetching {message.account}/{message.folder}: {message.done:,} of {message.total:,} ({share}%)"
        )

    def on_poller_status_reported(self, message: Reported) -> None:
        report = message.report
        if report.error:
            self._say(f"{report.account}: {report.error} (retrying)", error=True)
        elif report.new:
            self._say("")
            self.notify(f"{report.new} new message(s) in {report.account}", timeout=4)
        else:
            self._say("")
