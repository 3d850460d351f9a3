"""Which conversation an inbound mail belongs to, and why.

In order: a Message-ID in In-Reply-To or References that we know (a customer's
earlier mail or one of our own sent replies), then a `[#123]` token in the
subject, else a new conversation. The reason is written to the audit log so the
thread view can say why a message joined a conversation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlmodel import Session, col, select

from agentdesk.channels.mime import ParsedMail
from agentdesk.store.models import Conversation, Event, Message

_TOKEN = re.compile(r"\[#(\d{1,12})\]")


@dataclass(frozen=True)
class ThreadMatch:
    """The conversation found for a mail (None: start a new one) and the reason."""

    conversation: Conversation | None
    reason: str


def join_reasons(session: Session, conversation_id: int) -> dict[int, str]:
    """Why each inbound mail of a conversation joined it (message id -> reason), for the
    thread view; read back from the `email-in` events that `store_mail` writes."""
    reasons: dict[int, str] = {}
    events = session.exec(
        select(Event.detail).where(
            Event.conversation_id == conversation_id, Event.action == "email-in"
        )
    ).all()
    for detail in events:
        head, _, reason = detail.partition(": ")
        parts = head.split(" ", 2)
        if len(parts) >= 2 and parts[0] == "message" and parts[1].isdigit():
            reasons[int(parts[1])] = reason
    return reasons


def match_thread(session: Session, account: str, mail: ParsedMail) -> ThreadMatch:
    """Find the conversation `mail` continues within `account`'s email conversations."""
    ids: list[str] = []
    if mail.in_reply_to:
        ids.append(mail.in_reply_to)
    ids.extend(reversed(mail.references))  # the nearest ancestor first
    ids = [i for i in dict.fromkeys(ids) if i != mail.message_id][:50]
    if ids:
        rows = session.exec(
            select(Message.message_id_header, Conversation)
            .join(Conversation, col(Conversation.id) == col(Message.conversation_id))
            .where(
                col(Message.message_id_header).in_(ids),
                Conversation.channel == "email",
                (col(Conversation.account) == account) | col(Conversation.account).is_(None),
            )
        ).all()
        by_id = {mid: conv for mid, conv in rows}
        for mid in ids:
            if mid in by_id:
                header = "In-Reply-To" if mid == mail.in_reply_to else "References"
                return ThreadMatch(by_id[mid], f"{header} {mid}")
    for token in _TOKEN.findall(mail.subject):
        conv = session.get(Conversation, int(token))
        if conv is not None and conv.channel == "email" and conv.account in (account, None):
            return ThreadMatch(conv, f"subject token [#{token}]")
    return ThreadMatch(None, "new conversation")
