"""The demo store: a small shop's support history, written without any mail account.

The first conversations are hand-written scenarios (an angry customer, an order that
never arrived, a damaged package, a refund, a how-to, a happy customer, customers on
both email and chat, a few close to breaching their SLA, a few closed); `size` scales
the store up with variations of them, written in bulk so that 100,000 conversations
take well under two minutes. The full-text index is filled once after the bulk
insert (FTS5 'rebuild') instead of row by row through its trigger: 1,000,000
messages load in ~25 s instead of ~110 s.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy import text as sql_text
from sqlalchemy.engine import Engine

from agentdesk.clock import utcnow
from agentdesk.services.sla import DEFAULT_TARGETS
from agentdesk.store import Store
from agentdesk.store.fts import FTS_INDEX_RANGE, FTS_SQLITE_TRIGGERS
from agentdesk.store.models import (
    NO_DUE,
    Agent,
    ContactPoint,
    Conversation,
    Customer,
    Message,
    Meta,
    OutboxItem,
    Status,
)

DEFAULT_SIZE = 64

FIRST = [
    "Ada", "Bilal", "Chen", "Dolores", "Emre", "Fatima", "Gareth", "Hana", "Ivan", "Jasmine",
    "Kofi", "Lena", "Mateo", "Nadia", "Oskar", "Priya", "Quentin", "Rosa", "Selin", "Tomás",
    "Uma", "Viktor", "Wen", "Xenia", "Yusuf", "Zoë", "Aylin", "Bruno", "Cem", "Deniz",
]
LAST = [
    "Lovelace", "Aydın", "Wei", "Park", "Yılmaz", "Khan", "Jones", "Sato", "Petrov", "Reyes",
    "Mensah", "Fischer", "García", "Haddad", "Nilsson", "Patel", "Dubois", "Rossi", "Kaya", "Silva",
]
NETWORKS = ["whatsapp", "telegram", "signal", "messenger", "instagram"]


@dataclass(frozen=True)
class Scenario:
    """One kind of support conversation: what the customer writes, and what we said."""

    channel: str
    subject: str
    inbound: list[str]
    reply: str | None = None
    note: str | None = None
    status: str = Status.OPEN


SCENARIOS: list[Scenario] = [
    Scenario("email", "Where is my order #{order}?", [
        "Hi,\n\nI ordered a teapot two weeks ago (order #{order}) and it still hasn't arrived. "
        "The tracking page hasn't changed in 6 days. Can you check?\n\nThanks,\n{first}",
    ]),
    Scenario("email", "This is unacceptable - third time asking!!", [
        "I have written THREE times about order #{order}. The mug arrived broken, nobody answers, "
        "and I want a refund NOW or I will file a chargeback with my bank.\n\n{first}",
    ], note="Customer is upset, third contact. Offer refund + apology. @lead please check."),
    Scenario("email", "Package arrived damaged", [
        "Hello, the box for order #{order} was crushed and two of the plates are cracked. "
        "I attached photos. What should I do?\n\nBest,\n{first}",
    ]),
    Scenario("email", "Refund status for order #{order}", [
        "Hi there, I returned the kettle ten days ago. When will I see the refund?\n{first}",
    ], reply="Hi {first},\n\nThanks for checking in. Your refund was issued today; banks take 3-5 "
       "working days to show it.\n\nBest,\nThe Tea Shop team"),
    Scenario("chat", "", [
        "hi! how do I descale the kettle? the manual isn't clear",
    ]),
    Scenario("email", "Thank you!", [
        "Just wanted to say the new cups are gorgeous and arrived so fast. You made my week!\n{first}",
    ], reply="Thank you so much, {first}! That made our day too.", status=Status.CLOSED),
    Scenario("chat", "", [
        "hey, can I still cancel order #{order}? I ordered the wrong colour",
    ]),
    Scenario("email", "Wrong item in my parcel", [
        "I ordered the green teapot but got a blue one (order #{order}). Can you swap it?\n{first}",
    ], reply="Hi {first}, sorry about the mix-up! A green one is on its way today, and a return "
       "label is attached for the blue one.", status=Status.PENDING),
    Scenario("email", "Product disappointing", [
        "The infuser is much smaller than it looked in the photos. Not what I hoped for.\n{first}",
    ]),
    Scenario("chat", "", [
        "my tracking says delivered but there's nothing here?? order {order}",
        "hello? anyone there?",
    ]),
    Scenario("email", "How do I use the cold-brew bottle?", [
        "Hi, how long should I leave the leaves in the cold-brew bottle? And hot water or cold?\n{first}",
    ]),
    Scenario("email", "Question about your return policy", [
        "Can I return an opened pack of tea if I don't like the taste?\n{first}",
    ], reply="Hi {first}, yes: within 30 days, opened or not. Here is how...", status=Status.CLOSED),
]

#: Where the chat scenarios sit in SCENARIOS (chat customers take them in turn).
CHAT_SLOTS = [i for i, scenario in enumerate(SCENARIOS) if scenario.channel == "chat"]

#: Hand-picked statuses for the first conversations so the demo shows every view.
URGENT_EVERY = 7


def _people(rng: random.Random, count: int) -> Iterator[tuple[str, str]]:
    for n in range(count):
        first = FIRST[n % len(FIRST)]
        last = LAST[(n * 7 + n // len(FIRST)) % len(LAST)]
        yield first, last


def _fill(text: str, first: str, order: int) -> str:
    return text.replace("{first}", first).replace("{order}", str(order))


#: The insert trigger that keeps message_fts in step (migration 0012), by name.
_FTS_INSERT_TRIGGER = "message_fts_ai"


@contextmanager
def _fts_filled_after(engine: Engine) -> Iterator[None]:
    """Bulk inserts without the per-row FTS trigger, then the index filled once (SQLite only).

    The trigger is put back even when the load fails, and the rebuild always runs, so
    the index never misses a message. PostgreSQL's GIN index needs nothing.
    """
    if engine.dialect.name != "sqlite":
        yield
        return
    create = next(s for s in FTS_SQLITE_TRIGGERS if _FTS_INSERT_TRIGGER in s)
    with engine.begin() as db:
        db.execute(sql_text(f"DROP TRIGGER IF EXISTS {_FTS_INSERT_TRIGGER}"))
    try:
        yield
    finally:
        with engine.begin() as db:
            db.execute(sql_text(create))
            # Not FTS5's 'rebuild': it reads the author column alone, where the triggers
            # index the sender's name and address (so `from:` finds an address).
            db.execute(sql_text("INSERT INTO message_fts(message_fts) VALUES ('delete-all')"))
            db.execute(sql_text("DELETE FROM fts_backlog"))  # every message is indexed here
            db.execute(sql_text(FTS_INDEX_RANGE), {"first": 0, "last": 2**62})


def write_demo(
    store: Store,
    size: int = DEFAULT_SIZE,
    *,
    messages: int | None = None,
    seed: int = 7,
    agent_login: str = "demo",
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Fill `store` with `size` conversations (and about `messages` messages).

    Customers number about 40% of `size` (at least 25); some write on both email and
    chat. `messages` pads threads with extra back-and-forth to reach a target count.
    """
    rng = random.Random(seed)
    now = utcnow()
    n_customers = max(25, int(size * 0.4))
    extra_per = max(0.0, ((messages or 0) - size * 1.6) / max(size, 1))
    agents = [("demo", "Demo Agent", "lead"), ("sam", "Sam", "agent"), ("kim", "Kim", "trainee")]
    if agent_login not in {a[0] for a in agents}:
        agents.insert(0, (agent_login, agent_login, "lead"))
    engine = store.engine
    with engine.begin() as db:
        db.execute(insert(Meta), [{"key": "demo", "value": "1"}])
        db.execute(insert(Agent), [{"login": a, "display_name": n, "role": r} for a, n, r in agents])
        agent_ids = list(range(1, len(agents) + 1))
        customers = []
        points = []
        for cid, (first, last) in enumerate(_people(rng, n_customers), start=1):
            customers.append({"id": cid, "name": f"{first} {last}", "vip": cid % 17 == 0,
                              "created_at": now - timedelta(days=400)})
            handle = f"{first}.{last}.{cid}".lower().replace(" ", "")
            points.append({"customer_id": cid, "channel": "email",
                           "address": f"{handle}@example.com", "network": None})
            if cid % 3 == 0:  # every third customer also writes on chat
                points.append({"customer_id": cid, "channel": "chat",
                               "address": f"@{handle}", "network": NETWORKS[cid % len(NETWORKS)]})
        db.execute(insert(Customer), customers)
        db.execute(insert(ContactPoint), points)
    chat_capable = [p["customer_id"] for p in points if p["channel"] == "chat"]
    with _fts_filled_after(engine):
        _write_conversations(engine, rng, now, size, extra_per, customers, points, chat_capable,
                             agent_ids, n_customers, progress)
    _advance_sequences(engine)
    store.after_bulk_load()


