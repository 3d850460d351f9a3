"""A fetched batch stored by `store_mails` ends exactly as the same mails stored one by one.

The IMAP sync hands intake a whole batch (one query per kind of lookup, one INSERT
per table); `store_mail` is a batch of one. Both must agree on everything a mail
does: duplicates by source, Message-ID and bytes, threading (also to a mail earlier
in the same batch), customers by address, automatic mail, reopening with its event,
SLA clocks, CSAT ratings, attachments and the `email-in` events. Runs on SQLite and
PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from agentdesk import clock
from agentdesk.channels.ingest import Incoming, store_mail, store_mails
from agentdesk.services.csat import RATING_REQUEST
from agentdesk.store import Store
from agentdesk.store.models import (
    Attachment, ContactPoint, Conversation, CsatRating, Customer, Event, Message,
)
from tests.pg import TEMPLATE, PgServer

NOW = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def two_stores(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[tuple[Store, Store]]:
    """Two empty migrated stores of one kind: one for the batch, one for mail by mail."""
    if request.param == "sqlite":
        urls = [str(tmp_path / "batch.db"), str(tmp_path / "single.db")]
    else:
        server: PgServer = request.getfixturevalue("pg_server")
        urls = [server.create_database(TEMPLATE) for _ in range(2)]
    stores = [Store.open(url) for url in urls]
    clock.freeze(NOW)
    try:
        yield stores[0], stores[1]
    finally:
        clock.freeze(None)
        for store in stores:
            store.dispose()


def _mail(subject: str, *, sender: str = "Ann Example <ann@example.test>", mid: str | None = None,
          reply_to: str | None = None, body: str = "Where is my parcel?", extra: str = "",
          date: str = "Tue, 03 Mar 2026 09:00:00 +0000") -> bytes:
    lines = [f"From: {sender}", "To: help@shop.test", f"Subject: {subject}", f"Date: {date}"]
    if mid:
        lines.append(f"Message-ID: {mid}")
    if reply_to:
        lines += [f"In-Reply-To: {reply_to}", f"References: {reply_to}"]
    lines.append(extra) if extra else None
    return ("\r\n".join(lines) + "\r\n\r\n" + body + "\r\n").encode()


ATTACHED = (
    "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b1\r\n\r\n--b1\r\n"
    "Content-Type: text/plain\r\n\r\nPhoto attached.\r\n--b1\r\nContent-Type: image/png\r\n"
    "Content-Disposition: attachment; filename=\"../../lid.png\"\r\n"
    "Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--b1--"
)


def _before() -> list[bytes]:
    """What is in the store before the batch: a thread to answer, a closed one to reopen."""
    return [
        _mail("Order 1", mid="<o1@example.test>"),
        _mail("Lid broken", sender="bob@example.test", mid="<b1@example.test>"),
        _mail("Rate me", sender="Cem <cem@example.test>", mid="<c1@example.test>"),
    ]


def _batch(token: int) -> list[tuple[str, bytes]]:
    raws = [
        _mail("Re: Order 1", mid="<o2@example.test>", reply_to="<o1@example.test>"),  # known thread
        _mail("New one", sender="Dora <dora@example.test>", mid="<d1@example.test>"),
        _mail("Re: New one", sender="dora@example.test", mid="<d2@example.test>",
              reply_to="<d1@example.test>"),  # answers a mail of this very batch
        _mail("Again", sender="Dora <dora@example.test>", mid="<d3@example.test>"),  # same new sender
        _mail("Re: New one", mid="<d2@example.test>"),  # duplicate Message-ID in the batch
        _mail("Re: Order 1", mid="<o2@example.test>", reply_to="<o1@example.test>"),  # again
        _mail("No id", body="same bytes"),
        _mail("No id", body="same bytes"),  # same bytes, no Message-ID
        _mail("Out of office", sender="ann@example.test", mid="<auto1@example.test>",
              reply_to="<o1@example.test>", extra="Auto-Submitted: auto-replied"),
        _mail("Automatic reply", sender="noreply@vendor.test", mid="<auto2@example.test>",
              extra="Auto-Submitted: auto-replied"),  # automatic mail starting a thread
        _mail("Re: Lid broken", sender="Bob Builder <bob@example.test>", mid="<b2@example.test>",
              reply_to="<b1@example.test>"),  # reopens the closed thread, names Bob
        _mail("Hi", sender="hal@example.test", mid="<h1@example.test>"),  # no name yet
        _mail("Re: Rate me", sender="cem@example.test", mid="<c2@example.test>",
              reply_to="<c1@example.test>", body="5 - great"),  # a CSAT rating
        _mail("Re: Rate me", sender="cem@example.test", mid="<c3@example.test>",
              reply_to="<c1@example.test>", body="One more question, please?"),
        _mail(f"About [#{token}]", sender="eve@example.test", mid="<e1@example.test>"),
        _mail("Photo", sender="fay@example.test", mid="<f1@example.test>", extra=ATTACHED),
        _mail("Future", sender="gus@example.test", mid="<g1@example.test>",
              date="Tue, 03 Mar 2099 09:00:00 +0000"),
        # After the rating was written: changes to rows of this batch written before it.
        _mail("Re: Hi", sender="Hal Hill <hal@example.test>", mid="<h2@example.test>",
              reply_to="<h1@example.test>"),
        _mail("Re: New one", sender="dora@example.test", mid="<d4@example.test>",
              reply_to="<d1@example.test>"),
        b"\x00\xff not a mail at all",
    ]
    sources = [f"imap:shop/INBOX:1:{uid}" for uid in range(10, 10 + len(raws))]
    sources[5] = sources[0]  # the same fetched mail twice
    return list(zip(sources, raws, strict=True))


def _prepare(store: Store) -> int:
    with store.session() as session:
        for uid, raw in enumerate(_before(), start=1):
            store_mail(session, "shop", f"imap:shop/INBOX:1:{uid}", raw)
    with store.session() as session:
        convs = {c.subject: c for c in session.exec(select(Conversation)).all()}
        for subject in ("Lid broken", "Rate me"):
            convs[subject].status = "closed"
            convs[subject].closed_at = NOW - timedelta(hours=1)
        assert convs["Rate me"].id is not None
        session.add(Message(conversation_id=convs["Rate me"].id, direction="out",
                            sent_at=NOW - timedelta(hours=1), text=f"Done. {RATING_REQUEST}"))
        assert convs["Order 1"].id is not None
        return convs["Order 1"].id


def _snapshot(store: Store) -> dict[str, Any]:
    """Everything intake wrote, with ids as they are (both stores start alike)."""
    with store.session() as session:
        def rows(model: Any, *skip: str) -> list[dict[str, Any]]:
            return [
                {k: v for k, v in r.model_dump().items() if k not in skip}
                for r in session.exec(select(model).order_by(col(model.id))).all()
            ]
        return {
            "messages": rows(Message),
            "conversations": rows(Conversation),
            "customers": rows(Customer, "created_at"),
            "points": rows(ContactPoint),
            "events": rows(Event),
            "attachments": rows(Attachment),
            "ratings": rows(CsatRating),
        }


def test_a_batch_stores_what_mail_by_mail_stores(two_stores: tuple[Store, Store]) -> None:
    batched, single = two_stores
    token = _prepare(batched)
    assert _prepare(single) == token
    batch = _batch(token)
    with batched.session() as session:
        results = store_mails(session, "shop", [Incoming(s, raw) for s, raw in batch])
    one_by_one = []
    for source, raw in batch:
        with single.session() as session:
            one_by_one.append(store_mail(session, "shop", source, raw))
    assert results == one_by_one
    assert [r.duplicate for r in results].count(True) == 3
    got, expected = _snapshot(batched), _snapshot(single)
    for table in expected:
        assert got[table] == expected[table], table
    # And what it is, not only that both agree:
    convs = {c["subject"]: c for c in got["conversations"]}
    assert convs["New one"]["message_count"] == 3 and convs["Hi"]["message_count"] == 2
    assert convs["Order 1"]["message_count"] == 4 and convs["Order 1"]["status"] == "open"
    assert convs["Automatic reply"]["automatic"]
    assert convs["Lid broken"]["status"] == "open"
    assert convs["Rate me"]["status"] == "open"  # the question after the rating reopened it
    assert [r["rating"] for r in got["ratings"]] == [5]
    assert {c["name"] for c in got["customers"]} >= {"Bob Builder", "Dora", "Hal Hill"}
    assert [a["filename"] for a in got["attachments"]] == ["lid.png"]
    assert sum(e["action"] == "status:open" for e in got["events"]) == 2
    assert sum(e["action"] == "email-in" for e in got["events"]) == 3 + len(batch) - 3
    assert any("subject token" in e["detail"] for e in got["events"])


def test_a_batch_of_nothing_new_writes_nothing(two_stores: tuple[Store, Store]) -> None:
    store, _ = two_stores
    _prepare(store)
    with store.session() as session:
        results = store_mails(session, "shop", [Incoming("imap:shop/INBOX:1:1", b"x")])
        assert results[0].duplicate
        assert store_mails(session, "shop", []) == []
