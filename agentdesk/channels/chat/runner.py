"""Running the chat accounts inside the pollers (`sync --once`, `agentdesk poll`, the TUI).

The same rules as the IMAP side (agentdesk.channels.poller): each account is read
under its lease (`chat:<name>`), one fetch-and-store is one transaction with the
saved position, errors are reported and never stop the other accounts, and a
loop reconnects with doubling backoff. Replies go out through `outbox.deliver`
with a `ChatSender`, under the `outbox:chat` lease.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping

from sqlmodel import col, select

from agentdesk.channels import lease
from agentdesk.channels.chat.base import AuthError, ChatAdapter
from agentdesk.channels.chat.ingest import PositionMoved, ingest, saved_position
from agentdesk.channels.chat.sender import ChatSender
from agentdesk.channels.chat.settings import ChatAccount
from agentdesk.channels.chat.telegram import RetryAfter
from agentdesk.channels.imap import FolderReport
from agentdesk.channels.outbox import deliver, fail_interrupted, retrying
from agentdesk.channels.poller import AccountReport, PollerOptions
from agentdesk.store import Store
from agentdesk.store.models import Conversation, OutboxItem, OutboxStatus

log = logging.getLogger(__name__)

OUTBOX_LEASE = "outbox:chat"
#: Seconds one long poll (Matrix sync timeout, Telegram getUpdates timeout) may wait;
#: also about how long stopping the poller can take.
LONG_POLL = 5.0
#: How many fetches one `sync --once` makes at most per account (each stores a batch).
ONCE_ROUNDS = 20


def report_of(name: str, stored: int = 0, duplicates: int = 0, error: str | None = None) -> AccountReport:
    """The IMAP-shaped report the CLI and TUI already print (one "chat" folder)."""
    return AccountReport(name, [FolderReport(name, "chat", new=stored, duplicates=duplicates)], error=error)


def fetch_and_store(store: Store, adapter: ChatAdapter, wait: float) -> tuple[int, int, bool]:
    """One fetch from the saved position, stored with the new position in one commit.

    Returns (stored, duplicates, whether the position moved).
    """
    before = saved_position(store, adapter.account)
    batch = adapter.fetch(before, wait)
    if not batch.events and batch.position == before:
        return 0, 0, False  # nothing happened: no write (the consoles' live refresh stays quiet)
    result = ingest(store, adapter.account, adapter.kind, before, batch)
    return result.stored, result.duplicates, batch.position != before


def sync_chat_account(store: Store, account: ChatAccount, holder: str, rounds: int = ONCE_ROUNDS) -> AccountReport:
    """Fetch what is waiting for one account, under its lease; never raises for IO."""
    if not lease.acquire(store, account.lease_name, holder):
        return AccountReport(account.name, busy=True)
    adapter: ChatAdapter | None = None
    stored = duplicates = 0
    try:
        adapter = account.adapter()
        adapter.connect()
        for _ in range(rounds):
            new, dup, moved = fetch_and_store(store, adapter, wait=0)
            stored, duplicates = stored + new, duplicates + dup
            if not moved:  # nothing new (a join or an invite also moves it: go on)
                break
            lease.acquire(store, account.lease_name, holder)
        return report_of(account.name, stored, duplicates)
    except Exception as error:  # reported, never raised: other accounts still sync
        return report_of(account.name, stored, duplicates, f"{type(error).__name__}: {error}")
    finally:
        if adapter is not None:
            adapter.close()
        lease.release(store, account.lease_name, holder)


def outbox_lease(account: str) -> str:
    """The lease under which one chat account's replies are sent."""
    return f"{OUTBOX_LEASE}:{account}"


def recover_interrupted(store: Store, account: str) -> int:
    """The account's replies left in "sending" by a sender that died become failed, with a warning.

    As for email: the network may have accepted them before the crash, so only the
    agent can decide to send again. Called only by the new holder of the account's
    outbox lease, so no live sender is in the middle of them.
    """
    return fail_interrupted(store, "chat", account)


def send_chat_outbox(
    store: Store, adapters: Mapping[str, ChatAdapter], holder: str, *, keep_lease: bool = False
) -> tuple[int, int]:
    """Send queued chat replies of the connected accounts: (sent now, waiting with an error).

    Each account's replies go out under that account's outbox lease; replies of an
    account without an adapter here stay queued, their attempts untouched.
    """
    sent = 0
    for name, adapter in adapters.items():
        key = outbox_lease(name)
        fresh = not lease.holds(store, key, holder)
        if not lease.acquire(store, key, holder):
            continue
        try:
            if fresh:
                recover_interrupted(store, name)
            sent += deliver(store, {"chat": ChatSender({name: adapter})}, accounts=[name])
        finally:
            if not keep_lease:
                lease.release(store, key, holder)
    return sent, retrying(store, "chat")


