"""Fetching and parsing many mails fast: what makes a first sync of a big mailbox quick.

Two costs dominate a first sync besides the store itself, and both are here:

* **Reading FETCH responses.** imapclient's response lexer walks every byte in
  Python (~35 µs a mail, more than parsing the mail), and imaplib's own reader
  still costs ~8 µs a mail in regular expressions and bookkeeping. The bulk FETCHes
  of a sync ask for a fixed, simple shape (`UID`, `RFC822.SIZE`, `INTERNALDATE`,
  `BODY[]` as a literal), so `fetch_sizes` and `BodyFetch` send them on the client's
  own imaplib connection and read the answer off it themselves: a line, a literal
  read whole, a line (~1 µs a mail). Any response they do not understand makes
  them ask imapclient instead, so an odd server is slower, never wrong.
* **Waiting for the server.** Dovecot takes ~10 µs a mail to read its files. A
  FETCH is sent before the batch before it is stored (pipelining), so that time
  overlaps the store's instead of adding to it.
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
_BODY_LITERAL = re.compile(rb"\bBODY\[\] \{\d+\}\r?\n$")
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


#: UIDs per FETCH of sizes (servers cap a command's length; runs are sent as ranges).
SIZE_CHUNK = 2000

#: A response line announcing a literal: `... {385}` and the line end.
_LITERAL = re.compile(rb"\{(\d+)\}\r?\n$")

#: One untagged response: its first line, then any literal and the line after it, in turn.
Response = list[bytes]


class _Sent:
    """A `UID FETCH` sent on imapclient's imaplib connection and read later.

    Sending the next batch's FETCH before storing the current one lets the server read
    its files while this process stores (pipelining, RFC 9051 section 5.5). Until it is
    read, no other command may use the connection: `read` must be called, in order.
    A bulk FETCH is sent only when none is outstanding: a server may run pipelined
    FETCHes at once and interleave their answers (Dovecot stalled with three sent).
    Sizes are the exception: their FETCHes carry no literals, so `fetch_sizes`
    reads whatever comes by tag.
    """

    def __init__(self, client: IMAPClient, uids: Sequence[int], items: str) -> None:
        self.client, self.uids, self.items = client, list(uids), items
        self.tag: bytes | None = None
        imap = getattr(client, "_imap", None)  # imapclient's imaplib.IMAP4 connection
        if imap is not None and self.uids:
            debug, imap.debug = imap.debug, 0  # imapclient logs every line at debug level 5
            try:
                self.tag = imap._command("UID", "FETCH", uid_set(self.uids), f"({items})")
            finally:
                imap.debug = debug

    def read(self) -> list[Response]:
        """Every untagged response up to this command's tagged one.

        Raises `_Unexpected` (after reading to the end, so the connection is ready for
        the next command) when the server did not answer OK, and imaplib's `abort` when
        the connection closed. Literals are read whole, at once, never parsed.
        """
        if self.tag is None:
            raise _Unexpected("no imaplib connection")
        imap = self.client._imap
        responses: list[Response] = []
        current: Response | None = None
        try:
            while True:
                line = imap.readline()
                if not line.endswith(b"\n"):
                    raise imap.abort("the connection closed during a FETCH")
                if current is None and line.startswith(self.tag + b" "):
                    status = line[len(self.tag) + 1 :].split(b" ", 1)[0]
                    if status != b"OK":
                        raise _Unexpected(f"FETCH answered {status!r}")
                    return responses
                current = [line] if current is None else [*current, line]
                literal = _LITERAL.search(line)
                if literal is not None:
                    current.append(imap.read(int(literal.group(1))))
                    continue
                responses.append(current)
                current = None
        finally:
            imap.tagged_commands.pop(self.tag, None)


def fetch_sizes(client: IMAPClient, uids: Sequence[int]) -> dict[int, int]:
    """RFC822.SIZE of each of `uids` that still exists: every chunk's FETCH is sent at
    once and the answers read after, so it costs about one round trip, not one a chunk."""
    chunks = [list(uids[start : start + SIZE_CHUNK]) for start in range(0, len(uids), SIZE_CHUNK)]
    sent = [_Sent(client, chunk, "RFC822.SIZE") for chunk in chunks]
    answers: list[list[Response] | _Unexpected] = []
    for fetch in sent:  # all read before any fallback command uses the connection
        try:
            answers.append(fetch.read())
        except _Unexpected as why:
            answers.append(why)
    sizes: dict[int, int] = {}
    for chunk, answer in zip(chunks, answers, strict=True):
        try:
            if isinstance(answer, _Unexpected):
                raise answer
            for response in answer:
                if len(response) > 1:
                    raise _Unexpected("a literal in a size response")
                uid, size = _UID.search(response[0]), _SIZE.search(response[0])
                if uid is not None and size is not None:
                    sizes[int(uid.group(1))] = int(size.group(1))
        except _Unexpected as why:
            log.debug("size fetch through imapclient: %s", why)
            sizes.update(
                (uid, int(data.get(b"RFC822.SIZE", 0)))
                for uid, data in client.fetch(chunk, ["RFC822.SIZE"]).items()
            )
    return sizes


class BodyFetch:
    """Raw bytes and INTERNALDATE of `uids` (`BODY.PEEK[]`: no flag changes), asked for
    now and collected by `result`; see `_Sent` for why and for the one rule."""

    def __init__(self, client: IMAPClient, uids: Sequence[int]) -> None:
        self._sent = _Sent(client, uids, "UID INTERNALDATE BODY.PEEK[]")

    def result(self) -> dict[int, Fetched]:
        """Each of the UIDs still there (an expunged one is missing)."""
        client, uids = self._sent.client, self._sent.uids
        try:
            return _bodies(self._sent.read(), set(uids))
        except _Unexpected as why:
            log.debug("body fetch through imapclient: %s", why)
        wanted = set(uids)
        response = client.fetch(uids, ["BODY.PEEK[]", "INTERNALDATE"])
        return {
            uid: (bytes(item[b"BODY[]"]), _received(item.get(b"INTERNALDATE")))
            for uid, item in response.items()
            if uid in wanted and item.get(b"BODY[]") is not None
        }


def _bodies(responses: list[Response], wanted: set[int]) -> dict[int, Fetched]:
    """The mails in FETCH responses of the shape asked for: `* n FETCH (UID u
    INTERNALDATE "..." BODY[] {size}` + literal + `)`; anything else is `_Unexpected`."""
    found: dict[int, Fetched] = {}
    for response in responses:
        head = response[0]
        if len(response) == 1:
            if b"BODY[" in head:
                raise _Unexpected(f"a body not sent as a literal {head[:80]!r}")
            continue  # an unsolicited EXISTS or FLAGS update
        if len(response) != 3:
            raise _Unexpected("not one literal per response")
        _, body, tail = response
        uid = _UID.search(head)
        if uid is None or not _BODY_LITERAL.search(head) or int(uid.group(1)) not in wanted:
            raise _Unexpected(f"unexpected response {head[:80]!r}")
        date = _DATE.search(head) or _DATE.search(tail)
        found[int(uid.group(1))] = (body, internaldate(date.group(1)) if date else None)
    return found


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
