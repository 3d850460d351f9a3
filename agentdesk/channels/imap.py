"""Reading one IMAP folder incrementally into the store.

Per folder the store keeps (UIDVALIDITY, last UID). A sync asks only for UIDs
above the last one, fetches bodies in batches with BODY.PEEK[] on a read-only
selected folder (so no flag on the server ever changes, and \\Seen is never
relied on), and commits each batch together with the new last UID. When the
server's UIDVALIDITY changes, the folder is read again from the start and every
mail already stored is recognised by its Message-ID (or a hash of its bytes).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from imapclient import IMAPClient
from sqlalchemy import text
from sqlmodel import Session, select

from agentdesk.channels.accounts import Account, ServerSettings
from agentdesk.channels.bulkfetch import BodyFetch, Fetched, Parser, fetch_sizes
from agentdesk.channels.ingest import BULK_MAILS, Incoming, store_mails
from agentdesk.channels.mime import ParsedMail
from agentdesk.clock import utcnow
from agentdesk.store import Store, fts_backlog
from agentdesk.store.models import MailSyncState

log = logging.getLogger(__name__)

#: A batch holds at most this many bytes of mail (sizes are asked for first).
BATCH_BYTES = 16 * 1024 * 1024
#: How long one IMAP command may take before the connection counts as broken.
TIMEOUT = 60

#: progress(account, folder, done, total)
Progress = Callable[[str, str, int, int], None]


@dataclass(frozen=True)
class FolderReport:
    """What one sync of one folder did."""

    account: str
    folder: str
    new: int = 0
    duplicates: int = 0
    parse_errors: int = 0
    automatic: int = 0
    bodies_fetched: int = 0
    rescanned: bool = False
    """True when UIDVALIDITY changed and the folder was read again from the start."""


def connect(server: ServerSettings, timeout: float = TIMEOUT) -> IMAPClient:
    """A logged-in IMAPClient, TLS verified (against `ca_file` when given)."""
    context = server.ssl_context() if server.security != "plain" else None
    client = IMAPClient(
        server.host,
        port=server.port,
        ssl=server.security == "tls",
        ssl_context=context,
        timeout=timeout,
    )
    try:
        if server.security == "starttls":
            client.starttls(context)
        if server.user:
            client.login(server.user, server.password() or "")
    except BaseException:
        _close(client)
        raise
    return client


def _close(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:
        try:
            client.shutdown()
        except Exception:
            pass


def source_of(account: str, folder: str, uidvalidity: int, uid: int) -> str:
    """The unique `message.source` of one fetched mail."""
    return f"imap:{account}/{folder}:{uidvalidity}:{uid}"


def sync_position(store: Store, account: str, folder: str) -> tuple[int | None, int]:
    """The stored (UIDVALIDITY, last UID) of a folder; (None, 0) before its first sync."""
    with store.session() as session:
        state = session.exec(
            select(MailSyncState).where(
                MailSyncState.account == account, MailSyncState.folder == folder
            )
        ).first()
        return (state.uidvalidity, state.last_uid) if state else (None, 0)


def _save_state(
    session: Session, account: str, folder: str, uidvalidity: int, last_uid: int
) -> None:
    state = session.exec(
        select(MailSyncState).where(
            MailSyncState.account == account, MailSyncState.folder == folder
        )
    ).first()
    if state is None:
        state = MailSyncState(
            account=account, folder=folder, uidvalidity=uidvalidity, updated_at=utcnow()
        )
        session.add(state)
    state.uidvalidity = uidvalidity
    state.last_uid = max(last_uid, state.last_uid if state.uidvalidity == uidvalidity else 0)
    state.updated_at = utcnow()


#: The first batch of a sync is small: its FETCH is the one nothing overlaps (storing
#: starts when it is in), and the server is slowest on the first one it answers.
FIRST_BATCH = 100


def _batches(client: IMAPClient, uids: list[int], count: int) -> list[list[int]]:
    """`uids` in batches of at most `count` mails and BATCH_BYTES (sizes asked for first)."""
    sizes = fetch_sizes(client, uids)
    batches: list[list[int]] = []
    current: list[int] = []
    current_bytes = 0
    for uid in uids:
        size = sizes.get(uid, 0)
        limit = count if batches else min(count, FIRST_BATCH)
        if current and (len(current) >= limit or current_bytes + size > BATCH_BYTES):
            batches.append(current)
            current, current_bytes = [], 0
        current.append(uid)
        current_bytes += size
    if current:
        batches.append(current)
    return batches


#: WAL pages between automatic checkpoints meanwhile (SQLite's default is 1,000).
BULK_CHECKPOINT_PAGES = 1_000_000


def _checkpoint_late(session: Session) -> None:
    """Let the WAL grow during a big sync: SQLite checkpoints every ~4 MB by default, and
    each checkpoint copies (and syncs) the hot index and FTS pages again, ~40% of the
    insert time. The setting is per connection; `_checkpoint_now` puts it back."""
    session.execute(text(f"PRAGMA wal_autocheckpoint = {BULK_CHECKPOINT_PAGES}"))


def _checkpoint_now(store: Store) -> None:
    """One checkpoint after a big sync (PASSIVE: it never waits for readers), and the
    default checkpoint interval back on every pooled connection the sync may have used.
    A failure here is only logged: the mail is committed, SQLite checkpoints later."""
    checked_in = getattr(store.engine.pool, "checkedin", lambda: 1)()
    connections = []
    try:
        connections = [store.engine.raw_connection() for _ in range(max(checked_in, 1))]
        for connection in connections:
            cursor = connection.cursor()
            cursor.execute("PRAGMA wal_autocheckpoint = 1000")
            cursor.close()
        cursor = connections[0].cursor()
        cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
        cursor.close()
    except Exception as error:  # noqa: BLE001 (a busy or closing store)
        log.warning("checkpoint after a big sync failed: %s", error)
    finally:
        for connection in connections:
            connection.close()


def sync_folder(
    client: IMAPClient,
    store: Store,
    account: Account,
    folder: str,
    progress: Progress | None = None,
) -> FolderReport:
    """Fetch and store what is new in `folder` since the last sync; see the module doc."""
    fts_backlog.catch_up(store)  # messages a crashed sync stored but never indexed
    info = client.select_folder(folder, readonly=True)
    uidvalidity = int(info[b"UIDVALIDITY"])
    uidnext = int(info.get(b"UIDNEXT", 0) or 0)
    known_validity, last_uid = sync_position(store, account.name, folder)
    rescanned = known_validity is not None and known_validity != uidvalidity
    if known_validity != uidvalidity:
        last_uid = 0
    if uidnext and uidnext <= last_uid + 1 and known_validity == uidvalidity:
        return FolderReport(account.name, folder)  # nothing new: not a single FETCH
    uids = sorted(uid for uid in client.search(["UID", f"{last_uid + 1}:*"]) if uid > last_uid)
    if not uids:
        if known_validity != uidvalidity:
            with store.session() as session:
                _save_state(session, account.name, folder, uidvalidity, 0)
        return FolderReport(account.name, folder, rescanned=rescanned)
    total = len(uids)
    done = new = duplicates = errors = automatic = fetched = 0
    if progress:
        progress(account.name, folder, 0, total)
    # A pipeline: while batch n is stored, the batches after it are parsed (in worker
    # processes, for a big sync) and the server is already reading the next one (its
    # FETCH is sent before batch n is stored). Each batch still commits alone with its
    # UID position, in order.
    in_flight: deque[tuple[list[int], list[tuple[int, Fetched]], Callable[[], list[ParsedMail]]]]
    in_flight = deque()

    ours = frozenset({account.address.lower()})  # mail from it is our reply, not a customer's

    def store_next() -> None:
        nonlocal done, new, duplicates, errors, automatic
        batch, items, parsed = in_flight.popleft()
        deferred = indexer.deferral() if indexer is not None else None
        incoming = [
            Incoming(source_of(account.name, folder, uidvalidity, uid), raw, received, mail)
            for (uid, (raw, received)), mail in zip(items, parsed(), strict=True)
        ]
        with store.session() as session:
            if bulk:
                _checkpoint_late(session)
            for stored in store_mails(session, account.name, incoming, ours=ours,
                                      index_later=deferred):
                if stored.duplicate:
                    duplicates += 1
                    continue
                new += 1
                errors += stored.parse_error is not None
                automatic += stored.auto_kind is not None
            _save_state(session, account.name, folder, uidvalidity, max(batch))
        if deferred is not None:  # committed: indexed while the next batch is prepared
            deferred.hand_over()
        done += len(batch)
        if progress:
            progress(account.name, folder, done, total)

    bulk = store.is_sqlite and total >= BULK_MAILS
    indexer = fts_backlog.Indexer(store, prepare=_checkpoint_late) if bulk else None
    ahead: BodyFetch | None = None
    try:
        with Parser(total) as parser:
            batches = _batches(client, uids, account.batch_size)
            ahead = BodyFetch(client, batches[0])
            for n, batch in enumerate(batches):
                bodies, ahead = ahead.result(), None
                if n + 1 < len(batches):
                    ahead = BodyFetch(client, batches[n + 1])
                items = [(uid, bodies[uid]) for uid in batch if uid in bodies]  # else expunged
                fetched += len(items)
                in_flight.append((batch, items, parser.submit([raw for _, (raw, _) in items])))
                del bodies
                while len(in_flight) > parser.depth:
                    store_next()
            while in_flight:
                store_next()
    finally:
        if ahead is not None:  # a failure left a FETCH unread: read it, or no command works
            try:
                ahead.result()
            except Exception:  # noqa: BLE001 (the first failure is the one reported)
                pass
        if indexer is not None:
            indexer.close()
        if bulk:
            _checkpoint_now(store)
    if new >= BULK_MAILS:
        store.after_bulk_load()
    return FolderReport(
        account.name, folder, new, duplicates, errors, automatic, fetched, rescanned
    )
