"""Urgency: a 0-100 score per conversation, with the reasons behind it.

The score says what to open next beyond the SLA clock: costly words (refund, broken,
chargeback, injured, cancel), an upset tone (negative words, SHOUTING, "!!!"), a
customer writing again and again, an SLA nearly due, a VIP, a raised priority. Each
reason carries its points so the agent can see why (`u` in the console). The stored
score (`Conversation.urgency`) is what search's `sort:urgency` orders by; `refresh`
keeps it current and runs from the same periodic tick as snooze wake-ups.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from agentdesk.clock import utcnow
from agentdesk.services.conversations import _get
from agentdesk.services.desk import Desk
from agentdesk.services.sla import SlaState, policy
from agentdesk.services.urgency_words import KEYWORDS, NEGATIVE
from agentdesk.store.models import Conversation, Customer, Direction, Message, Status

KEYWORD_POINTS = 15
NEGATIVE_POINTS = 10
MAX_WORD_REASONS = 3
SHOUTING_POINTS = 5
REPEAT_POINTS = 15
REPEAT_WINDOW = timedelta(days=7)
REPEAT_AT = 3
SLA_POINTS = {SlaState.AMBER: 15, SlaState.RED: 25}
VIP_POINTS = 20
PRIORITY_POINTS = {"high": 10, "urgent": 25}
#: How many of the latest customer messages are read.
MESSAGES_READ = 5


def normalise(text: str) -> str:
    """Lower case without accents; Turkish I/ı/İ all become i, so lists match any spelling."""
    text = text.replace("İ", "i").replace("I", "i").lower()
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return text.replace("ı", "i")


@dataclass(frozen=True)
class WordLists:
    """Keywords and negative words, each normalised, per language."""

    keywords: dict[str, list[str]] = field(default_factory=lambda: dict(KEYWORDS))
    negative: dict[str, list[str]] = field(default_factory=lambda: dict(NEGATIVE))

    @classmethod
    def from_config(cls, raw: dict[str, Any]) -> WordLists:
        """The shipped lists plus `[urgency.words.<lang>]` tables from the config."""
        keywords = {k: list(v) for k, v in KEYWORDS.items()}
        negative = {k: list(v) for k, v in NEGATIVE.items()}
        table = raw.get("urgency", {}).get("words", {}) if isinstance(raw.get("urgency"), dict) else {}
        for lang, lists in table.items() if isinstance(table, dict) else []:
            if isinstance(lists, dict):
                keywords.setdefault(lang, []).extend(str(w) for w in lists.get("keywords", []))
                negative.setdefault(lang, []).extend(str(w) for w in lists.get("negative", []))
        return cls(keywords, negative)

    @cached_property
    def _compiled(self) -> tuple[list[tuple[str, re.Pattern[str]]], list[tuple[str, re.Pattern[str]]]]:
        return self._patterns(self.keywords), self._patterns(self.negative)

    @staticmethod
    def _patterns(lists: dict[str, list[str]]) -> list[tuple[str, re.Pattern[str]]]:
        seen: dict[str, tuple[str, re.Pattern[str]]] = {}
        for words in lists.values():
            for word in words:
                key = normalise(word).strip()
                if key and key not in seen:
                    pattern = re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, key.split())))
                    seen[key] = (word, pattern)
        return list(seen.values())

    def find(self, text: str) -> tuple[list[str], list[str]]:
        """(keywords, negative words) that occur in `text`, in list order."""
        plain = normalise(text)
        keywords, negative = self._compiled
        return [w for w, p in keywords if p.search(plain)], [w for w, p in negative if p.search(plain)]


_words = WordLists()


def configure(words: WordLists) -> None:
    """Use these lists in this process (from the config at start-up)."""
    global _words
    _words = words


@dataclass(frozen=True)
class Reason:
    label: str
    points: int


@dataclass(frozen=True)
class UrgencyReport:
    """The score and why; `reasons` sorted by points, highest first."""

    score: int
    reasons: list[Reason]


def _shouting(text: str) -> bool:
    words = re.findall(r"\b[A-ZÇĞİÖŞÜ]{3,}\b", text)
    return len(words) >= 2 or "!!" in text


def _report(session: Session, conv: Conversation, words: WordLists, now: datetime) -> UrgencyReport:
    reasons: list[Reason] = []
    texts = session.exec(
        select(Message.subject, Message.text)
        .where(Message.conversation_id == conv.id, Message.direction == Direction.IN)
        .order_by(col(Message.sent_at).desc())
        .limit(MESSAGES_READ)
    ).all()
    joined = "\n".join(f"{subject}\n{body}" for subject, body in texts)
    keywords, negative = words.find(joined)
    for word in keywords[:MAX_WORD_REASONS]:
        reasons.append(Reason(f'mentions "{word}"', KEYWORD_POINTS))
    for word in negative[:MAX_WORD_REASONS]:
        reasons.append(Reason(f'negative tone: "{word}"', NEGATIVE_POINTS))
    if any(_shouting(body) for _, body in texts):
        reasons.append(Reason("shouting (CAPITALS or !!)", SHOUTING_POINTS))
    recent = session.exec(
        select(func.count())
        .select_from(Message)
        .join(Conversation, col(Conversation.id) == Message.conversation_id)
        .where(
            Conversation.customer_id == conv.customer_id,
            Message.direction == Direction.IN,
            col(Message.sent_at) >= now - REPEAT_WINDOW,
        )
    ).one()
    if recent >= REPEAT_AT:
        reasons.append(Reason(f"{recent} customer messages in {REPEAT_WINDOW.days} days", REPEAT_POINTS))
    if conv.status == Status.OPEN:
        state = policy().state(conv.channel, conv.sla_due_at, now)
        if state in SLA_POINTS:
            label = "SLA breached" if state is SlaState.RED else "SLA nearly due"
            reasons.append(Reason(label, SLA_POINTS[state]))
    customer = session.get(Customer, conv.customer_id)
    if customer is not None and customer.vip:
        reasons.append(Reason("VIP customer", VIP_POINTS))
    if conv.priority in PRIORITY_POINTS:
        reasons.append(Reason(f"priority {conv.priority}", PRIORITY_POINTS[conv.priority]))
    reasons.sort(key=lambda r: -r.points)
    return UrgencyReport(min(100, sum(r.points for r in reasons)), reasons)


def explain(desk: Desk, conversation_id: int, words: WordLists | None = None) -> UrgencyReport:
    """Score one conversation now, with reasons; the stored score is updated too."""
    with desk.store.session() as session:
        conv = _get(session, conversation_id)
        now = utcnow()
        report = _report(session, conv, words or _words, now)
        conv.urgency, conv.urgency_at = report.score, now
        return report


def refresh(desk: Desk, words: WordLists | None = None, limit: int = 500) -> int:
    """Re-score conversations changed since they were last scored; returns how many.

    Closed conversations are skipped. Called periodically; a big backlog is worked
    off `limit` conversations per call, most recently changed first.
    """
    now = utcnow()
    with desk.store.session() as session:
        stale = session.exec(
            select(Conversation)
            .where(
                Conversation.status != Status.CLOSED,
                or_(col(Conversation.urgency_at).is_(None), col(Conversation.urgency_at) < Conversation.updated_at),
            )
            .order_by(col(Conversation.updated_at).desc())
            .limit(limit)
        ).all()
        for conv in stale:
            report = _report(session, conv, words or _words, now)
            conv.urgency, conv.urgency_at = report.score, now
        return len(stale)
