"""Finding a template: fuzzy search for the picker, and suggestions for a conversation.

Suggestions read the customer's words (subject and inbound messages) for the phrases
in each template's tags: a conversation that says "arrived broken" ranks the
damaged-package reply first. Once the conversation has an answer from us, closings
rise; before, whole replies do. Pure functions over read models: cheap enough to run
on every key press in the picker.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from agentdesk.services.views import ConversationDetail
from agentdesk.templates.model import Kind, Template

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def _stem(word: str) -> str:
    return word[:5]


def conversation_words(detail: ConversationDetail) -> set[str]:
    """Stems of what the customer wrote (our own replies would echo the templates)."""
    texts = [detail.row.subject] + [m.text for m in detail.messages if m.direction == "in"]
    return {_stem(w) for text in texts for w in _words(text)}


def suggestion_score(template: Template, words: set[str], answered: bool) -> float:
    """How well a template fits: matched tag phrases, weighted by length."""
    score = 0.0
    for tag in template.tags:
        stems = [_stem(w) for w in _words(tag)]
        if stems and all(s in words for s in stems):
            score += len(stems)
    if score == 0:
        return 0.0
    closing = "closing" in template.tags or template.name.startswith("closing")
    if template.kind is Kind.SNIPPET:
        score *= 0.5
    elif closing:
        score *= 1.5 if answered else 0.3
    return score


def suggest(templates: Iterable[Template], detail: ConversationDetail | None) -> list[Template]:
    """Every template, the best fits for this conversation first, then by title."""
    items = list(templates)
    if detail is None:
        return sorted(items, key=lambda t: (t.kind is Kind.SNIPPET, t.title.lower()))
    words = conversation_words(detail)
    answered = any(m.direction == "out" for m in detail.messages)
    scored = [(suggestion_score(t, words, answered), t) for t in items]
    return [t for _s, t in sorted(
        scored, key=lambda st: (-st[0], st[1].kind is Kind.SNIPPET, st[1].title.lower()))]


def subsequence_score(query: str, text: str) -> float:
    """Fuzzy match of `query` in `text`: 0 when the letters are not there in order.

    Consecutive letters and letters at word starts score more, so "nar" finds
    "not arrived" and "odl" finds "order delayed".
    """
    text = text.lower()
    if query in text:
        return 10.0 + (5.0 if text.startswith(query) else 0.0)
    score, pos, previous = 0.0, 0, -2
    for char in query:
        found = text.find(char, pos)
        if found < 0:
            return 0.0
        score += 1.0
        if found == previous + 1:
            score += 1.0
        if found == 0 or not text[found - 1].isalnum():
            score += 1.5
        previous, pos = found, found + 1
    return score / max(len(query), 1) * 3


@dataclass(frozen=True)
class Match:
    template: Template
    score: float


def search(
    templates: Iterable[Template], query: str, detail: ConversationDetail | None = None
) -> list[Template]:
    """Templates matching every word of `query` in name, title, shortcut, tags or body.

    Name and title count most, then tags, then the body; among equals the
    conversation's suggestions come first.
    """
    ranked = suggest(templates, detail)
    terms = _words(query) if query.strip() else []
    if not terms:
        return ranked
    order = {t.name: index for index, t in enumerate(ranked)}
    matches: list[Match] = []
    for template in ranked:
        head = f"{template.name} {template.title} {template.shortcut or ''}"
        tags = " ".join(template.tags)
        body = template.body.lower()
        total = 0.0
        for term in terms:
            best = max(
                subsequence_score(term, head) * 3,
                (10.0 if term in tags else 0.0) * 2,
                5.0 if term in body else 0.0,
            )
            if best == 0:
                break
            total += best
        else:
            matches.append(Match(template, total))
    matches.sort(key=lambda m: (-m.score, order[m.template.name]))
    return [m.template for m in matches]
