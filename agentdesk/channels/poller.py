"""The email poller: what `agentdesk sync --once`, `agentdesk poll` and the TUI run.

`poll_once` syncs every account's folders and sends the outbox, once. `run_poller`
blocks until `stop_event` is set: one thread per account waits in IMAP IDLE where
the server offers it (polling otherwise), reconnects with backoff after network
errors or a server restart, and the calling thread sends the outbox every few
seconds. No Textual here: the TUI runs `run_poller` in a thread worker.

Each account is worked under a lease in the store, so two pollers (a TUI and
`agentdesk poll`, or two syncs started at once) never read the same account at
the same time; the outbox is sent under a lease of its own.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from imapclient import IMAPClient

from agentdesk.channels import lease
from agentdesk.channels.accounts import Account, load_accounts
from agentdesk.channels.imap import (
    FolderReport,
    Progress,
    _close,
    connect,
    sync_folder,
    sync_position,
)
from agentdesk.channels.outbox import deliver, fail_interrupted, retrying
from agentdesk.services.triage import Upkeep
from agentdesk.channels.smtp import EmailSender
from agentdesk.config import Settings
from agentdesk.store import Store

log = logging.getLogger(__name__)

OUTBOX_LEASE = "outbox:email"


@dataclass(frozen=True)
class AccountReport:
    """One account's part of a sync."""

    account: str
    folders: list[FolderReport] = field(default_factory=list)
    error: str | None = None
    busy: bool = False
    """Another poller holds this account's lease; it was left to that one."""

    @property
    def new(self) -> int:
        return sum(f.new for f in self.folders)


@dataclass(frozen=True)
class SyncReport:
    """What one `poll_once` did, for the CLI's summary and the TUI's status bar."""

    accounts: list[AccountReport]
    sent: int = 0
    send_failures: int = 0

    @property
    def new(self) -> int:
        return sum(a.new for a in self.accounts)

    @property
    def errors(self) -> list[str]:
        return [f"{a.account}: {a.error}" for a in self.accounts if a.error]


def sync_account(
    store: Store,
    account: Account,
    holder: str,
    progress: Progress | None = None,
    client: IMAPClient | None = None,
) -> AccountReport:
    """Sync every folder of `account` under its lease (skipped as busy if someone has it)."""
    if not lease.acquire(store, f"imap:{account.name}", holder):
        return AccountReport(account.name, busy=True)
    own = client is None
    reports: list[FolderReport] = []
    try:
        client = client or connect(account.imap)
        for folder in account.imap.folders:
            reports.append(sync_folder(client, store, account, folder, progress))
            lease.acquire(store, f"imap:{account.name}", holder)  # renew between folders
        return AccountReport(account.name, reports)
    except Exception as error:  # reported, never raised: other accounts still sync
        return AccountReport(account.name, reports, error=f"{type(error).__name__}: {error}")
    finally:
        if own:
            if client is not None:
                _close(client)
            lease.release(store, f"imap:{account.name}", holder)


def recover_interrupted(store: Store) -> int:
    """Email replies left in "sending" by a sender that died become failed, with a warning."""
    return fail_interrupted(store, "email")


def send_outbox(
    store: Store, accounts: list[Account], holder: str, *, keep_lease: bool = False
) -> tuple[int, int]:
    """Send queued email replies under the outbox lease.

    Returns (sent now, replies queued for a retry after an error). Replies that
    failed for good wait for the agent (`services.compose.send_again`) and are not counted.
    """
    fresh = not lease.holds(store, OUTBOX_LEASE, holder)
    if not lease.acquire(store, OUTBOX_LEASE, holder):
        return 0, 0
    try:
        if fresh:
            recover_interrupted(store)
        sent = deliver(store, {"email": EmailSender(store, accounts)})
        return sent, retrying(store, "email")
    finally:
        if not keep_lease:
            lease.release(store, OUTBOX_LEASE, holder)


def poll_once(
    store: Store,
    settings: Settings,
    progress: Progress | None = None,
    *,
    send: bool = True,
) -> SyncReport:
    """Fetch new mail and chat for every account, then send the outbox; never raises for IO."""
    from agentdesk.channels.chat.runner import chat_poll_once  # imports this module
    from agentdesk.channels.chat.settings import load_chat_accounts

    accounts = load_accounts(settings)
    chats = load_chat_accounts(settings)
    holder = lease.new_holder()
    reports = [sync_account(store, account, holder, progress) for account in accounts]
    sent = failures = 0
    if send and accounts:
        sent, failures = send_outbox(store, accounts, holder)
    chat_reports, chat_sent, chat_failures = chat_poll_once(store, chats, holder, send=send)
    return SyncReport(reports + chat_reports, sent + chat_sent, failures + chat_failures)


@dataclass
class PollerOptions:
    """Timings of `run_poller` (tests shorten them)."""

    poll_interval: float = 60.0
    """Seconds between syncs where IDLE is not offered (and a full sync even with IDLE)."""
    idle_timeout: float = 1.0
    """How long one IDLE wait lasts before the stop event is checked again."""
    send_interval: float = 5.0
    backoff_start: float = 1.0
    backoff_max: float = 60.0


