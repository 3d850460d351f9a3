"""Replies over SMTP to a real aiosmtpd: threading headers, a customer's answer to our
reply, refusal kept in the outbox, and a reply interrupted mid-send."""

from __future__ import annotations

from sqlmodel import col, select

from agentdesk.channels.outbox import INTERRUPTED
from agentdesk.channels.poller import poll_once
from agentdesk.config import AgentSettings, Settings
from agentdesk.services import Desk, compose
from agentdesk.store import Store
from agentdesk.store.models import Conversation, Message, OutboxItem, OutboxStatus
from tests.integration.email.conftest import SmtpServer, mail
from tests.integration.email.servers import Dovecot


def _desk(store: Store) -> Desk:
    return Desk(store, AgentSettings(login="tester", name="Tess Tester"))


def _reply_queued(dovecot: Dovecot, mailbox: str, store: Store, settings: Settings,
                  message_id: str, text: str) -> int:
    """A customer's mail fetched into its conversation, and our reply to it queued: its id."""
    dovecot.append(mailbox, mail("Help", message_id=message_id))
    poll_once(store, settings)
    with store.session() as session:
        conv_id = session.exec(select(Conversation.id)).one()
    assert conv_id is not None
    compose.queue(_desk(store), conv_id, text)
    return conv_id


def test_reply_goes_out_threaded_and_the_customers_answer_joins_the_conversation(
    dovecot: Dovecot, mailbox: str, store: Store, smtp: SmtpServer, settings_for
) -> None:
    dovecot.append(
        mailbox,
        mail(
            "Where is my order? =?utf-8?q?=0D=0ABcc:_victim@evil.test?=",  # header injection
            message_id="<o1@customer.test>",
            references="<root@customer.test>",
        ),
    )
    settings = settings_for(smtp_port=smtp.port)
    poll_once(store, settings)
    with store.session() as session:
        conv = session.exec(select(Conversation)).one()
    assert conv.id is not None
    compose.queue(_desk(store), conv.id, "Hi Ada,\n\nit ships today.\n\nTess")
    report = poll_once(store, settings)
    assert report.sent == 1
    [(mail_from, rcpts, _raw)] = smtp.sink.received
    assert mail_from == "help@shop.test" and rcpts == ["ada@customer.test"]
    [sent] = smtp.sink.messages()
    assert sent["From"] == "Shop Support <help@shop.test>"
    assert sent["To"] == "ada@customer.test"
    assert sent["Subject"].startswith("Re: Where is my order?")
    assert not sent["Subject"].startswith("Re: Re:")
    assert sent["Bcc"] is None
    assert sent["In-Reply-To"] == "<o1@customer.test>"
    assert sent["References"] == "<root@customer.test> <o1@customer.test>"
    assert "it ships today" in sent.get_payload(decode=True).decode()
    with store.session() as session:
        ours = session.exec(select(Message).where(Message.direction == "out")).one()
        assert ours.message_id_header == sent["Message-ID"]
        assert session.exec(select(OutboxItem)).one().status == OutboxStatus.SENT

    dovecot.append(
        mailbox,
        mail(
            "Re: Re: Where is my order?",
            message_id="<o2@customer.test>",
            in_reply_to=sent["Message-ID"],
            body="Thanks!",
        ),
    )
    poll_once(store, settings)
    with store.session() as session:
        assert len(session.exec(select(Conversation)).all()) == 1
        texts = [m.text for m in session.exec(select(Message).order_by(col(Message.id)))]
        assert texts[-1] == "Thanks!"


def test_a_refused_reply_stays_in_the_outbox_with_the_error_then_goes_out(
    dovecot: Dovecot, mailbox: str, store: Store, smtp: SmtpServer, settings_for
) -> None:
    """A permanent refusal (5xx) fails the reply at once, with the server's words; F
    (send_again) sends the same reply again once the cause is fixed."""
    settings = settings_for(smtp_port=smtp.port)
    conv_id = _reply_queued(dovecot, mailbox, store, settings, "<f1@customer.test>", "On it.")
    smtp.sink.refuse = "554 5.7.1 we do not like you"
    report = poll_once(store, settings)
    assert report.sent == 0 and report.send_failures == 0  # failed for good: not retrying
    with store.session() as session:
        item = session.exec(select(OutboxItem)).one()
        assert item.status == OutboxStatus.FAILED and item.attempts == 1
        assert item.last_error == "refused by the SMTP server: 554 5.7.1 we do not like you"
        first_id = session.exec(
            select(Message.message_id_header).where(Message.direction == "out")
        ).one()
    smtp.sink.refuse = None
    assert compose.send_again(_desk(store), conv_id) == 1
    assert poll_once(store, settings).sent == 1
    [sent] = smtp.sink.messages()
    assert sent["Message-ID"] == first_id  # the retry keeps the Message-ID


