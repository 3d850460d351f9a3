"""IMAP sync against a real Dovecot: first sync, incremental no-op, UIDVALIDITY change,
two syncs at once, threading, automatic mail, and a mail that cannot be parsed."""

from __future__ import annotations

import threading
import time

from sqlmodel import col, func, select

from agentdesk.channels.poller import poll_once
from agentdesk.channels.threading import join_reasons
from agentdesk.store import Store
from agentdesk.store.models import Attachment, Conversation, Customer, MailSyncState, Message
from tests.integration.email.conftest import mail
from tests.integration.email.servers import Dovecot


def _messages(store: Store) -> list[Message]:
    with store.session() as session:
        return list(session.exec(select(Message).order_by(col(Message.id))).all())


def test_first_sync_stores_mail_and_the_second_fetches_no_bodies(
    dovecot: Dovecot, mailbox: str, store: Store, settings_for
) -> None:
    dovecot.append(
        mailbox,
        mail("Where is my order?", message_id="<a1@customer.test>"),
        mail("Broken lid", sender='"Bob B." <BOB@Customer.test>', message_id="<b1@customer.test>"),
    )
    settings = settings_for()
    seen: list[tuple[int, int]] = []
    report = poll_once(store, settings, lambda a, f, done, total: seen.append((done, total)))
    assert report.errors == []
    assert report.new == 2
    assert seen[-1] == (2, 2)
    stored = _messages(store)
    assert [m.subject for m in stored] == ["Where is my order?", "Broken lid"]
    assert stored[0].raw and b"order 1234" in stored[0].raw
    assert stored[1].author_address == "bob@customer.test"
    with store.session() as session:
        names = sorted(c.name for c in session.exec(select(Customer)).all())
        assert names == ["Ada Customer", "Bob B."]
        state = session.exec(select(MailSyncState)).one()
        assert state.last_uid == 2

    offset = dovecot.log_offset()
    again = poll_once(store, settings)
    assert again.new == 0
    assert again.accounts[0].folders[0].bodies_fetched == 0
    time.sleep(0.2)  # Dovecot writes the logout line just after the connection closes
    lines = dovecot.logouts(mailbox, offset)
    assert lines, "the second sync did not log in"
    assert all("fetch_body_count=0" in line and "fetch_hdr_count=0" in line for line in lines)
    assert len(_messages(store)) == 2

    dovecot.append(mailbox, mail("Third", message_id="<c1@customer.test>"))
    third = poll_once(store, settings)
    assert third.new == 1 and third.accounts[0].folders[0].bodies_fetched == 1


def test_uidvalidity_change_rescans_without_duplicates(
    dovecot: Dovecot, mailbox: str, store: Store, settings_for
) -> None:
    no_id = mail("No id here", message_id=None, body="a mail without a Message-ID")
    dovecot.append(mailbox, mail("One", message_id="<u1@customer.test>"), no_id)
    settings = settings_for()
    assert poll_once(store, settings).new == 2
    dovecot.set_uidvalidity(mailbox, 424242)
    dovecot.append(mailbox, mail("New after change", message_id="<u2@customer.test>"))
    report = poll_once(store, settings)
    folder = report.accounts[0].folders[0]
    assert folder.rescanned
    assert (folder.new, folder.duplicates) == (1, 2)
    assert sorted(m.subject for m in _messages(store)) == ["New after change", "No id here", "One"]
    with store.session() as session:
        assert session.exec(select(MailSyncState)).one().uidvalidity == 424242


