"""Splitting a reply into what the customer wrote now and the quoted history below it.

The thread view shows `fresh` and folds `folded` away (expandable). Line-based and
linear: a 767 KB quoted reply from the corpus must not stall the UI, so no regular
expression here may backtrack over more than one line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# "On Tue, 3 Mar 2026 at 10:00, Ada <ada@x> wrote:" (possibly split over two lines),
# "Am ... schrieb ...:", "Le ... a écrit :", "El ... escribió:".
_WROTE = re.compile(
    r"^\s*(on|am|le|el|il|op)\b.{0,300}\b(wrote|schrieb|a écrit|escribió|ha scritto|schreef)\s*:\s*$",
    re.I,
)
_WROTE_END = re.compile(
    r"^.{0,200}\b(wrote|schrieb|a écrit|escribió|ha scritto|schreef)\s*:\s*$", re.I
)
_ON_START = re.compile(r"^\s*(on|am|le|el|il|op)\s+\S", re.I)
_SEPARATORS = re.compile(
    r"^\s*(-{2,}\s*(original message|ursprüngliche nachricht|message d'origine|forwarded message)\s*-{2,}"
    r"|_{20,}\s*$"
    r"|begin forwarded message:)",
    re.I,
)
_OUTLOOK_FROM = re.compile(r"^\s*\*?(from|von|de)\s*:\*?\s+\S", re.I)
_OUTLOOK_NEXT = re.compile(
    r"^\s*\*?(sent|date|gesendet|envoyé|to|an|à|subject|betreff|objet)\s*:", re.I
)
_SIGNATURE = re.compile(
    r"^(-- ?|sent from my \w+.{0,40}|get outlook for \w+.{0,20}|sent from (mail|yahoo mail) for \w+.{0,40})$",
    re.I,
)


@dataclass(frozen=True)
class Split:
    """`fresh` is what is new in this message; `folded` the quote and signature below."""

    fresh: str
    folded: str


def _cut_at(lines: list[str]) -> int | None:
    for i, line in enumerate(lines):
        if len(line) > 1000:
            continue
        if _WROTE.match(line) or _SEPARATORS.match(line):
            return i
        if _ON_START.match(line) and i + 1 < len(lines) and _WROTE_END.match(lines[i + 1][:300]):
            return i
        if _OUTLOOK_FROM.match(line) and any(_OUTLOOK_NEXT.match(n) for n in lines[i + 1 : i + 4]):
            return i
        if line.startswith(">"):
            rest = [n for n in lines[i:] if n.strip()]
            if all(n.startswith(">") for n in rest[:50]) and sum(
                n.startswith(">") for n in rest
            ) * 2 >= len(rest):
                return i
    return None


def split_reply(text: str) -> Split:
    """Split `text` at the first quote header, quote block or signature; never fails."""
    lines = text.split("\n")
    cut = _cut_at(lines)
    body = lines if cut is None else lines[:cut]
    for j in range(len(body) - 1, max(len(body) - 15, -1), -1):
        if _SIGNATURE.match(body[j].strip() if body[j].strip() != "--" else "--"):
            if body[j].rstrip() in ("--", "-- ") or j >= len(body) - 3:
                cut = j
                break
    if cut is None or not "\n".join(lines[:cut]).strip():
        return Split(text, "")
    return Split("\n".join(lines[:cut]).rstrip(), "\n".join(lines[cut:]))
