"""A big first sync: parsing in worker processes, the fast FETCH reader, and their
fallbacks (imapclient's own parser, parsing in-process) storing exactly the same."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import col, func, select

from agentdesk.channels import bulkfetch, imap
from agentdesk.channels.accounts import load_accounts
from agentdesk.channels.bulkfetch import Parser, internaldate, uid_set
from agentdesk.channels.mime import parse
from agentdesk.channels.poller import poll_once
from agentdesk.store import Store
from agentdesk.store.models import Conversation, Message, MailSyncState
from tests.integration.email.conftest import mail
from tests.integration.email.servers import Dovecot

COUNT = bulkfetch.POOL_MIN_MAILS + 200


def _thread_mails(count: int) -> list[bytes]:
    """Ten-mail threads: each mail answers the one before it."""
    raws = []
    for n in range(count):
        thread, step = divmod(n, 10)
        parent = f"<t{thread}.{step - 1}@customer.test>" if step else None
        raws.append(mail(f"Order {thread}", sender=f"C{thread} <c{thread}@customer.test>",
                         message_id=f"<t{thread}.{step}@customer.test>", in_reply_to=parent,
                         references=parent, body=f"Message {step} of thread {thread}"))
    return raws


def _summary(store: Store) -> tuple[int, int, int, list[int]]:
    with store.session() as session:
        messages = session.exec(select(func.count()).select_from(Message)).one()
        conversations = session.exec(select(func.count()).select_from(Conversation)).one()
        counts = list(session.exec(select(Conversation.message_count).order_by(col(Conversation.id))))
        last_uid = session.exec(select(MailSyncState.last_uid)).one()
    return messages, conversations, last_uid, sorted(set(counts))


def test_a_big_first_sync_parses_in_workers_and_stores_every_thread(
    dovecot: Dovecot, mailbox: str, store: Store, settings_for
) -> None:
    dovecot.fill(mailbox, _thread_mails(COUNT))
    settings = settings_for(batch_size=100)
    seen: list[tuple[int, int]] = []
    report = poll_once(store, settings, lambda a, f, done, total: seen.append((done, total)))
    assert report.errors == [] and report.new == COUNT
    assert seen[-1] == (COUNT, COUNT)
    assert _summary(store) == (COUNT, COUNT // 10, COUNT, [10])
    assert poll_once(store, settings).new == 0


def test_the_first_batch_is_small_so_storing_starts_early(
    dovecot: Dovecot, mailbox: str, store: Store, settings_for
) -> None:
    dovecot.fill(mailbox, _thread_mails(1200))
    seen: list[int] = []
    poll_once(store, settings_for(batch_size=500), lambda a, f, done, total: seen.append(done))
    assert seen == [0, imap.FIRST_BATCH, imap.FIRST_BATCH + 500, imap.FIRST_BATCH + 1000, 1200]


def test_without_the_fast_reader_or_the_workers_the_sync_stores_the_same(
    dovecot: Dovecot, mailbox: str, store: Store, settings_for, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_read = bulkfetch._Sent.read

    def refuse(sent: bulkfetch._Sent) -> list[object]:
        real_read(sent)  # the answer is read off the connection, then not understood
        raise bulkfetch._Unexpected("a server answering differently")

    monkeypatch.setattr(bulkfetch._Sent, "read", refuse)
    monkeypatch.setattr(bulkfetch, "POOL_MIN_MAILS", 10**9)
    dovecot.fill(mailbox, _thread_mails(300))
    report = poll_once(store, settings_for(batch_size=70))
    assert report.errors == [] and report.new == 300
    assert _summary(store) == (300, 30, 300, [10])
    with store.session() as session:
        received = session.exec(select(Message.sent_at).limit(1)).one()
    assert received == datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def test_a_failure_with_the_next_fetch_in_flight_leaves_the_connection_usable(
    dovecot: Dovecot, mailbox: str, store: Store, settings_for, monkeypatch: pytest.MonkeyPatch
) -> None:
    dovecot.fill(mailbox, _thread_mails(300))
    account = load_accounts(settings_for(batch_size=100))[0]
    stored_batches = 0
    real_store = imap.store_mails

    def fail_on_the_second_batch(*args: object, **kwargs: object) -> object:
        nonlocal stored_batches
        stored_batches += 1
        if stored_batches == 2:
            raise RuntimeError("disk full")
        return real_store(*args, **kwargs)

    monkeypatch.setattr(imap, "store_mails", fail_on_the_second_batch)
    client = dovecot.client(mailbox)
    try:
        with pytest.raises(RuntimeError, match="disk full"):
            imap.sync_folder(client, store, account, "INBOX")
        # The third batch's FETCH was sent before the second was stored; it was read
        # off the connection, so the next command gets its own answer, not that one,
        # and the same client syncs on from the first batch's UID.
        (only_answer,) = bulkfetch._Sent(client, [1], "RFC822.SIZE").read()
        assert b"RFC822.SIZE" in only_answer[0]
        monkeypatch.setattr(imap, "store_mails", real_store)
        report = imap.sync_folder(client, store, account, "INBOX")
    finally:
        client.logout()
    assert report.new == 200
    assert _summary(store) == (300, 30, 300, [10])


def test_workers_parse_as_here_and_a_broken_pool_falls_back_to_parsing_here() -> None:
    raws = _thread_mails(3)
    with Parser(bulkfetch.POOL_MIN_MAILS) as parser:
        assert parser.depth >= 1
        for booting in parser._booted:  # until a worker is up, batches are parsed here
            booting.result(timeout=60)
        first = parser.submit(raws)
        assert first() == [parse(r) for r in raws]
        assert parser._pool is not None
        parser._pool.shutdown()
        again = parser.submit(raws)
        assert again() == [parse(r) for r in raws]
        assert parser.depth == 0


def test_uid_sets_and_internaldates() -> None:
    assert uid_set([5, 1, 2, 3, 9, 10, 12]) == "1:3,5,9:10,12"
    assert uid_set([7]) == "7"
    assert internaldate(b"03-Mar-2026 09:00:00 +0100") == datetime(2026, 3, 3, 8, 0, tzinfo=UTC)
    assert internaldate(b" 3-Mar-2026 23:30:00 -0230") == datetime(2026, 3, 4, 2, 0, tzinfo=UTC)
    assert internaldate(b"yesterday") is None