def queued_accounts(store: Store) -> set[str]:
    """Chat accounts that have replies waiting to go out."""
    with store.session() as session:
        rows = session.exec(
            select(Conversation.account)
            .join(OutboxItem, col(OutboxItem.conversation_id) == col(Conversation.id))
            .where(OutboxItem.channel == "chat", OutboxItem.status == OutboxStatus.QUEUED)
            .distinct()
        ).all()
    return {row for row in rows if row}


def chat_poll_once(store: Store, accounts: list[ChatAccount], holder: str, *, send: bool = True) -> tuple[list[AccountReport], int, int]:
    """`sync --once` for chat: every account fetched, then the chat outbox sent."""
    reports = [sync_chat_account(store, account, holder) for account in accounts]
    sent = failures = 0
    if send and accounts:
        wanted = queued_accounts(store)
        adapters: dict[str, ChatAdapter] = {}
        try:
            for account in accounts:
                if account.name in wanted:
                    try:
                        adapter = account.adapter()
                        adapter.connect()
                    except Exception as error:
                        log.warning("chat account %s: cannot send: %s", account.name, error)
                        continue
                    adapters[account.name] = adapter
            sent, failures = send_chat_outbox(store, adapters, holder)
        finally:
            for adapter in adapters.values():
                adapter.close()
    return reports, sent, failures


class ChatAccounts:
    """The chat half of `run_poller`: one thread per account, and their adapters for sending.

    Each thread holds its account's lease, long-polls, stores each batch with its
    position, and reconnects with doubling backoff after an error. `send()` is
    called from the poller's outbox loop and sends through the connected adapters.
    """

    def __init__(
        self,
        store: Store,
        accounts: list[ChatAccount],
        holder: str,
        stop: threading.Event,
        on_report: Callable[[AccountReport], None] | None = None,
        options: PollerOptions | None = None,
        wait: float | None = None,
    ) -> None:
        self.store = store
        self.accounts = accounts
        self.holder = holder
        self.stop = stop
        self.on_report = on_report
        self.options = options or PollerOptions()
        self.wait = LONG_POLL if wait is None else wait
        self.adapters: dict[str, ChatAdapter] = {}
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for account in self.accounts:
            thread = threading.Thread(
                target=self._loop, args=(account,), name=f"agentdesk-chat-{account.name}", daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def send(self) -> tuple[int, int]:
        """Send queued chat replies through the connected accounts (outbox lease kept)."""
        if not self.accounts:
            return 0, 0
        return send_chat_outbox(self.store, dict(self.adapters), self.holder, keep_lease=True)

    def join(self, timeout: float = 30) -> None:
        for thread in self._threads:
            thread.join(timeout=timeout)

    def _report(self, report: AccountReport) -> None:
        if self.on_report:
            self.on_report(report)

    def _loop(self, account: ChatAccount) -> None:
        name = account.lease_name
        backoff = self.options.backoff_start
        try:
            while not self.stop.is_set():
                if not lease.acquire(self.store, name, self.holder):
                    self.stop.wait(15.0)  # another poller has it
                    continue
                adapter: ChatAdapter | None = None
                try:
                    adapter = account.adapter()
                    adapter.connect()
                    self.adapters[account.name] = adapter
                    while not self.stop.is_set():
                        try:
                            stored, dup, _ = fetch_and_store(self.store, adapter, self.wait)
                        except PositionMoved:  # someone else stored that batch
                            if not lease.acquire(self.store, name, self.holder):
                                break
                            continue  # fetch again from the position they saved
                        if stored or dup:
                            self._report(report_of(account.name, stored, dup))
                        backoff = self.options.backoff_start
                        if not lease.acquire(self.store, name, self.holder):
                            break
                except Exception as error:
                    delay = error.seconds if isinstance(error, RetryAfter) else backoff
                    if isinstance(error, AuthError):
                        delay = self.options.backoff_max  # wrong token: no point in hurrying
                    log.warning("chat account %s: %s; reconnecting in %.0fs", account.name, error, delay)
                    self._report(report_of(account.name, error=f"{type(error).__name__}: {error}"))
                    self.stop.wait(delay)
                    backoff = min(backoff * 2, self.options.backoff_max)
                finally:
                    self.adapters.pop(account.name, None)
                    lease.release(self.store, outbox_lease(account.name), self.holder)
                    if adapter is not None:
                        adapter.close()
        finally:
            lease.release(self.store, name, self.holder)
