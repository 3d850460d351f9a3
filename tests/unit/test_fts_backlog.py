"""Search indexing a big sync leaves to a second connection (`fts_backlog`): nothing is
indexed twice or lost, whatever happens to the messages before their turn."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from agentdesk.clock import utcnow
from agentdesk.services.intake import insert_rows
from agentdesk.store import Store, fts_backlog
from agentdesk.store.models import Conversation, Customer, Message

_MESSAGES = Message.__table__  # type: ignore[attr-defined]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store.open(tmp_path / "store.db")
    with store.session() as session:
        customer = Customer(name="Ann", created_at=utcnow())
        session.add(customer)
        session.flush()
        now = utcnow()
        session.add(Conversation(channel="email", status="open", subject="Order", preview="",
                                 customer_id=customer.id, priority="normal", created_at=now,
                                 updated_at=now, last_message_at=now, sort_due=now, message_count=0))
    return store


def _row(word: str) -> dict[str, object]:
    return {"conversation_id": 1, "direction": "in", "author": "Ann", "author_address": "ann@x.test",
            "sent_at": utcnow(), "subject": "Order", "text": f"about the {word}", "html": None,
            "message_id_header": None, "in_reply_to": None, "references": None, "raw": None,
            "parse_error": None, "source": None, "auto_kind": None, "raw_sha256": None}


def _store_deferred(store: Store, words: list[str]) -> int:
    """Insert messages as a big sync does (indexing left to the backlog); the range's first id."""
    with store.session() as session:
        first = fts_backlog.defer(session, len(words))
        ids = insert_rows(session, _MESSAGES, [_row(w) for w in words])
    assert ids[0] == first
    return first


def _found(store: Store, query: str) -> list[int]:
    with store.engine.connect() as conn:
        return [r[0] for r in conn.execute(
            text("SELECT rowid FROM message_fts WHERE message_fts MATCH :q ORDER BY rowid"), {"q": query})]


def _check_index(store: Store) -> tuple[int, int]:
    """(indexed documents, backlog rows), after FTS5's own consistency check."""
    with store.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO message_fts(message_fts) VALUES ('integrity-check')")
        docs = conn.exec_driver_sql("SELECT count(*) FROM message_fts_docsize").scalar_one()
        backlog = conn.exec_driver_sql("SELECT count(*) FROM fts_backlog").scalar_one()
    return docs, backlog


def test_deferred_messages_are_found_once_their_range_is_indexed(store: Store) -> None:
    first = _store_deferred(store, ["parcel", "refund", "parcel"])
    assert _found(store, "parcel") == []  # stored, not yet searchable
    fts_backlog.index(store, first)
    assert _found(store, "parcel") == [first, first + 2]
    assert _found(store, "refund") == [first + 1]
    assert _check_index(store) == (3, 0)
    fts_backlog.index(store, first)  # a second indexer of the same range does nothing
    assert _check_index(store) == (3, 0)


def test_edits_and_deletes_before_the_range_is_indexed_leave_a_sound_index(store: Store) -> None:
    first = _store_deferred(store, ["parcel", "refund", "voucher"])
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE message SET text = 'about the invoice' WHERE id = :id"), {"id": first})
        conn.execute(text("DELETE FROM message WHERE id = :id"), {"id": first + 1})
    fts_backlog.index(store, first)
    assert _found(store, "parcel") == [] and _found(store, "refund") == []
    assert _found(store, "invoice") == [first] and _found(store, "voucher") == [first + 2]
    assert _check_index(store) == (2, 0)


def test_messages_stored_any_other_way_are_indexed_at_once(store: Store) -> None:
    first = _store_deferred(store, ["parcel"])
    with store.session() as session:  # a reply or a chat message meanwhile
        (other,) = insert_rows(session, _MESSAGES, [_row("courier")])
    assert _found(store, "courier") == [other] and _found(store, "parcel") == []
    fts_backlog.index(store, first)
    assert _check_index(store) == (2, 0)


def test_a_backlog_a_crash_left_is_indexed_by_the_next_catch_up(store: Store) -> None:
    _store_deferred(store, ["parcel", "refund"])
    _store_deferred(store, ["voucher"])
    assert fts_backlog.catch_up(store) == 2
    assert len(_found(store, "parcel OR refund OR voucher")) == 3
    assert _check_index(store) == (3, 0)
    assert fts_backlog.catch_up(store) == 0


def test_the_indexer_thread_indexes_what_it_is_handed_and_waits_on_close(store: Store) -> None:
    indexer = fts_backlog.Indexer(store)
    for word in ("parcel", "refund", "voucher"):
        indexer.add(_store_deferred(store, [word] * 50))
    indexer.close()
    assert _check_index(store) == (150, 0)
    assert len(_found(store, "voucher")) == 50


def test_migration_0012_down_indexes_the_backlog_and_up_again(store: Store) -> None:
    from alembic import command

    from agentdesk.store.engine import alembic_config

    _store_deferred(store, ["parcel"])
    command.downgrade(alembic_config(store.engine), "0012@0011")
    assert _found(store, "parcel") != []
    with store.session() as session:  # the triggers of 0001 index at once again
        (other,) = insert_rows(session, _MESSAGES, [_row("courier")])
    assert _found(store, "courier") == [other]
    command.upgrade(alembic_config(store.engine), "heads")
    with store.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO message_fts(message_fts) VALUES ('integrity-check')")
        assert conn.exec_driver_sql("SELECT count(*) FROM message_fts_docsize").scalar_one() == 2


def _triggers(store: Store) -> list[str]:
    with store.engine.connect() as conn:
        return sorted(r[0] for r in conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger'"))


def test_a_sync_batch_inserts_without_the_trigger_and_puts_it_back_in_its_transaction(
    store: Store,
) -> None:
    before = _triggers(store)
    indexer = fts_backlog.Indexer(store)
    deferral = indexer.deferral()
    with store.session() as session:
        deferral.ready()
        with deferral.unindexed(session, 2):
            insert_rows(session, _MESSAGES, [_row("parcel"), _row("refund")])
        with store.engine.connect() as other:  # another connection never sees it missing
            assert len(other.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").all()) == 3
    deferral.hand_over()
    indexer.close()
    assert _triggers(store) == before
    assert len(_found(store, "parcel OR refund")) == 2
    with store.session() as session:  # and later messages are indexed by it, at once
        (later,) = insert_rows(session, _MESSAGES, [_row("courier")])
    assert _found(store, "courier") == [later]
    assert _check_index(store) == (3, 0)


def test_a_failed_batch_rolls_back_with_the_trigger_in_place(store: Store) -> None:
    before = _triggers(store)
    indexer = fts_backlog.Indexer(store)
    deferral = indexer.deferral()
    with pytest.raises(RuntimeError), store.session() as session:
        with deferral.unindexed(session, 1):
            insert_rows(session, _MESSAGES, [_row("parcel")])
            raise RuntimeError("disk full")
    indexer.close()
    assert _triggers(store) == before
    assert _check_index(store) == (0, 0)