def test_two_syncs_at_once_store_every_mail_once(
    dovecot: Dovecot, mailbox: str, store: Store, settings_for, tmp_path
) -> None:
    dovecot.append(
        mailbox, *[mail(f"Mail {i}", message_id=f"<c{i}@customer.test>") for i in range(40)]
    )
    settings = settings_for(batch_size=5)
    other = Store.open(tmp_path / "agentdesk.db")  # a second engine, as a second process has
    reports = []
    start = threading.Barrier(2)

    def run(s: Store) -> None:
        start.wait()
        reports.append(poll_once(s, settings))

    threads = [threading.Thread(target=run, args=(s,)) for s in (store, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # One of them may have found the account busy; a third sync finishes whatever is left.
    poll_once(store, settings)
    other.dispose()
    stored = _messages(store)
    assert len(stored) == 40
    assert len({m.message_id_header for m in stored}) == 40
    assert all(not r.errors for r in reports)


def test_a_reply_by_references_joins_the_conversation_and_reopens_it(
    dovecot: Dovecot, mailbox: str, store: Store, settings_for
) -> None:
    dovecot.append(mailbox, mail("Refund?", message_id="<r1@customer.test>"))
    settings = settings_for()
    poll_once(store, settings)
    with store.session() as session:
        conv = session.exec(select(Conversation)).one()
        conv.status = "closed"
    dovecot.append(
        mailbox,
        mail(
            "Re: Refund?",
            message_id="<r2@customer.test>",
            references="<unknown@elsewhere.test> <r1@customer.test>",
            body="Any news?",
        ),
        mail(f"Other topic [#{conv.id}]", message_id="<r3@customer.test>"),
        mail("Fresh question", message_id="<r4@customer.test>"),
    )
    poll_once(store, settings)
    with store.session() as session:
        convs = session.exec(select(Conversation).order_by(col(Conversation.id))).all()
        assert len(convs) == 2
        assert convs[0].status == "open" and convs[0].message_count == 3
        assert convs[1].subject == "Fresh question"
        reasons = join_reasons(session, convs[0].id)
        assert sorted(reasons.values()) == [
            "References <r1@customer.test>",
            "new conversation",
            f"subject token [#{convs[0].id}]",
        ]


def test_automatic_mail_is_marked_and_does_not_reopen(
    dovecot: Dovecot, mailbox: str, store: Store, settings_for
) -> None:
    dovecot.append(mailbox, mail("Question", message_id="<q1@customer.test>"))
    settings = settings_for()
    poll_once(store, settings)
    with store.session() as session:
        conv = session.exec(select(Conversation)).one()
        conv.status = "closed"
    dovecot.append(
        mailbox,
        mail(
            "Out of office",
            message_id="<q2@customer.test>",
            in_reply_to="<q1@customer.test>",
            extra="Auto-Submitted: auto-replied",
        ),
        mail(
            "Newsletter",
            sender="news@list.test",
            message_id="<q3@list.test>",
            extra="List-Id: <news.list.test>",
        ),
    )
    poll_once(store, settings)
    with store.session() as session:
        convs = session.exec(select(Conversation).order_by(col(Conversation.id))).all()
        assert convs[0].status == "closed" and not convs[0].automatic
        assert convs[1].automatic
        kinds = [m.auto_kind for m in session.exec(select(Message).order_by(col(Message.id)))]
        assert kinds == [None, "auto-reply", "bulk"]


def test_unparseable_mail_is_kept_raw_with_a_reason_and_attachments_are_safe(
    dovecot: Dovecot, mailbox: str, store: Store, settings_for
) -> None:
    garbage = b"\x01 this is not a mail at all \xff\xfe\r\n\r\n"  # (Dovecot turns NUL into 0x80)
    hostile = (
        b"From: =?utf-8?q?=1B[31mEvil=1B[0m?= <evil@x.test>\r\n"
        b"Subject: [b]bold[/b] \x1b]0;title\x07 hi\r\n"
        b"Message-ID: <h1@x.test>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="B"\r\n\r\n'
        b"--B\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
        b"--B\r\nContent-Type: application/octet-stream\r\n"
        b'Content-Disposition: attachment; filename="../../etc/passwd"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\naGVsbG8=\r\n--B--\r\n"
    )
    dovecot.append(mailbox, garbage, hostile)
    report = poll_once(store, settings_for())
    assert report.accounts[0].folders[0].parse_errors == 1
    stored = _messages(store)
    assert stored[0].raw == garbage and stored[0].parse_error
    assert "\x1b" not in stored[1].subject and "\x1b" not in stored[1].author
    with store.session() as session:
        att = session.exec(select(Attachment)).one()
        assert att.filename == "passwd" and att.data == b"hello"
        assert session.exec(select(func.count()).select_from(Conversation)).one() == 2
