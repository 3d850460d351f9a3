"""Mail for the peers: the bench store's messages written out as RFC 822 files.

The ingest figure loads them into Dovecot, the search figure gives them to notmuch,
so both sides work on the same words the agentdesk store holds. Each conversation is
a thread (Message-ID / In-Reply-To / References), customers write from their own
addresses and the shop answers from help@shop.test.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path

SHOP = "Shop Support <help@shop.test>"


def _header(value: str) -> str:
    """A header value on one line (the demo's texts are plain; never fold)."""
    return value.replace("\r", " ").replace("\n", " ")


def mails(db: Path, count: int) -> Iterator[bytes]:
    """The first `count` messages of the store (notes left out) as RFC 822 bytes."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "SELECT m.id, m.conversation_id, m.direction, m.author, m.author_address, m.sent_at,"
            " c.subject, m.text FROM message m JOIN conversation c ON c.id = m.conversation_id"
            " WHERE m.direction != 'note' ORDER BY m.conversation_id, m.id LIMIT ?",
            (count,),
        )
        previous: tuple[int, str] | None = None
        for mid, cid, direction, author, address, sent_at, subject, text in rows:
            if direction == "in":
                # A chat handle ("@fatima") becomes an address of its own, as a person has.
                email = address if "@" in address.lstrip("@") else address.strip("@") + "@chat.test"
                sender = f"{author} <{email}>"
                to = SHOP
            else:
                sender, to = SHOP, "customer@example.com"
            when = datetime.fromisoformat(str(sent_at)).replace(tzinfo=timezone.utc)
            headers = [
                f"From: {_header(sender)}",
                f"To: {to}",
                f"Subject: {_header(subject or 'Chat message')}",
                f"Date: {format_datetime(when)}",
                f"Message-ID: <m{mid}.c{cid}@bench.test>",
            ]
            if previous is not None and previous[0] == cid:
                headers.append(f"In-Reply-To: {previous[1]}")
                headers.append(f"References: {previous[1]}")
            previous = (cid, f"<m{mid}.c{cid}@bench.test>")
            headers += ["MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8",
                        "Content-Transfer-Encoding: 8bit"]
            body = text.replace("\r\n", "\n").replace("\n", "\r\n")
            yield ("\r\n".join(headers) + "\r\n\r\n" + body + "\r\n").encode()
    finally:
        conn.close()


def write_maildir(root: Path, messages: Iterator[bytes], owner: tuple[int, int] | None = None) -> int:
    """Write `messages` into the Maildir at `root` (cur/, named so UIDs follow the order)."""
    for sub in ("", "cur", "new", "tmp"):
        (root / sub).mkdir(parents=True, exist_ok=True)
        if owner:
            os.chown(root / sub, *owner)
    now = int(time.time())
    pid = os.getpid()
    n = 0
    for n, raw in enumerate(messages, start=1):
        path = root / "cur" / f"{now}.M{n:07d}P{pid}.bench,S={len(raw)}:2,S"
        path.write_bytes(raw)
        if owner:
            os.chown(path, *owner)
    return n
