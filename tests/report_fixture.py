"""A small support history for report tests, every value of it known by hand.

The store is built through the same service calls the console uses (intake, compose,
set_status, assign), each at a pinned moment, and runs on SQLite and PostgreSQL. The
period is the 7 days up to NOW: [11-13 12:00, 11-20 12:00).

    id  channel  assignee  created      what happens                                  in?
    C1  email    ada       11-14 09:00  note +10m, reply +30m, close +2h, "5 - great"  yes
    C2  email    ada       11-15 10:00  reply +2h, close +3h; customer writes 11-16    yes
                                        13:00 (reopen), reply 14:00, close 15:00
    C3  chat     sam       11-16 08:00  reply +10m (late: chat target 5m), close      yes
                                        +20m, rating "4/5" at +30m
    C4  chat     -         11-17 10:00  sam replies +2m and +5m, close +10m,          yes
                                        rating "2, box was crushed"
    C5  email    -         11-18 09:00  unanswered, open (51 h: past its 24 h target)   yes
    C6  email    ada       11-19 18:00  unanswered, open (18 h: still within target)    yes
    C7  email    -         11-14 08:00  automatic mail, unanswered                      no
    C8  email    -         11-15 08:00  tagged spam, unanswered                         no
    C9  email    ada       11-10 09:00  reply +1h, close +2h (the previous period)      prev
    C10 email    -         10-01 09:00  unanswered, open (backlog > 4 weeks)            no

C1 and C2 carry the tag "late by carrier".
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from agentdesk import clock
from agentdesk.services import compose, conversations
from agentdesk.services.intake import add_inbound, find_or_create_customer, new_conversation
from agentdesk.store import Store
from agentdesk.store.models import Conversation, ConversationTag, Message, Status, Tag
from tests.seed import desk

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
H = 3600.0
M = 60.0


def at(text: str) -> datetime:
    """'11-14 09:00' in 2026, UTC."""
    return datetime.strptime(f"2026-{text}", "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


class Shop:
    """Writes the fixture through the real service calls, each at its own moment."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.ada = desk(store, "ada", "Ada")
        self.sam = desk(store, "sam", "Sam")

    def customer_writes(self, when: datetime, text: str, channel: str = "email",
                        conversation_id: int | None = None, address: str = "") -> int:
        clock.freeze(when)
        with self.store.session() as session:
            point = address or f"c{when:%m%d%H%M}@example.test"
            customer = find_or_create_customer(session, channel, point, "Customer")
            if conversation_id is None:
                conv = new_conversation(session, customer, channel, "Order question", when)
            else:
                found = session.get(Conversation, conversation_id)
                assert found is not None
                conv = found
            add_inbound(session, conv, Message(conversation_id=0, direction="in",
                                               author="Customer", author_address=point,
                                               sent_at=when, text=text))
            assert conv.id is not None
            return conv.id

    def reply(self, who: str, conversation_id: int, when: datetime, note: bool = False) -> None:
        clock.freeze(when)
        kind = compose.Kind.NOTE if note else compose.Kind.REPLY
        compose.queue(getattr(self, who), conversation_id, "Thanks, on it.", kind)

    def close(self, conversation_id: int, when: datetime) -> None:
        clock.freeze(when)
        conversations.set_status(self.ada, conversation_id, Status.CLOSED)

    def assign(self, who: str, conversation_id: int) -> None:
        conversations.assign_to_me(getattr(self, who), conversation_id)

    def tag(self, conversation_id: int, name: str) -> None:
        with self.store.session() as session:
            tag = session.exec(select(Tag).where(Tag.name == name)).first()
            if tag is None:
                tag = Tag(name=name)
                session.add(tag)
                session.flush()
            assert tag.id is not None
            session.add(ConversationTag(conversation_id=conversation_id, tag_id=tag.id))

    def mark_automatic(self, conversation_id: int) -> None:
        with self.store.session() as session:
            conv = session.get(Conversation, conversation_id)
            assert conv is not None
            conv.automatic = True


def build_shop(store: Store) -> dict[str, int]:
    """Write the store of the module docstring; returns the conversation ids by name.

    Leaves the clock pinned at NOW: the caller lets it run again.
    """
    s = Shop(store)
    ids: dict[str, int] = {}
    ids["C1"] = c1 = s.customer_writes(at("11-14 09:00"), "Where is my parcel?")
    s.assign("ada", c1)
    s.reply("ada", c1, at("11-14 09:10"), note=True)  # a note never stops the clock
    s.reply("ada", c1, at("11-14 09:30"))
    s.close(c1, at("11-14 11:00"))
    s.customer_writes(at("11-14 12:00"), "5 - great\n\nOn Fri, Ada wrote:\n> Thanks, on it.",
                      conversation_id=c1)

    ids["C2"] = c2 = s.customer_writes(at("11-15 10:00"), "Still waiting for order 2")
    s.assign("ada", c2)
    s.reply("ada", c2, at("11-15 12:00"))
    s.close(c2, at("11-15 13:00"))
    s.customer_writes(at("11-16 13:00"), "It is still not here.", conversation_id=c2)
    s.reply("ada", c2, at("11-16 14:00"))
    s.close(c2, at("11-16 15:00"))

    ids["C3"] = c3 = s.customer_writes(at("11-16 08:00"), "hi, is the shop open?", "chat")
    s.assign("sam", c3)
    s.reply("sam", c3, at("11-16 08:10"))
    s.close(c3, at("11-16 08:20"))
    s.customer_writes(at("11-16 08:30"), "4/5", "chat", c3, address="c11160800@example.test")

    ids["C4"] = c4 = s.customer_writes(at("11-17 10:00"), "can I change my address", "chat")
    s.reply("sam", c4, at("11-17 10:02"))
    s.reply("sam", c4, at("11-17 10:05"))
    s.close(c4, at("11-17 10:10"))
    s.customer_writes(at("11-17 10:20"), "2, box was crushed", "chat", c4,
                      address="c11171000@example.test")

    ids["C5"] = s.customer_writes(at("11-18 09:00"), "Hello? Anyone?")
    ids["C6"] = c6 = s.customer_writes(at("11-19 18:00"), "A question about tea")
    s.assign("ada", c6)
    ids["C7"] = c7 = s.customer_writes(at("11-14 08:00"), "Out of office until Monday")
    s.mark_automatic(c7)
    ids["C8"] = c8 = s.customer_writes(at("11-15 08:00"), "Cheap watches!!!")
    s.tag(c8, "spam")
    for name in ("C1", "C2"):
        s.tag(ids[name], "late by carrier")

    ids["C9"] = c9 = s.customer_writes(at("11-10 09:00"), "Refund please")
    s.assign("ada", c9)
    s.reply("ada", c9, at("11-10 10:00"))
    s.close(c9, at("11-10 11:00"))
    ids["C10"] = s.customer_writes(at("10-01 09:00"), "An old question")

    clock.freeze(NOW)
    return ids
