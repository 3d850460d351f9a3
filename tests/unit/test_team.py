"""Several agents on one store: presence, drafts, collisions and live change detection.

Every test runs on SQLite and on a real PostgreSQL 15.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from agentdesk import clock
from agentdesk.clock import utcnow
from agentdesk.services import compose, conversations, drafts, live, presence
from agentdesk.services.collision import check_collision
from agentdesk.services.presence import Activity
from agentdesk.store import Store
from agentdesk.store.models import Status
from tests.seed import desk, inbound


def test_presence_shows_others_and_goes_stale(store: Store) -> None:
    conv_id, _ = inbound(store)
    other_id, _ = inbound(store, "bo@example.test")
    ada, bo = desk(store, "ada"), desk(store, "bo")
    presence.beat(ada, "s-ada", conv_id)
    presence.beat(bo, "s-bo", conv_id, Activity.REPLYING)
    seen_by_ada = presence.others_on(ada, [conv_id, other_id], "s-ada")
    assert [p.label for p in seen_by_ada[conv_id]] == ["bo replying"]
    assert other_id not in seen_by_ada
    seen_by_bo = presence.others_on(bo, [conv_id], "s-bo")
    assert [p.label for p in seen_by_bo[conv_id]] == ["ada viewing"]
    presence.beat(bo, "s-bo", other_id)  # bo moves on
    assert presence.others_on(ada, [conv_id], "s-ada") == {}
    try:
        clock.freeze(utcnow() + presence.GONE_AFTER + timedelta(seconds=1))
        assert presence.others_on(ada, [other_id], "s-ada") == {}  # bo's session died
    finally:
        clock.freeze(None)
    presence.leave(bo, "s-bo")
    assert presence.others_on(ada, [other_id], "s-ada") == {}


def test_drafts_are_per_agent_and_survive_takeover(store: Store) -> None:
    conv_id, first = inbound(store)
    ada, bo = desk(store, "ada"), desk(store, "bo")
    conversations.assign_to_me(bo, conv_id)
    drafts.save(bo, conv_id, "Dear Ada, I am looking into")
    conversations.assign_to_me(ada, conv_id)  # ada takes the conversation over
    assert drafts.mine(ada, conv_id) is None
    drafts.save(ada, conv_id, "Hello Ada,")
    mine = drafts.mine(bo, conv_id)
    assert mine is not None and mine.text == "Dear Ada, I am looking into"
    assert mine.base_message_id == first
    assert [d.agent_login for d in drafts.others(ada, conv_id)] == ["bo"]
    drafts.discard(ada, conv_id)
    assert drafts.mine(ada, conv_id) is None and drafts.mine(bo, conv_id) is not None


def test_collision_on_new_customer_message_and_on_another_agents_reply(store: Store) -> None:
    conv_id, first = inbound(store)
    ada, bo = desk(store, "ada"), desk(store, "bo")
    base = drafts.newest_message_id(ada, conv_id)
    assert base == first
    compose.queue(ada, conv_id, "a note for the team", compose.Kind.NOTE)
    assert check_collision(ada, conv_id, base) is None  # a note does not stop a send
    compose.queue(bo, conv_id, "Hi, your order ships today.")
    collision = check_collision(ada, conv_id, base)
    assert collision is not None and collision.stops_send
    assert [r.author_address for r in collision.other_replies] == ["bo"]
    assert "bo replied" in collision.summary
    base = drafts.newest_message_id(ada, conv_id)
    inbound(store, text="Never mind, it came!", conversation_id=conv_id)
    collision = check_collision(ada, conv_id, base)
    assert collision is not None and collision.summary == "1 new customer message"
    assert collision.customer_messages[0].preview == "Never mind, it came!"


def _wait(watcher: live.Watcher, *, data: bool | None = None, who: bool | None = None) -> live.Changes:
    """Poll like a console does until the expected change shows (at most 2 s)."""
    deadline = time.monotonic() + 2
    while True:
        changes = watcher.poll()
        if (data is None or changes.data == data) and (who is None or changes.presence == who):
            return changes
        assert time.monotonic() < deadline, f"no change seen: {changes}"
        time.sleep(0.05)


def test_live_watcher_sees_other_writers_and_stays_quiet_otherwise(store: Store) -> None:
    conv_id, _ = inbound(store)
    ada = desk(store, "ada")
    other = Store.open(store.url, migrate=False)  # another agent's process
    bo = desk(other, "bo")
    watcher = live.Watcher(ada)
    try:
        assert not watcher.poll()
        assert not watcher.poll()
        conversations.set_status(bo, conv_id, Status.CLOSED)
        assert _wait(watcher, data=True).data
        assert not watcher.poll()
        inbound(other, text="new mail", conversation_id=conv_id)
        assert _wait(watcher, data=True)
        presence.beat(bo, "s-bo", conv_id)
        changes = _wait(watcher, who=True)
        assert changes.presence and not changes.data
        presence.beat(bo, "s-bo", conv_id)  # a heartbeat alone redraws nothing
        time.sleep(0.1)
        assert not watcher.poll()
        later = utcnow() + presence.GONE_AFTER + timedelta(seconds=1)
        clock.freeze(later)
        try:
            assert watcher.poll(later).presence  # bo went stale without any write
        finally:
            clock.freeze(None)
    finally:
        watcher.close()
        other.dispose()


def test_live_watcher_polls_cheaply(store: Store) -> None:
    inbound(store)
    watcher = live.Watcher(desk(store))
    try:
        watcher.poll()
        start = time.perf_counter()
        for _ in range(200):
            assert not watcher.poll()
        per_poll = (time.perf_counter() - start) / 200
        assert per_poll < 0.002, f"{per_poll * 1000:.2f} ms per idle poll"
    finally:
        watcher.close()


def test_another_console_of_my_own_login_reads_as_you() -> None:
    """A second ssh session (or one killed without quitting) is not someone else."""
    from agentdesk.services.presence import Activity, PresenceView
    from agentdesk.widgets.team_link import header_label, row_label

    at = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    mine = PresenceView("root", "Root", 7, Activity.VIEWING, at)
    bo = PresenceView("bo", "Bo", 7, Activity.REPLYING, at)
    assert row_label([bo, mine], "root") == "bo✎ you"
    assert header_label([bo, mine], "root") == "bo replying, you (another session) viewing"
    assert header_label([mine], "ada") == "root viewing"
