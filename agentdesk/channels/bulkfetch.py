"""Fetching and parsing many mails fast: what makes a first sync of a big mailbox quick.

Two costs dominate a first sync besides the store itself, and both are here:

* **Reading FETCH responses.** imapclient's response lexer walks every byte in
  Python (~35 µs a mail, more than parsing the mail). The bulk FETCHes of a sync
  ask for a fixed, simple shape (`UID`, `RFC822.SIZE`, `INTERNALDATE`, `BODY[]` as
  a literal), so `fetch_sizes` and `fetch_bodies` send them through the client's
  own imaplib connection and read that shape with a few regular expressions. Any
  response they do not understand makes them ask imapclient instead, so an odd
  server is slower, never wrong.
* **Parsing MIME.** `Parser` parses fetched batches in worker processes (spawned,
  never forked: a poller thread inside the TUI must not fork a process full of
  threads; each exits when the syncing process is gone, even after SIGKILL) while
  the sync fetches and stores the batches around them. Only worth it for many
  mails: a few are parsed in-process, and so are the first batches while the
  workers start; a worker that dies (or a machine without process support or a
  second core) falls back to that too.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import re
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import UTC, datetime, timedelta

from imapclient import IMAPClient

from agentdesk.channels.mime import ParsedMail, parse_all

log = logging.getLogger(__name__)

#: A sync with at least this many new mails parses them in worker processes.
POOL_MIN_MAILS = 1000
#: At most this many parsing processes. The syncing process needs a core of its own
#: (fetching and storing take as long as parsing), so two cores get one worker.
POOL_MAX_WORKERS = 2

_UID = re.compile(rb"\bUID (\d+)")
_SIZE = re.compile(rb"\bRFC822\.SIZE (\d+)")
_DATE = re.compile(rb'\bINTERNALDATE "([^"]*)"')
_BODY_LITERAL = re.compile(rb"\bBODY\[\] \{\d+\}$")
_MONTHS = {
    name: number
    for number, name in enumerate(
        (b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun",
         b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec"),
        start=1,
    )
}

#: One fetched mail: its raw bytes and INTERNALDATE (None if the server gave none).
Fetched = tuple[bytes, datetime | None]


class _Unexpected(Exception):
    """A FETCH response not in the shape the fast path reads: imapclient takes over."""


def uid_set(uids: Sequence[int]) -> str:
    """`uids` as a short IMAP sequence set ("1:500,502"): runs of UIDs become ranges."""
    ordered = sorted(set(uids))
    parts: list[str] = []
    start = prev = ordered[0]
    for uid in ordered[1:]:
        if uid != prev + 1:
            parts.append(str(start) if start == prev else f"{start}:{prev}")
            start = uid
        prev = uid
    parts.append(str(start) if start == prev else f"{start}:{prev}")
    return ",".join(parts)


def internaldate(value: bytes) -> datetime | None:
    """An INTERNALDATE (`03-Mar-2026 09:00:00 +0100`) as aware UTC; None if malformed."""
    try:
        day, month, rest = value.strip().split(b"-", 2)
        year, clock, zone = rest.split(b" ")
        hour, minute, second = (int(x) for x in clock.split(b":"))
        offset = int(zone[1:3]) * 60 + int(zone[3:5])
        if zone[:1] == b"-":
            offset = -offset
        local = datetime(int(year), _MONTHS[month], int(day), hour, minute, second, tzinfo=UTC)
        return local - timedelta(minutes=offset)
    except (ValueError, KeyError, IndexError, OverflowError):
        return None


def _received(value: object) -> datetime | None:
    """imapclient's INTERNALDATE as aware UTC (it gives naive local or aware datetimes)."""
    if not isinstance(value, datetime):
        return None
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def _raw_fetch(client: IMAPClient, uids: Sequence[int], items: str) -> list[object]:
    """The untagged FETCH data of `UID FETCH uids (items)`, as imaplib returns it."""
    imap = getattr(client, "_imap", None)  # imapclient's imaplib.IMAP4 connection
    if imap is None or not uids:
        raise _Unexpected("no imaplib connection")
    debug, imap.debug = imap.debug, 0  # imapclient logs every line at debug level 5
    try:
        typ, data = imap.uid("FETCH", uid_set(uids), f"({items})")
    finally:
        imap.debug = debug
    if typ != "OK":
        raise _Unexpected(f"FETCH answered {typ}")
    return [d for d in data if d is not None]


