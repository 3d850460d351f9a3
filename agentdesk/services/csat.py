"""CSAT: recognising a customer's rating reply and recording it.

A closing reply can end with a rating request ("reply with a number from 1 to 5").
When the customer answers with just a rating ("5", "5 - great", "4/5", "3 stars"),
`record_rating` stores it as the conversation's rating and the inbound path does
*not* reopen the conversation: a rating is not a new question. Anything more than a
rating (a second sentence, a question, "5 items are missing") is an ordinary message.

`rating_of` only reads the customer's own words: quoted text ("> ..."), the
"On ... wrote:" header that starts a quote, and signatures are cut off first, since a
mail client adds them to a one-character answer.
"""

from __future__ import annotations

import re

from sqlmodel import Session, col, select

from agentdesk.store.models import Conversation, CsatRating, Direction, Message, Status
from agentdesk.text import clean, one_line

#: The sentence a closing reply can carry to ask for a rating (templates use it).
RATING_REQUEST = "How did we do? Reply with a number from 1 (poor) to 5 (great)."

#: Ratings counted as satisfied: CSAT is the share of these among all ratings.
SATISFIED = frozenset({4, 5})

#: A comment after the rating longer than this is a message, not a rating.
MAX_COMMENT = 80

# A rating request in an outbound reply: "a number from 1 (poor) to 5", "rate us", "how did
# we do". Not a bare "1-5", which also reads "ships in 1-5 days".
_REQUEST = re.compile(
    r"\bfrom\s+1\b.{0,20}?\bto\s+5\b|\brate\s+(?:us|our)\b|\bhow\s+did\s+we\s+do\b",
    re.IGNORECASE,
)

# The rating itself: a digit 1-5, an optional scale ("/5", "out of 5", "of 5", "stars"),
# then optionally a separator and a short comment ("5 - great", "4: fine, thanks").
_RATING = re.compile(
    r"""^\s*
    (?P<digit>[1-5])
    (?:\s*(?:/|out\s+of|of)\s*5)?
    (?:\s*(?:stars?|\*+|★+))?
    \s*
    (?:(?P<sep>[-–—:,.!)]+)\s*(?P<comment>.*?))?
    \s*$""",
    re.IGNORECASE | re.VERBOSE,
)
_STARS = re.compile(r"^\s*(★{1,5}|\*{1,5})\s*$")
_QUOTE_HEADER = re.compile(r"^\s*(on\s.+wrote:|-{2,}\s*original message\s*-{2,}|from:\s)", re.I)
_SIGNATURE = re.compile(r"^\s*(--\s*|sent from my .*|get outlook for .*)$", re.IGNORECASE)


def own_words(text: str) -> list[str]:
    """The customer's own non-empty lines: quotes, quote headers and signatures removed."""
    lines: list[str] = []
    for raw in clean(text).split("\n"):
        if _QUOTE_HEADER.match(raw) or _SIGNATURE.match(raw):
            break
        if raw.lstrip().startswith(">"):
            continue
        if raw.strip():
            lines.append(raw.strip())
    return lines


def rating_of(text: str | None) -> int | None:
    """The 1-5 rating `text` consists of, or None when it is anything more than a rating.

    Accepted: "5", "5.", "5!", "4/5", "4 / 5", "4 out of 5", "5 stars", "★★★★",
    "5 - great", "5: thanks!", "2, box was crushed". Refused: "5 items are missing",
    "10", "0", "5/10", "I'd give 5", a comment with a question mark or longer than
    MAX_COMMENT, and a rating followed by more lines.
    """
    lines = own_words(text or "")
    if len(lines) != 1:
        return None
    line = lines[0]
    stars = _STARS.match(line)
    if stars:
        return len(stars.group(1))
    match = _RATING.match(line)
    if match is None:
        return None
    comment = match.group("comment") or ""
    if "?" in comment or len(comment) > MAX_COMMENT or comment.isdigit():
        return None
    return int(match.group("digit"))


def comment_of(text: str | None) -> str:
    """The words after the rating ("great" in "5 - great"), for the low-ratings list."""
    lines = own_words(text or "")
    match = _RATING.match(lines[0]) if len(lines) == 1 else None
    return one_line(match.group("comment") or "", MAX_COMMENT) if match else ""


def asks_for_rating(text: str | None) -> bool:
    """Whether an outbound reply carries a rating request."""
    return bool(_REQUEST.search(text or ""))


def _rating_was_requested(session: Session, conv: Conversation) -> bool:
    """A rating is expected after a close, or after a reply that asked for one."""
    if conv.status == Status.CLOSED:
        return True
    last_reply = session.exec(
        select(Message.text)
        .where(Message.conversation_id == conv.id, Message.direction == Direction.OUT)
        .order_by(col(Message.sent_at).desc(), col(Message.id).desc())
        .limit(1)
    ).first()
    return asks_for_rating(last_reply)


def record_rating(session: Session, conv: Conversation, message: Message) -> int | None:
    """Store `message` as `conv`'s rating if it is a pure rating reply; return the rating.

    Call it with the inbound message before reopening: a recorded rating means the
    conversation must stay as it is (no reopen, no SLA clock). A later rating replaces
    an earlier one (one rating per conversation). Returns None, recording nothing, for
    ordinary messages or when no rating was asked for (an open conversation where "5"
    may well answer "how many cups?").
    """
    rating = rating_of(message.text)
    if rating is None or conv.id is None or not _rating_was_requested(session, conv):
        return None
    if message.id is None:
        session.add(message)
        session.flush()
    existing = session.exec(select(CsatRating).where(CsatRating.conversation_id == conv.id)).first()
    row = existing or CsatRating(conversation_id=conv.id, message_id=0, rating=0, rated_at=message.sent_at)
    row.message_id = message.id or 0
    row.rating = rating
    row.comment = comment_of(message.text)
    row.rated_at = message.sent_at
    row.agent_id = conv.assignee_id
    session.add(row)
    session.flush()
    return rating
