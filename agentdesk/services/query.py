"""The search box language: free words, "a phrase", key:value operators and -negation.

    refund "not arrived" from:ada tag:late-by-carrier -status:closed after:2026-11-01

Everything is ANDed (a literal `AND` between parts is allowed and ignored). A `-` in
front of any part negates it. This module only turns text into a `Query`; checking
values that need context (dates, who "me" is) happens in agentdesk.services.search.
It never raises on odd input: unknown `key:` parts are searched as plain words, and an
unterminated quote runs to the end of the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: Operators that narrow the words of a message (full-text, per message).
TEXT_FIELDS = {"from": "author", "subject": "subject"}
#: Operators that filter conversations.
FILTER_KEYS = {"tag", "status", "channel", "assignee", "is", "has", "before", "after", "to", "priority", "id"}
#: `sort:` values.
SORTS = {"relevance", "newest", "oldest", "urgency"}

_WORD = re.compile(r"\w", re.UNICODE)


class QueryError(ValueError):
    """A value the search cannot use (a bad date, an unknown status); says which part."""


@dataclass(frozen=True)
class Term:
    """Words to find in one message: a word, or a phrase when `phrase` is set."""

    text: str
    phrase: bool = False
    negated: bool = False
    field: str | None = None
    """None for any column, else "subject" or "author" (from:)."""


@dataclass(frozen=True)
class Filter:
    """A conversation-level condition such as tag:late or -status:closed."""

    key: str
    value: str
    negated: bool = False


@dataclass(frozen=True)
class Query:
    """A parsed search: message terms, conversation filters and an optional sort."""

    terms: tuple[Term, ...] = ()
    filters: tuple[Filter, ...] = ()
    sort: str | None = None
    source: str = field(default="", compare=False)

    @property
    def positive_terms(self) -> tuple[Term, ...]:
        return tuple(t for t in self.terms if not t.negated)

    @property
    def negative_terms(self) -> tuple[Term, ...]:
        return tuple(t for t in self.terms if t.negated)

    @property
    def is_empty(self) -> bool:
        return not self.terms and not self.filters


def _tokens(text: str) -> list[tuple[bool, str, str | None, bool]]:
    """Split into (negated, key or "", value, quoted) parts, honouring double quotes."""
    parts: list[tuple[bool, str, str | None, bool]] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        negated = False
        if text[i] == "-" and i + 1 < n and not text[i + 1].isspace():
            negated = True
            i += 1
        key = ""
        match = re.match(r"([A-Za-z]+):(?=\S)", text[i:])
        if match:
            key = match.group(1).lower()
            i += match.end()
        if i < n and text[i] == '"':
            end = text.find('"', i + 1)
            end = n if end < 0 else end
            parts.append((negated, key, text[i + 1 : end], True))
            i = end + 1
            continue
        end = i
        while end < n and not text[end].isspace():
            end += 1
        parts.append((negated, key, text[i:end], False))
        i = end
    return parts


def parse(text: str) -> Query:
    """Parse the search box text into a Query (see the module docstring)."""
    terms: list[Term] = []
    filters: list[Filter] = []
    sort: str | None = None
    for negated, key, value, quoted in _tokens(text):
        value = value or ""
        if not key and not quoted and value == "AND":
            continue
        if key == "sort" and value.lower() in SORTS:
            sort = value.lower()
        elif key in TEXT_FIELDS:
            if _WORD.search(value):
                terms.append(Term(value, phrase=True, negated=negated, field=TEXT_FIELDS[key]))
        elif key in FILTER_KEYS:
            if value:
                filters.append(Filter(key, value if key == "to" else value.lower(), negated))
        else:
            word = f"{key}:{value}" if key else value
            if _WORD.search(word):
                terms.append(Term(word, phrase=quoted or bool(key), negated=negated))
    return Query(tuple(terms), tuple(filters), sort, source=text)


def fts5_string(text: str) -> str:
    """One FTS5 string literal: the words of `text` as a phrase, quotes doubled."""
    return '"' + text.replace('"', '""') + '"'


def fts5_expression(terms: tuple[Term, ...]) -> str | None:
    """The FTS5 MATCH expression for `terms`, or None when no positive term is left.

    Every term is quoted, so no user text is read as FTS5 syntax. Negated terms become
    `NOT` on the same message (FTS5 has no unary NOT, hence a positive part is needed).
    """
    positive = [_fts5_term(t) for t in terms if not t.negated]
    if not positive:
        return None
    expression = "(" + " AND ".join(positive) + ")"
    for term in terms:
        if term.negated:
            expression = f"({expression} NOT {_fts5_term(term)})"
    return expression


def prefix_of(term: Term) -> str | None:
    """The word start of a prefix term (`refun*` -> "refun"), else None."""
    if term.phrase or not term.text.endswith("*"):
        return None
    stem = term.text.rstrip("*")
    return stem if _WORD.search(stem) else None


def _fts5_term(term: Term) -> str:
    stem = prefix_of(term)
    literal = fts5_string(term.text) if stem is None else fts5_string(stem) + " *"
    return f"{term.field} : {literal}" if term.field else literal