def test_a_temporary_refusal_is_retried_after_a_back_off(
    dovecot: Dovecot, mailbox: str, store: Store, smtp: SmtpServer, settings_for
) -> None:
    """4xx: the reply stays queued, is not tried again before its back-off, then goes."""
    from datetime import timedelta

    from agentdesk import clock
    from agentdesk.clock import utcnow

    settings = settings_for(smtp_port=smtp.port)
    _reply_queued(dovecot, mailbox, store, settings, "<t1@customer.test>", "On it.")
    smtp.sink.refuse = "451 4.3.0 greylisted, try again later"
    start = utcnow()
    try:
        clock.freeze(start)
        report = poll_once(store, settings)
        assert report.sent == 0 and report.send_failures == 1
        smtp.sink.refuse = None
        assert poll_once(store, settings).sent == 0  # its minute has not passed
        with store.session() as session:
            item = session.exec(select(OutboxItem)).one()
            assert item.status == OutboxStatus.QUEUED and item.attempts == 1
            assert "451 4.3.0 greylisted" in (item.last_error or "")
        clock.freeze(start + timedelta(minutes=1, seconds=1))
        assert poll_once(store, settings).sent == 1
    finally:
        clock.freeze(None)
    assert len(smtp.sink.messages()) == 1


def test_a_reply_left_sending_by_a_crash_is_not_sent_again_silently(
    dovecot: Dovecot, mailbox: str, store: Store, smtp: SmtpServer, settings_for
) -> None:
    settings = settings_for(smtp_port=smtp.port)
    _reply_queued(dovecot, mailbox, store, settings, "<s1@customer.test>", "On it.")
    with store.session() as session:  # what a sender killed after the SMTP accept leaves
        item = session.exec(select(OutboxItem)).one()
        item.status = OutboxStatus.SENDING
    report = poll_once(store, settings)
    assert report.sent == 0 and smtp.sink.received == []
    with store.session() as session:
        item = session.exec(select(OutboxItem)).one()
        assert item.status == OutboxStatus.FAILED and item.last_error == INTERRUPTED


def test_a_copy_of_the_reply_is_saved_in_the_sent_folder_and_inbox_flags_stay(
    dovecot: Dovecot, mailbox: str, store: Store, smtp: SmtpServer, settings_for
) -> None:
    client = dovecot.client(mailbox)
    client.create_folder("Sent")
    client.logout()
    settings = settings_for(smtp_port=smtp.port, extra_imap='sent_folder = "Sent"')
    _reply_queued(dovecot, mailbox, store, settings, "<c1@customer.test>", "Sent with a copy.")
    assert poll_once(store, settings).sent == 1
    client = dovecot.client(mailbox)
    try:
        client.select_folder("Sent", readonly=True)
        [uid] = client.search()
        copy = client.fetch([uid], ["BODY.PEEK[]"])[uid][b"BODY[]"]
        assert smtp.sink.messages()[0]["Message-ID"].encode() in copy
        client.select_folder("INBOX", readonly=True)
        flags = client.get_flags(client.search())
        assert all(b"\\Seen" not in f for f in flags.values())  # sync never marks mail read
    finally:
        client.logout()


def test_our_reply_sent_from_another_client_joins_the_thread_as_ours(
    dovecot: Dovecot, mailbox: str, store: Store, smtp: SmtpServer, settings_for
) -> None:
    """A reply written on a phone with the support address copied arrives in INBOX:
    it is our reply in the customer's thread, not the customer writing again."""
    dovecot.append(mailbox, mail("Help", message_id="<p1@customer.test>"))
    settings = settings_for(smtp_port=smtp.port)
    poll_once(store, settings)
    dovecot.append(mailbox, mail("Re: Help", sender="Shop Support <help@shop.test>",
                                 message_id="<phone1@shop.test>", in_reply_to="<p1@customer.test>",
                                 body="Answered from my phone.", extra="Cc: ada@customer.test"))
    poll_once(store, settings)
    with store.session() as session:
        conv = session.exec(select(Conversation)).one()
        directions = session.exec(select(Message.direction).order_by(col(Message.id))).all()
    assert directions == ["in", "out"]
    assert conv.first_response_at is not None and conv.sla_due_at is None
    assert smtp.sink.received == []  # stored as sent; nothing goes out again
