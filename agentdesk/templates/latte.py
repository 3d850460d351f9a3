"""LATTE: Listen, Acknowledge, Take action, Thank, Explain; which steps a reply covers.

Coverage comes from two places: the parts of inserted templates that are still in the
draft (their markers say which steps they cover), and cue phrases in the agent's own
words ("sorry", "I've refunded", "thank you", "within 3 days"). The cues are a
heuristic meant to catch a forgotten step, not to grade prose.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from agentdesk.templates.marks import PLACEHOLDER_RE


class Step(StrEnum):
    LISTEN = "listen"
    ACKNOWLEDGE = "acknowledge"
    ACTION = "action"
    THANK = "thank"
    EXPLAIN = "explain"

    @property
    def label(self) -> str:
        return STEP_LABELS[self]


ORDER: tuple[Step, ...] = tuple(Step)
STEP_LABELS = {
    Step.LISTEN: "Listen",
    Step.ACKNOWLEDGE: "Acknowledge",
    Step.ACTION: "Take action",
    Step.THANK: "Thank",
    Step.EXPLAIN: "Explain",
}
_ALIASES = {
    "l": Step.LISTEN,
    "listen": Step.LISTEN,
    "a": Step.ACKNOWLEDGE,
    "ack": Step.ACKNOWLEDGE,
    "acknowledge": Step.ACKNOWLEDGE,
    "action": Step.ACTION,
    "act": Step.ACTION,
    "take-action": Step.ACTION,
    "take_action": Step.ACTION,
    "thank": Step.THANK,
    "thanks": Step.THANK,
    "e": Step.EXPLAIN,
    "explain": Step.EXPLAIN,
}


def parse_steps(text: str) -> tuple[list[Step], list[str]]:
    """Step names from a comma (or space) separated list; returns (steps, unknown words)."""
    steps: list[Step] = []
    unknown: list[str] = []
    text = re.sub(r"take\s+action", "take-action", text.strip().lower())
    for word in re.split(r"[,\s+/]+", text):
        word = word.strip()
        if not word:
            continue
        step = _ALIASES.get(word)
        if step is None:
            unknown.append(word)
        elif step not in steps:
            steps.append(step)
    return steps, unknown


_CUES: dict[Step, re.Pattern[str]] = {
    Step.LISTEN: re.compile(
        r"\b(you (wrote|mention(ed)?|said|told|asked|explained|describe[ds]?|noticed)|"
        r"i (understand|see|read|hear) (that|you)|if i understand|you('ve| have) been|"
        r"you('d| would) like|you('re| are) (waiting|asking|looking|writing)|letting us know|"
        r"you (ordered|received|suggested)|your (order|message|email|question|note|parcel|package))\b",
        re.IGNORECASE,
    ),
    Step.ACKNOWLEDGE: re.compile(
        r"\b(sorry|apologi[sz]e|apologies|frustrat\w*|disappoint\w*|annoying|"
        r"i can imagine|understandabl[ey]|you('re| are) right|not (the|what) \w+ (expect|hope)\w*|"
        r"that('s| is) not (ok|okay|good|acceptable)|must (have been|be))\b",
        re.IGNORECASE,
    ),
    Step.ACTION: re.compile(
        r"\b(i('ve| have)|we('ve| have)|i('ll| will)|we('ll| will)) "
        r"(\w+ )?(sent|issued|refunded|arranged|cancell?ed|booked|opened|asked|contacted|"
        r"created|added|shipped|posted|reshipped|replaced|checked|send|issue|refund|arrange|"
        r"cancel|ship|replace|check|contact|open|chase|look)\b|"
        r"\b(here('s| is) how|a (new|replacement) \w+ is on its way|full refund|return label)\b",
        re.IGNORECASE,
    ),
    Step.THANK: re.compile(r"\b(thank(s| you)?|appreciate[ds]?|grateful)\b", re.IGNORECASE),
    Step.EXPLAIN: re.compile(
        r"\b(because|this means|which means|so that|you('ll| will) (see|get|receive|have)|"
        r"should (arrive|reach|see|show)|within \d+|in \d+(-\d+)? (working |business )?days|"
        r"by (monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow)|"
        r"next step|what happens next|expect)\b",
        re.IGNORECASE,
    ),
}


def cues(text: str) -> frozenset[Step]:
    """The steps the agent's own words seem to cover."""
    return frozenset(step for step, pattern in _CUES.items() if pattern.search(text))


@dataclass(frozen=True)
class Part:
    """A piece of an inserted template and the steps its marker says it covers."""

    text: str
    steps: frozenset[Step]




def part_present(part: Part, draft: str, threshold: float = 0.6) -> bool:
    """Whether most of a part's fixed text is still in the draft.

    Placeholders are left out (the agent types over them) and whitespace is
    normalised, so filling a placeholder or rewrapping a line keeps the part.
    """
    flat = " ".join(draft.split())
    pieces = [" ".join(p.split()) for p in PLACEHOLDER_RE.sub("\x00", part.text).split("\x00")]
    pieces = [p for p in pieces if len(p) >= 3]
    total = sum(len(p) for p in pieces)
    if total == 0:
        return False
    kept = 0
    for piece in pieces:
        if piece in flat:
            kept += len(piece)
        else:
            # A fragment edited in the middle still counts for its unchanged lines/sentences.
            for sentence in re.split(r"(?<=[.!?])\s+", piece):
                if len(sentence) >= 12 and sentence in flat:
                    kept += len(sentence)
    return kept / total >= threshold


@dataclass(frozen=True)
class Coverage:
    """Which LATTE steps a reply covers, and where each came from."""

    from_templates: frozenset[Step]
    from_text: frozenset[Step]

    @property
    def covered(self) -> frozenset[Step]:
        return self.from_templates | self.from_text

    @property
    def missing(self) -> list[Step]:
        return [s for s in ORDER if s not in self.covered]

    @property
    def complete(self) -> bool:
        return not self.missing

    def line(self) -> str:
        """One line for under the composer: `LATTE ✓L ✓A ✓T ✗T ✓E · missing: Thank`."""
        marks = " ".join(
            f"{'✓' if s in self.covered else '✗'}{s.label[0]}" for s in ORDER
        )
        if self.complete:
            return f"LATTE {marks}"
        return f"LATTE {marks} · missing: {', '.join(s.label for s in self.missing)}"


def coverage(draft: str, parts: Iterable[Part] = ()) -> Coverage:
    """The steps `draft` covers, from surviving template parts and from its own words."""
    from_templates: set[Step] = set()
    for part in parts:
        if part.steps and part_present(part, draft):
            from_templates |= part.steps
    return Coverage(frozenset(from_templates), cues(PLACEHOLDER_RE.sub(" ", draft)))


def letters(steps: Sequence[Step] | frozenset[Step]) -> str:
    """`LA.TE`-style summary of steps for tables (dots for the missing ones)."""
    return "".join(s.label[0] if s in steps else "·" for s in ORDER)
