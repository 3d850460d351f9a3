"""`agentdesk import PATH`: a shop's old mail (an mbox file or a maildir) into the store.

Each mail goes through the same `store_mail` as IMAP mail (parsed, threaded,
deduplicated by Message-ID or hash), in batches with progress; importing the same
file twice stores nothing new.
"""

from __future__ import annotations

import mailbox
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from agentdesk.channels.ingest import BULK_MAILS, Incoming, store_mails
from agentdesk.store import Store

BATCH = 100


@dataclass(frozen=True)
class ImportReport:
    total: int
    new: int
    duplicates: int
    parse_errors: int


def open_mailbox(path: Path) -> mailbox.Mailbox:
    """A maildir (a folder with cur/ and new/) or an mbox file."""
    if path.is_dir():
        if not (path / "cur").is_dir() and not (path / "new").is_dir():
            raise ValueError(f"{path} is a folder but not a maildir (no cur/ or new/)")
        return mailbox.Maildir(str(path), factory=None, create=False)
    if not path.is_file():
        raise ValueError(f"{path} does not exist")
    return mailbox.mbox(str(path), factory=None, create=False)


def import_mail(
    store: Store,
    path: Path,
    account: str,
    progress: Callable[[int, int], None] | None = None,
    ours: frozenset[str] = frozenset(),
) -> ImportReport:
    """Store every mail of the mbox or maildir at `path` under `account`, a batch at a
    time (`store_mails`); mail from `ours` (the account's address) is our reply."""
    box = open_mailbox(path)
    keys = list(box.keys())
    total = len(keys)
    new = duplicates = errors = 0
    where = str(path.resolve())
    if progress:
        progress(0, total)
    for start in range(0, total, BATCH):
        batch = [
            Incoming(f"import:{where}:{key}", box.get_bytes(key)) for key in keys[start : start + BATCH]
        ]
        with store.session() as session:
            for stored in store_mails(session, account, batch, ours=ours):
                if stored.duplicate:
                    duplicates += 1
                else:
                    new += 1
                    errors += stored.parse_error is not None
        if progress:
            progress(min(start + BATCH, total), total)
    box.close()
    if new >= BULK_MAILS:
        store.after_bulk_load()
    return ImportReport(total, new, duplicates, errors)
