"""Tags: labels that say why ("late by carrier"), several per conversation.

Names are normalised (trimmed, inner spaces collapsed, lower case) so that "Late by
carrier" and "late  by carrier" are one tag. Every change is in the audit log. The
fuzzy ranking for the `t` picker lives here too, so it is tested without a screen.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from agentdesk.services.conversations import _get, record
from agentdesk.services.desk import Desk
from agentdesk.store.models import ConversationTag, Tag
from agentdesk.text import one_line

MAX_LENGTH = 60


class TagError(ValueError):
    """A tag name is empty, or a rename would collide with an existing tag."""


@dataclass(frozen=True)
class TagCount:
    """A tag and how many conversations carry it."""

    name: str
    count: int


def normalise(name: str) -> str:
    """The stored form of a tag name; raises TagError when nothing is left."""
    cleaned = one_line(name).strip().lower()[:MAX_LENGTH].strip()
    if not cleaned:
        raise TagError("a tag needs a name")
    return cleaned


def _ids(conversation_ids: int | Iterable[int]) -> list[int]:
    return [conversation_ids] if isinstance(conversation_ids, int) else list(conversation_ids)


def _tag(session: Session, name: str, create: bool) -> Tag | None:
    tag = session.exec(select(Tag).where(Tag.name == name)).first()
    if tag is None and create:
        tag = Tag(name=name)
        session.add(tag)
        session.flush()
    return tag


def add_tag(desk: Desk, conversation_ids: int | Iterable[int], name: str) -> str:
    """Put tag `name` (created if new) on the conversations; returns the stored name."""
    name = normalise(name)
    with desk.store.session() as session:
        tag = _tag(session, name, create=True)
        assert tag is not None and tag.id is not None
        for conversation_id in _ids(conversation_ids):
            _get(session, conversation_id)
            if session.get(ConversationTag, (conversation_id, tag.id)) is None:
                session.add(ConversationTag(conversation_id=conversation_id, tag_id=tag.id))
                record(session, desk.agent.login, "tag:add", conversation_id, name)
    return name


def remove_tag(desk: Desk, conversation_ids: int | Iterable[int], name: str) -> None:
    """Take tag `name` off the conversations (the tag itself stays for later use)."""
    name = normalise(name)
    with desk.store.session() as session:
        tag = _tag(session, name, create=False)
        if tag is None:
            return
        for conversation_id in _ids(conversation_ids):
            link = session.get(ConversationTag, (conversation_id, tag.id))
            if link is not None:
                session.delete(link)
                record(session, desk.agent.login, "tag:remove", conversation_id, name)


def toggle_tag(desk: Desk, conversation_id: int, name: str) -> bool:
    """Add the tag if missing, else remove it; returns whether it is now on."""
    if normalise(name) in tags_of_one(desk, conversation_id):
        remove_tag(desk, conversation_id, name)
        return False
    add_tag(desk, conversation_id, name)
    return True


def rename_tag(desk: Desk, old: str, new: str) -> None:
    """Rename a tag everywhere; refuses when `new` exists (merge them instead)."""
    old, new = normalise(old), normalise(new)
    with desk.store.session() as session:
        tag = _tag(session, old, create=False)
        if tag is None:
            raise TagError(f"no tag {old!r}")
        if old == new:
            return
        if _tag(session, new, create=False) is not None:
            raise TagError(f"tag {new!r} exists already: merge {old!r} into it instead")
        tag.name = new
        record(session, desk.agent.login, "tag:rename", None, f"{old} -> {new}")


def merge_tags(desk: Desk, sources: Sequence[str], target: str) -> int:
    """Fold `sources` into `target` (created if new); returns how many links moved."""
    target = normalise(target)
    names = [normalise(s) for s in sources if normalise(s) != target]
    moved = 0
    with desk.store.session() as session:
        into = _tag(session, target, create=True)
        assert into is not None and into.id is not None
        for name in names:
            tag = _tag(session, name, create=False)
            if tag is None:
                raise TagError(f"no tag {name!r}")
            links = session.exec(select(ConversationTag).where(ConversationTag.tag_id == tag.id)).all()
            for link in links:
                if session.get(ConversationTag, (link.conversation_id, into.id)) is None:
                    session.add(ConversationTag(conversation_id=link.conversation_id, tag_id=into.id))
                    moved += 1
            session.flush()
            session.execute(delete(ConversationTag).where(col(ConversationTag.tag_id) == tag.id))
            session.delete(tag)
            record(session, desk.agent.login, "tag:merge", None, f"{name} -> {target}")
    return moved


def list_tags(desk: Desk) -> list[TagCount]:
    """Every tag with its number of conversations, most used first."""
    with desk.store.session() as session:
        rows = session.exec(
            select(Tag.name, func.count(col(ConversationTag.conversation_id)))
            .outerjoin(ConversationTag, col(ConversationTag.tag_id) == Tag.id)
            .group_by(col(Tag.id), col(Tag.name))
            .order_by(func.count(col(ConversationTag.conversation_id)).desc(), col(Tag.name))
        ).all()
    return [TagCount(name, int(count)) for name, count in rows]


def tags_of(session: Session, conversation_ids: Iterable[int]) -> dict[int, tuple[str, ...]]:
    """The tag names of each conversation (for inbox rows), sorted by name."""
    ids = list(conversation_ids)
    found: dict[int, list[str]] = defaultdict(list)
    if ids:
        for conversation_id, name in session.exec(
            select(ConversationTag.conversation_id, Tag.name)
            .join(Tag, col(Tag.id) == ConversationTag.tag_id)
            .where(col(ConversationTag.conversation_id).in_(ids))
            .order_by(col(Tag.name))
        ):
            found[conversation_id].append(name)
    return {i: tuple(found.get(i, ())) for i in ids}


def tags_of_one(desk: Desk, conversation_id: int) -> tuple[str, ...]:
    with desk.store.session() as session:
        return tags_of(session, [conversation_id])[conversation_id]


def fuzzy_rank(names: Iterable[str], typed: str) -> list[str]:
    """`names` that contain the typed letters in order, best first.

    Substring matches beat scattered ones, earlier and tighter matches beat later ones;
    an empty `typed` keeps the given order (most used first, from list_tags).
    """
    typed = " ".join(typed.lower().split())
    if not typed:
        return list(names)
    scored: list[tuple[tuple[int, int, int], str]] = []
    for name in names:
        at = name.find(typed)
        if at >= 0:
            scored.append(((0, at, len(name)), name))
            continue
        position, first, gaps = -1, -1, 0
        for char in typed:
            found = name.find(char, position + 1)
            if found < 0:
                break
            if first < 0:
                first = found
            elif found != position + 1:
                gaps += found - position - 1
            position = found
        else:
            scored.append(((1, gaps, first), name))
    return [name for _, name in sorted(scored)]