def _advance_sequences(engine: Engine) -> None:
    """PostgreSQL: move each id sequence past the ids written explicitly above.

    SQLite picks max(id) + 1 by itself; PostgreSQL's serial sequences do not see ids
    given in an INSERT, so the next normal insert would reuse id 1.
    """
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as db:
        for table in ("agent", "customer", "contactpoint", "conversation", "message", "outboxitem"):
            db.execute(sql_text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"
            ))


def _write_conversations(
    engine: Engine,
    rng: random.Random,
    now: datetime,
    size: int,
    extra_per: float,
    customers: list[dict[str, Any]],
    points: list[dict[str, Any]],
    chat_capable: list[int],
    agent_ids: list[int],
    n_customers: int,
    progress: Callable[[int, int], None] | None,
) -> None:
    """The conversations and their messages, in batches of 2,000 conversations."""
    batch = 2000
    message_id = 0
    for start in range(0, size, batch):
        convs: list[dict[str, Any]] = []
        msgs: list[dict[str, Any]] = []
        outbox: list[dict[str, Any]] = []
        for index in range(start, min(start + batch, size)):
            conv_id = index + 1
            scenario = SCENARIOS[index % len(SCENARIOS)]
            if scenario.channel == "chat":  # the chat customers in turn, so no one asks twice
                chat_turn = (index // len(SCENARIOS)) * len(CHAT_SLOTS) + CHAT_SLOTS.index(index % len(SCENARIOS))
                customer_id = chat_capable[chat_turn % len(chat_capable)]
            else:
                customer_id = (index % n_customers) + 1
            first = customers[customer_id - 1]["name"].split()[0]
            order = 10000 + (index * 37) % 90000
            # Recent conversations first in id order; ages spread over a year for big stores.
            if index >= 200:  # the long tail of a big store: up to a year old
                age = timedelta(minutes=rng.randint(60, 60 * 24 * 365))
            elif scenario.channel == "chat":  # chats are answered within the hour, or go stale
                age = timedelta(minutes=rng.randint(2, 90))
            else:
                age = timedelta(minutes=rng.randint(3, 60 * 30))
            started = now - age
            status = scenario.status
            if index >= len(SCENARIOS) and rng.random() < 0.35:
                status = Status.CLOSED
            target = DEFAULT_TARGETS[scenario.channel]
            sla_due = started + target if status == Status.OPEN and scenario.reply is None else None
            if index % URGENT_EVERY == 3 and status == Status.OPEN:
                started = now - target + timedelta(minutes=rng.randint(1, 50)) if scenario.channel == "email" \
                    else now - timedelta(minutes=rng.randint(2, 4))
                sla_due = started + target  # close to breaching
            at = started
            thread: list[tuple[str, str, datetime]] = []
            for text in scenario.inbound:
                thread.append(("in", _fill(text, first, order), at))
                at += timedelta(minutes=rng.randint(1, 30))
            if scenario.note:
                thread.append(("note", scenario.note, at))
                at += timedelta(minutes=5)
            padding = int(extra_per) + (1 if rng.random() < extra_per % 1 else 0)
            for k in range(padding):
                direction = "out" if k % 2 == 0 else "in"
                thread.append((direction, f"Follow-up {k + 1} about order #{order}.", at))
                at += timedelta(minutes=rng.randint(5, 120))
            if scenario.reply:
                thread.append(("out", _fill(scenario.reply, first, order), at))
            last_at = max(t[2] for t in thread)
            first_out = next((t[2] for t in thread if t[0] == "out"), None)
            assignee = None
            if index % 4 == 1:
                assignee = agent_ids[0]
            elif index % 4 == 2:
                assignee = agent_ids[1 + index % (len(agent_ids) - 1)]
            customer_name = customers[customer_id - 1]["name"]
            address = next(p["address"] for p in points
                           if p["customer_id"] == customer_id and p["channel"] == scenario.channel) \
                if index < 500 else (f"@{first.lower()}" if scenario.channel == "chat"
                                     else f"{first.lower()}@example.com")
            subject = _fill(scenario.subject, first, order)
            first_in = next(t[1] for t in thread if t[0] == "in")
            convs.append({
                "id": conv_id, "channel": scenario.channel,
                "network": NETWORKS[customer_id % len(NETWORKS)] if scenario.channel == "chat" else None,
                "account": "demo", "external_key": None, "status": status, "subject": subject,
                "preview": first_in.split("\n")[0][:200], "customer_id": customer_id,
                "assignee_id": assignee, "priority": "high" if index % 11 == 1 else "normal",
                "created_at": started, "updated_at": last_at, "last_message_at": last_at,
                "first_response_at": first_out, "closed_at": last_at if status == Status.CLOSED else None,
                "sla_due_at": sla_due, "sort_due": sla_due or NO_DUE, "snoozed_until": None,
                "first_due_at": started + target,
                "message_count": len(thread),
            })
            for direction, text, sent_at in thread:
                message_id += 1
                is_in = direction == "in"
                msgs.append({
                    "id": message_id, "conversation_id": conv_id, "direction": direction,
                    "author": customer_name if is_in else "Demo Agent",
                    "author_address": address if is_in else "demo", "sent_at": sent_at,
                    "subject": subject if scenario.channel == "email" else "", "text": text,
                    "html": None, "message_id_header": None, "in_reply_to": None,
                    "references": None, "raw": None, "parse_error": None, "source": "demo",
                })
                if direction == "out":
                    outbox.append({"conversation_id": conv_id, "message_id": message_id,
                                   "channel": scenario.channel, "status": "sent", "attempts": 1,
                                   "last_error": None, "created_by": "demo", "created_at": sent_at,
                                   "sent_at": sent_at})
        with engine.begin() as db:
            db.execute(insert(Conversation), convs)
            db.execute(insert(Message), msgs)
            if outbox:
                db.execute(insert(OutboxItem), outbox)
        if progress:
            progress(min(start + batch, size), size)
