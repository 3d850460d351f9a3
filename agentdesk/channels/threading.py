"""Which conversation an inbound mail belongs to, and why.

In order: a Message-ID in In-Reply-To or References that we know (a customer's
earlier mail or one of our own sent replies), then a `[#123]` token in the
subject, else a new conversation. The reason is written to the audit log so the
thread view can say why a message joined a conversation.

`ThreadFinder` answers for a whole fetched batch with one query for every
Message-ID the batch refers to and one for its subject tokens; mails of the
same batch find each other through `remember`, as if each had been stored alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from agentdesk.channels.mime import ParsedMail
from agentdesk.services.intake import NewRow, chunks
from agentdesk.store.models import Conversation, Event, Message

_TOKEN = re.compile(r"\[#(\d{1,12})\]")
#: At most this many ancestors of a mail are looked up (a References header can be huge).
MAX_REFERENCES = 50


@dataclass(frozen=True)
class ThreadMatch:
    """The conversation found for a mail (None: start a new one) and the reason."""

    conversation: Conversation | NewRow | None
    """A stored conversation, one begun earlier in the batch (a NewRow), or None."""
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


def ancestors(mail: ParsedMail) -> list[str]:
    """The Message-IDs `mail` answers, nearest first (In-Reply-To, then References backwards)."""
    ids: list[str] = []
    if mail.in_reply_to:
        ids.append(mail.in_reply_to)
    ids.extend(reversed(mail.references))
    return [i for i in dict.fromkeys(ids) if i != mail.message_id][:MAX_REFERENCES]


def _tokens(mail: ParsedMail) -> list[int]:
    return [int(token) for token in _TOKEN.findall(mail.subject)]


class ThreadFinder:
    """Finds the conversations of a batch of mails within one account's email.

    Everything the batch could refer to is read up front: the conversations of the
    known Message-IDs among all the mails' ancestors, and those named by subject
    tokens. The loaded conversations are live ORM objects in `session`, so what the
    caller changes on them is what a later mail of the batch sees.
    """

    def __init__(self, session: Session, account: str, mails: Sequence[ParsedMail]) -> None:
        self.account = account
        self._by_message_id: dict[str, Conversation | NewRow] = {}
        self._by_id: dict[int, Conversation] = {}
        wanted = [mid for mail in mails for mid in ancestors(mail)]
        pairs: list[tuple[str, int]] = []
        for chunk in chunks(wanted):
            pairs.extend(
                session.exec(
                    select(Message.message_id_header, Conversation.id)
                    .join(Conversation, col(Conversation.id) == col(Message.conversation_id))
                    .where(
                        col(Message.message_id_header).in_(chunk),
                        Conversation.channel == "email",
                        (col(Conversation.account) == account)
                        | col(Conversation.account).is_(None),
                    )
                ).all()  # type: ignore[arg-type]
            )
        ids = [conv_id for _, conv_id in pairs] + [t for mail in mails for t in _tokens(mail)]
        for chunk in chunks(ids):
            for conv in session.exec(
                select(Conversation).where(col(Conversation.id).in_(chunk))
            ).all():
                assert conv.id is not None
                self._by_id[conv.id] = conv
        for mid, conv_id in pairs:
            if mid is not None:
                self._by_message_id[mid] = self._by_id[conv_id]

    @property
    def conversations(self) -> list[Conversation]:
        """Every conversation loaded up front (the batch may continue any of them)."""
        return list(self._by_id.values())

    def match(self, mail: ParsedMail) -> ThreadMatch:
        """Find the conversation `mail` continues; see the module doc for the rules."""
        ids = ancestors(mail)
        for mid in ids:
            conv = self._by_message_id.get(mid)
            if conv is not None:
                header = "In-Reply-To" if mid == mail.in_reply_to else "References"
                return ThreadMatch(conv, f"{header} {mid}")
        for token in _tokens(mail):
            conv = self._by_id.get(token)
            if conv is not None and conv.channel == "email" and conv.account in (self.account, None):
                return ThreadMatch(conv, f"subject token [#{token}]")
        return ThreadMatch(None, "new conversation")

    def remember(self, message_id: str | None, conv: Conversation | NewRow) -> None:
        """A mail of this batch was stored in `conv`: later mails may answer it."""
        if message_id:
            self._by_message_id[message_id] = conv


def match_thread(session: Session, account: str, mail: ParsedMail) -> ThreadMatch:
    """Find the conversation `mail` continues within `account`'s email conversations."""
    return ThreadFinder(session, account, [mail]).match(mail)
