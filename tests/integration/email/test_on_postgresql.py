"""The email channel's own tests, run again with the store on a real PostgreSQL 15.

The test functions are imported from their modules; this module's `store` fixture
(a fresh PostgreSQL database) takes the place of the SQLite file of conftest.py, so
sync, threading, dedupe, the outbox and the poller lease are proven on both.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlmodel import col, select

from agentdesk.channels.poller import poll_once
from agentdesk.store import Store
from agentdesk.store.models import Message
from tests.integration.email.conftest import mail
from tests.integration.email.servers import Dovecot
from tests.integration.email.test_bulk_sync import (  # noqa: F401
    test_a_big_first_sync_parses_in_workers_and_stores_every_thread,
)
from tests.integration.email.test_outbox import (  # noqa: F401  (collected again here)
    test_a_refused_reply_stays_in_the_outbox_with_the_error_then_goes_out,
    test_a_reply_left_sending_by_a_crash_is_not_sent_again_silently,
    test_reply_goes_out_threaded_and_the_customers_answer_joins_the_conversation,
)
from tests.integration.email.test_poller import (  # noqa: F401
    test_lease_one_holder_at_a_time_and_dead_holders_lose_it,
)
from tests.integration.email.test_sync import (  # noqa: F401
    test_a_reply_by_references_joins_the_conversation_and_reopens_it,
    test_automatic_mail_is_marked_and_does_not_reopen,
    test_first_sync_stores_mail_and_the_second_fetches_no_bodies,
    test_uidvalidity_change_rescans_without_duplicates,
    test_unparseable_mail_is_kept_raw_with_a_reason_and_attachments_are_safe,
)
from tests.pg import TEMPLATE, PgServer


@pytest.fixture
def store(pg_server: PgServer) -> Iterator[Store]:
    """A migrated store in a fresh PostgreSQL database (overrides conftest's SQLite one)."""
    opened = Store.open(pg_server.create_database(TEMPLATE))
    try:
        yield opened
    finally:
        opened.dispose()


def test_two_pollers_at_once_on_postgresql_store_every_mail_once(
    dovecot: Dovecot, mailbox: str, store: Store, settings_for
) -> None:
    dovecot.append(mailbox, *[mail(f"Mail {i}", message_id=f"<p{i}@customer.test>") for i in range(40)])
    settings = settings_for(batch_size=5)
    other = Store.open(store.url, migrate=False)  # a second process's own connections
    start = threading.Barrier(2)
    reports = []

    def run(s: Store) -> None:
        start.wait()
        reports.append(poll_once(s, settings))

    threads = [threading.Thread(target=run, args=(s,)) for s in (store, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    poll_once(store, settings)
    other.dispose()
    with store.session() as session:
        stored = session.exec(select(Message).order_by(col(Message.id))).all()
    assert len(stored) == 40 and len({m.message_id_header for m in stored}) == 40
    assert all(not r.errors for r in reports)
