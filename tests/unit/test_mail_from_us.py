"""Mail from the shop's own address is our reply, not a customer writing (SQLite and PostgreSQL).

The owner answers from a phone with the support address in Cc, or a webmail copy
lands in a watched folder: that mail must answer the conversation (as Ctrl+S would),
never reopen it or start an SLA clock, and never make the shop its own customer.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import col, select

from agentdesk import clock
from agentdesk.channels.ingest import Incoming, store_mails
from agentdesk.store import Store
from agentdesk.store.models import NO_DUE, ContactPoint, Conversation, Message, Status

OURS = frozenset({"help@shop.test"})
T0 = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


def _mail(sender: str, to: str, subject: str, mid: str, at: datetime, *, reply_to: str | None = None,
          cc: str | None = None, body: str = "Hello") -> bytes:
    lines = [f"From: {sender}", f"To: {to}", f"Subject: {subject}", f"Message-ID: {mid}",
             f"Date: {at:%a, %d %b %Y %H:%M:%S +0000}"]
    if cc:
        lines.append(f"Cc: {cc}")
    if reply_to:
        lines += [f"In-Reply-To: {reply_to}", f"References: {reply_to}"]
    return ("\r\n".join(lines) + "\r\n\r\n" + body + "\r\n").encode()


def _store(store: Store, source: str, raw: bytes) -> None:
    with store.session() as session:
        store_mails(session, "shop", [Incoming(source, raw)], ours=OURS)


def test_our_reply_from_elsewhere_answers_the_thread_without_reopening_it(store: Store) -> None:
    try:
        clock.freeze(T0)
        _store(store, "a", _mail("Ann <ann@example.test>", "help@shop.test", "Where is it?", "<q1@ex>", T0))
        with store.session() as session:
            conv = session.exec(select(Conversation)).one()
            assert conv.sla_due_at is not None and conv.first_response_at is None
            conv.status = Status.CLOSED  # closed meanwhile; our late copy must not reopen it
        reply_at = T0 + timedelta(minutes=40)
        clock.freeze(reply_at + timedelta(minutes=5))
        _store(store, "b", _mail("Shop Support <Help@Shop.test>", "ann@example.test", "Re: Where is it?",
                                 "<r1@shop>", reply_at, reply_to="<q1@ex>", cc="help@shop.test",
                                 body="It ships today."))
        with store.session() as session:
            conv = session.exec(select(Conversation)).one()
            messages = session.exec(select(Message).order_by(col(Message.id))).all()
            addresses = {p.address for p in session.exec(select(ContactPoint))}
        assert [m.direction for m in messages] == ["in", "out"]
        assert messages[1].text.strip() == "It ships today."
        assert conv.status == Status.CLOSED  # not reopened
        assert conv.first_response_at == reply_at and conv.sla_due_at is None
        assert conv.message_count == 2
        assert addresses == {"ann@example.test"}  # the shop is nobody's customer
    finally:
        clock.freeze(None)


def test_a_thread_we_start_has_the_recipient_as_its_customer(store: Store) -> None:
    try:
        clock.freeze(T0)
        _store(store, "c", _mail("Shop Support <help@shop.test>", "Bo <bo@example.test>",
                                 "Your order is delayed", "<n1@shop>", T0, body="Sorry, a week more."))
        with store.session() as session:
            conv = session.exec(select(Conversation)).one()
            [message] = session.exec(select(Message)).all()
            [point] = session.exec(select(ContactPoint)).all()
        assert message.direction == "out" and point.address == "bo@example.test"
        assert conv.sla_due_at is None and conv.sort_due == NO_DUE  # nobody waits on us
        # Bo answers: now the conversation waits for us, as any customer message would.
        clock.freeze(T0 + timedelta(hours=1))
        _store(store, "d", _mail("Bo <bo@example.test>", "help@shop.test", "Re: Your order is delayed",
                                 "<b1@ex>", T0 + timedelta(hours=1), reply_to="<n1@shop>", body="OK, thanks"))
        with store.session() as session:
            conv = session.exec(select(Conversation)).one()
            assert session.exec(select(Message.direction).order_by(col(Message.id))).all() == ["out", "in"]
        assert conv.sla_due_at is not None
    finally:
        clock.freeze(None)


def test_mail_from_us_to_nobody_but_us_is_stored_as_before(store: Store) -> None:
    _store(store, "e", _mail("help@shop.test", "help@shop.test", "test", "<t1@shop>", T0))
    with store.session() as session:
        [message] = session.exec(select(Message)).all()
    assert message.direction == "in"