def run_poller(
    store: Store,
    settings: Settings,
    stop_event: threading.Event,
    *,
    on_report: Callable[[AccountReport], None] | None = None,
    progress: Progress | None = None,
    options: PollerOptions | None = None,
) -> None:
    """Poll every account until `stop_event` is set; blocking (run it in a thread worker).

    `on_report` is called from the poller's threads after each sync of an account,
    `progress(account, folder, done, total)` after each committed batch (the TUI
    posts messages from both; they must not touch widgets).
    """
    from agentdesk.channels.chat.runner import ChatAccounts  # imports this module
    from agentdesk.channels.chat.settings import load_chat_accounts

    options = options or PollerOptions()
    upkeep = Upkeep(store)  # snoozes and follow-ups come back even with no console open
    accounts = load_accounts(settings)
    holder = lease.new_holder()
    chats = ChatAccounts(
        store, load_chat_accounts(settings), holder, stop_event, on_report, options
    )
    threads = [
        threading.Thread(
            target=_account_loop,
            args=(store, account, holder, stop_event, on_report, options, progress),
            name=f"agentdesk-imap-{account.name}",
            daemon=True,
        )
        for account in accounts
    ]
    for thread in threads:
        thread.start()
    chats.start()
    wait = options.send_interval
    next_email = 0.0
    try:
        while not stop_event.is_set():
            if time.monotonic() >= next_email:
                try:
                    sent, failing = send_outbox(store, accounts, holder, keep_lease=True)
                except Exception as error:  # the store was busy or gone: try again later
                    log.warning("sending the outbox failed: %s", error)
                    sent, failing = 0, 1
                # Back off while email replies keep failing (an SMTP outage), so the few
                # attempts each reply gets are spread over minutes instead of seconds.
                wait = (
                    min(wait * 2, options.backoff_max * 5)
                    if failing and not sent
                    else options.send_interval
                )
                next_email = time.monotonic() + wait
            try:
                chats.send()
            except Exception as error:
                log.warning("sending the chat outbox failed: %s", error)
            upkeep.maybe_run()
            stop_event.wait(options.send_interval)
    finally:
        stop_event.set()
        for thread in threads:
            thread.join(timeout=30)
        chats.join()
        lease.release(store, OUTBOX_LEASE, holder)


def _account_loop(
    store: Store,
    account: Account,
    holder: str,
    stop: threading.Event,
    on_report: Callable[[AccountReport], None] | None,
    options: PollerOptions,
    progress: Progress | None = None,
) -> None:
    """Connect, sync, wait (IDLE or sleep), repeat; back off after errors."""
    name = f"imap:{account.name}"
    backoff = options.backoff_start
    try:
        while not stop.is_set():
            if not lease.acquire(store, name, holder):
                stop.wait(min(options.poll_interval, 15.0))  # another poller has it
                continue
            client: IMAPClient | None = None
            try:
                client = connect(account.imap)
                while not stop.is_set():
                    report = sync_account(store, account, holder, progress, client=client)
                    if report.busy:  # another poller took the account over: wait outside
                        break
                    if on_report:
                        on_report(report)
                    if report.error:
                        raise ConnectionError(report.error)
                    backoff = options.backoff_start
                    _wait_for_mail(store, client, account, holder, stop, options)
            except Exception as error:
                log.warning("account %s: %s; reconnecting in %.0fs", account.name, error, backoff)
                if on_report:
                    on_report(AccountReport(account.name, error=f"{type(error).__name__}: {error}"))
                stop.wait(backoff)
                backoff = min(backoff * 2, options.backoff_max)
            finally:
                if client is not None:
                    _close(client)
    finally:
        lease.release(store, name, holder)


def _wait_for_mail(
    store: Store,
    client: IMAPClient,
    account: Account,
    holder: str,
    stop: threading.Event,
    options: PollerOptions,
) -> None:
    """Return when new mail may be there: IDLE on the first folder, else a plain wait."""
    deadline = time.monotonic() + options.poll_interval
    name = f"imap:{account.name}"
    if b"IDLE" not in client.capabilities():
        while not stop.is_set() and time.monotonic() < deadline:
            stop.wait(min(5.0, options.poll_interval))
            client.noop()  # notices a dead connection early
            if not lease.acquire(store, name, holder):
                return
        return
    folder = account.imap.folders[0]
    info = client.select_folder(folder, readonly=True)
    # Mail that arrived between the sync and this SELECT would never show up in IDLE.
    validity, last_uid = sync_position(store, account.name, folder)
    if validity != int(info[b"UIDVALIDITY"]) or int(info.get(b"UIDNEXT", 0) or 0) > last_uid + 1:
        return
    client.idle()
    try:
        renew_at = time.monotonic() + 20
        while not stop.is_set() and time.monotonic() < deadline:
            started = time.monotonic()
            responses = client.idle_check(timeout=options.idle_timeout)
            if not responses and time.monotonic() - started < options.idle_timeout / 2:
                # imapclient swallows EOF: readable at once yet nothing read means closed.
                raise ConnectionError("the server closed the connection")
            if any(r[1] in (b"EXISTS", b"RECENT") for r in responses if len(r) > 1):
                return
            if any(r == (b"BYE",) or (r and r[0] == b"BYE") for r in responses):
                raise ConnectionError("the server closed the connection")
            if time.monotonic() > renew_at:
                if not lease.acquire(store, name, holder):
                    return
                renew_at = time.monotonic() + 20
    finally:
        client.idle_done()