def fetch_sizes(client: IMAPClient, uids: Sequence[int]) -> dict[int, int]:
    """RFC822.SIZE of each of `uids` that still exists."""
    try:
        sizes: dict[int, int] = {}
        for line in _raw_fetch(client, uids, "RFC822.SIZE"):
            if not isinstance(line, bytes):
                raise _Unexpected("a literal in a size response")
            uid, size = _UID.search(line), _SIZE.search(line)
            if uid is not None and size is not None:
                sizes[int(uid.group(1))] = int(size.group(1))
        return sizes
    except _Unexpected as why:
        log.debug("size fetch through imapclient: %s", why)
    return {
        uid: int(data.get(b"RFC822.SIZE", 0))
        for uid, data in client.fetch(list(uids), ["RFC822.SIZE"]).items()
    }


def fetch_bodies(client: IMAPClient, uids: Sequence[int]) -> dict[int, Fetched]:
    """Raw bytes and INTERNALDATE of each of `uids` still there (`BODY.PEEK[]`: no flag changes)."""
    wanted = set(uids)
    try:
        found: dict[int, Fetched] = {}
        data = _raw_fetch(client, uids, "UID INTERNALDATE BODY.PEEK[]")
        for index, part in enumerate(data):
            if not isinstance(part, tuple):
                continue  # the ")" closing a response, or an unsolicited FLAGS update
            head, body = part
            tail = data[index + 1] if index + 1 < len(data) else b""
            uid = _UID.search(head)
            if not isinstance(body, bytes) or not isinstance(tail, bytes):
                raise _Unexpected("not one literal per response")
            if uid is None or not _BODY_LITERAL.search(head) or int(uid.group(1)) not in wanted:
                raise _Unexpected(f"unexpected response {head[:80]!r}")
            date = _DATE.search(head) or _DATE.search(tail)
            found[int(uid.group(1))] = (body, internaldate(date.group(1)) if date else None)
        return found
    except _Unexpected as why:
        log.debug("body fetch through imapclient: %s", why)
    response = client.fetch(list(uids), ["BODY.PEEK[]", "INTERNALDATE"])
    return {
        uid: (bytes(item[b"BODY[]"]), _received(item.get(b"INTERNALDATE")))
        for uid, item in response.items()
        if uid in wanted and item.get(b"BODY[]") is not None
    }


def _outlive_no_one(parent: int) -> None:
    """In a parsing worker: exit when the syncing process is gone (SIGKILL included),
    instead of waiting forever on a queue whose other end nobody holds any more."""

    def watch() -> None:
        while True:
            time.sleep(0.5)
            try:
                os.kill(parent, 0)
            except ProcessLookupError:
                os._exit(0)
            except PermissionError:  # the pid was reused by someone else's process
                os._exit(0)

    threading.Thread(target=watch, name="agentdesk-parent-watch", daemon=True).start()


class Parser:
    """Parses batches of raw mail, in worker processes when there are many.

    `submit` returns a function that gives the batch's `ParsedMail`s (waiting for
    them if a worker has them), so the caller writes one pipeline either way.
    """

    def __init__(self, mails: int) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._booted: list[Future[list[ParsedMail]]] = []
        self.depth = 0
        """How many batches the caller should keep in flight before it waits for one."""
        cores = os.cpu_count() or 1
        workers = min(POOL_MAX_WORKERS, cores - 1)
        if mails >= POOL_MIN_MAILS and workers >= 1:
            try:
                self._pool = ProcessPoolExecutor(
                    workers,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_outlive_no_one,
                    initargs=(os.getpid(),),
                )
                self.depth = workers
                # Start them now (they boot while sizes are fetched); until one answers,
                # batches are parsed here rather than queued behind a booting process.
                self._booted = [self._pool.submit(parse_all, []) for _ in range(workers)]
            except (OSError, ValueError, ImportError) as error:  # no process support here
                log.info("parsing in-process: %s", error)

    def submit(self, raws: list[bytes]) -> Callable[[], list[ParsedMail]]:
        """Start parsing `raws`; call the result for the parsed mails, in order."""
        if self._pool is None or not any(f.done() for f in self._booted):
            parsed = parse_all(raws)
            return lambda: parsed
        try:
            future: Future[list[ParsedMail]] = self._pool.submit(parse_all, raws)
        except RuntimeError:  # the pool broke (a worker died): parse here from now on
            self.close()
            return self.submit(raws)

        def result() -> list[ParsedMail]:
            try:
                return future.result()
            except Exception as error:  # a worker died on this batch: it is parsed here
                log.warning("a parsing process failed (%s); parsing in-process", error)
                self.close()
                return parse_all(raws)

        return result

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
            self.depth = 0

    def __enter__(self) -> Parser:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
