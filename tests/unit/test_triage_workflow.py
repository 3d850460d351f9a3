"""Tags, priority, @mentions and the review queue, on SQLite and a real PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from agentdesk.channels.outbox import DemoSender, deliver
from agentdesk.cli import app
from agentdesk.services import agents, compose, conversations, inbox, review, tags, workflow
from agentdesk.services.views import View
from agentdesk.store import Store
from agentdesk.store.models import Event, OutboxItem, OutboxStatus, Status
from tests.seed import desk, inbound


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    store = Store.open(tmp_path / "store.db")
    yield store
    store.dispose()


def actions(store: Store) -> list[str]:
    with store.session() as session:
        return [e.action for e in session.exec(select(Event).order_by(Event.id))]  # type: ignore[arg-type]


def test_tags_add_remove_rename_merge(store: Store) -> None:
    a, _ = inbound(store, "a@example.test")
    b, _ = inbound(store, "b@example.test")
    ada = desk(store)
    assert tags.add_tag(ada, [a, b], "  Late   by Carrier ") == "late by carrier"
    tags.add_tag(ada, a, "late by carrier")  # twice is once
    tags.add_tag(ada, b, "delayed")
    assert [(t.name, t.count) for t in tags.list_tags(ada)] == [("late by carrier", 2), ("delayed", 1)]
    rows = {r.id: r for r in inbox.page(ada, View.OPEN).rows}
    assert rows[b].tags == ("delayed", "late by carrier")
    tags.remove_tag(ada, b, "Late by carrier")
    assert tags.tags_of_one(ada, b) == ("delayed",)
    with pytest.raises(tags.TagError, match="exists already"):
        tags.rename_tag(ada, "delayed", "late by carrier")
    tags.rename_tag(ada, "delayed", "late")
    assert tags.merge_tags(ada, ["late"], "late by carrier") == 1
    assert [(t.name, t.count) for t in tags.list_tags(ada)] == [("late by carrier", 2)]
    assert tags.toggle_tag(ada, a, "late by carrier") is False
    assert tags.toggle_tag(ada, a, "vip") is True
    with pytest.raises(tags.TagError):
        tags.add_tag(ada, a, "   ")
    assert {"tag:add", "tag:remove", "tag:rename", "tag:merge"} <= set(actions(store))


def test_fuzzy_rank() -> None:
    names = ["late by carrier", "refund", "damaged in transit", "vip", "wrong item"]
    assert tags.fuzzy_rank(names, "lbc")[0] == "late by carrier"
    assert tags.fuzzy_rank(names, "ref") == ["refund"]
    assert tags.fuzzy_rank(names, "it") == ["wrong item", "damaged in transit"]
    assert tags.fuzzy_rank(names, "") == names
    assert tags.fuzzy_rank(names, "zzz") == []


def test_tags_cli(sqlite_store: Store, tmp_path: Path) -> None:
    a, _ = inbound(sqlite_store)
    db = str(tmp_path / "store.db")
    runner = CliRunner()
    assert runner.invoke(app, ["--db", db, "tags", "add", "Delayed", str(a)]).exit_code == 0
    assert runner.invoke(app, ["--db", db, "tags", "rename", "delayed", "late"]).exit_code == 0
    merged = runner.invoke(app, ["--db", db, "tags", "merge", "late", "--into", "late by carrier"])
    assert merged.exit_code == 0, merged.output
    listed = runner.invoke(app, ["--db", db, "tags", "list", "--json"])
    assert listed.output.strip() == '{"name": "late by carrier", "count": 1}'
    bad = runner.invoke(app, ["--db", db, "tags", "rename", "nope", "x"])
    assert bad.exit_code == 2 and "no tag" in bad.output


def test_priority(store: Store) -> None:
    a, _ = inbound(store)
    ada = desk(store)
    workflow.set_priority(ada, a, "urgent")
    assert inbox.page(ada, View.OPEN).rows[0].priority == "urgent"
    with pytest.raises(ValueError):
        workflow.set_priority(ada, a, "whenever")
    assert "priority" in actions(store)


def test_note_mentions_show_in_the_mentioned_agents_view(store: Store) -> None:
    a, _ = inbound(store)
    agents.add(store, "sam", "Sam")
    ada, sam = desk(store, "ada"), desk(store, "sam")
    assert workflow.mentioned_logins("@Sam please check, cc @nobody and mail x@sam.test") == ["sam", "nobody"]
    compose.queue(ada, a, "@sam can you check the carrier? @ghost", compose.Kind.NOTE)
    assert [r.id for r in inbox.page(sam, View.MENTIONS).rows] == [a]
    assert inbox.page(ada, View.MENTIONS).rows == []
    mention = workflow.my_mentions(sam)[0]
    assert mention.author == "Ada" and "carrier" in mention.text and not mention.seen
    workflow.mark_mentions_seen(sam, a)
    assert inbox.page(sam, View.MENTIONS).rows == []


def test_review_queue_round_trip(store: Store) -> None:
    conv_id, _ = inbound(store)
    agents.add(store, "kim", "Kim", agents.Role.TRAINEE)
    agents.add(store, "lee", "Lee", agents.Role.LEAD)
    kim, lee = desk(store, "kim", "Kim"), desk(store, "lee", "Lee")
    compose.queue(kim, conv_id, "Sorry, we will look into it.")
    # Held: not in the outbox, the SLA clock still runs, and it shows in the lead's view.
    assert deliver(store, {"email": DemoSender()}) == 0
    assert inbox.page(lee, View.NEEDS_APPROVAL).rows[0].sla_due_at is not None
    [item] = review.queue_for_review(lee)
    assert item.author == "kim" and item.status == OutboxStatus.NEEDS_APPROVAL
    with pytest.raises(review.NotAllowed):
        review.approve(kim, item.outbox_id)
    review.return_reply(lee, item.outbox_id, "Apologise first, and give the tracking link.")
    assert review.queue_for_review(lee) == []
    [returned] = review.returned_to_me(kim)
    assert returned.comments[0].text.startswith("Apologise first") and returned.comments[0].author == "lee"
    with pytest.raises(review.NotAllowed):
        review.resubmit(lee, item.outbox_id, "x")
    review.resubmit(kim, item.outbox_id, "We are so sorry. Tracking: https://t.example/1")
    review.approve(lee, item.outbox_id, edited_text="We are so sorry! Tracking: https://t.example/1")
    with pytest.raises(review.NotInReview):
        review.approve(lee, item.outbox_id)
    assert deliver(store, {"email": DemoSender()}) == 1
    detail = conversations.open_detail(lee, conv_id)
    sent = [m for m in detail.messages if m.direction == "out"][0]
    assert sent.text == "We are so sorry! Tracking: https://t.example/1" and sent.delivery == "sent"
    assert detail.row.sla_due_at is None  # answered once approved
    assert inbox.page(lee, View.NEEDS_APPROVAL).rows == []
    log = actions(store)
    assert [a for a in log if a.startswith("review:")] == [
        "review:return", "review:resubmit", "review:edit", "review:approve"]


def test_agent_reply_is_not_held_and_sets_status_in_the_same_step(store: Store) -> None:
    conv_id, _ = inbound(store)
    ada = desk(store)
    compose.queue(ada, conv_id, "On its way!", then_status=Status.CLOSED)
    with store.session() as session:
        [item] = session.exec(select(OutboxItem)).all()
    assert item.status == OutboxStatus.QUEUED
    assert inbox.page(ada, View.CLOSED).rows[0].id == conv_id
