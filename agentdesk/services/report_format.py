"""Report figures as short text, the same on the Reports screen and in `agentdesk report`."""

from __future__ import annotations

from dataclasses import dataclass

from agentdesk.services.reports import GroupRow, Headline


def duration(seconds: float | None) -> str:
    """'45s', '12m', '3h05m', '2d04h'; '-' when there is nothing to show (short for tables)."""
    if seconds is None:
        return "-"
    s = round(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m"
    if s < 86400:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    return f"{s // 86400}d{s % 86400 // 3600:02d}h"


def percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


@dataclass(frozen=True)
class Change:
    """How a figure moved against the previous period."""

    text: str
    """'▲ 12%', '▼ 3%', '=' or '' (nothing to compare)."""
    good: bool | None
    """True when the move is an improvement, False when worse, None when flat or unknown."""


def change(current: float | None, previous: float | None, *, lower_is_better: bool,
           points: bool = False) -> Change:
    """The change from `previous` to `current`: relative, or in percentage points for shares."""
    if current is None or previous is None:
        return Change("", None)
    delta = current - previous
    if points:
        amount = delta * 100
        text = f"{abs(amount):.0f} pt"
    else:
        if previous == 0:
            return Change("new" if current else "=", None)
        amount = delta / abs(previous) * 100
        text = f"{abs(amount):.0f}%"
    if round(amount) == 0:
        return Change("=", None)
    good = (delta < 0) == lower_is_better
    return Change(f"{'▲' if delta > 0 else '▼'} {text}", good)


@dataclass(frozen=True)
class Figure:
    """One headline number: its name, its value now, before, and the change."""

    key: str
    name: str
    value: str
    previous: str
    change: Change


def figures(now: Headline, before: Headline) -> list[Figure]:
    """The headline numbers in the order a shop owner reads them."""

    def dur(key: str, name: str, a: float | None, b: float | None) -> Figure:
        return Figure(key, name, duration(a), duration(b), change(a, b, lower_is_better=True))

    def pct(key: str, name: str, a: float | None, b: float | None, lower: bool = False) -> Figure:
        return Figure(key, name, percent(a), percent(b),
                      change(a, b, lower_is_better=lower, points=True))

    return [
        # More conversations is neither good nor bad: shown, never coloured.
        Figure("conversations", "Conversations", str(now.conversations), str(before.conversations),
               Change(change(now.conversations, before.conversations,
                             lower_is_better=True).text, None)),
        dur("first_response_median", "First response, median",
            now.first_response.median, before.first_response.median),
        dur("first_response_p90", "First response, p90",
            now.first_response.p90, before.first_response.p90),
        dur("first_response_mean", "First response, mean",
            now.first_response.mean, before.first_response.mean),
        pct("within_target", "Answered within SLA", now.within_target, before.within_target),
        Figure("sla_breaches", "SLA breaches", str(now.sla_breaches), str(before.sla_breaches),
               change(now.sla_breaches, before.sla_breaches, lower_is_better=True)),
        dur("resolution_median", "Resolution, median",
            now.resolution.median, before.resolution.median),
        pct("fcr_rate", "First-contact resol.", now.fcr_rate, before.fcr_rate),
        pct("reopen_rate", "Reopened", now.reopen_rate, before.reopen_rate, lower=True),
        Figure("csat", "CSAT (4-5 of 5)", percent(now.csat), percent(before.csat),
               change(now.csat, before.csat, lower_is_better=False, points=True)),
        Figure("ratings", "Ratings", str(now.ratings), str(before.ratings), Change("", None)),
    ]


#: The columns of a breakdown table: (heading, how a row shows it).
COLUMNS: list[tuple[str, str]] = [
    ("conv", "conversations"),
    ("1st med", "first_response_median"),
    ("1st p90", "first_response_p90"),
    ("in SLA", "within_target"),
    ("late", "sla_breaches"),
    ("resol", "resolution_median"),
    ("FCR", "fcr_rate"),
    ("reopen", "reopen_rate"),
    ("replies", "replies"),
    ("CSAT", "csat"),
    ("rated", "ratings"),
]

_DURATIONS = {"first_response_median", "first_response_p90", "resolution_median"}
_SHARES = {"within_target", "fcr_rate", "reopen_rate", "csat"}


def cell(row: GroupRow, field: str) -> str:
    """One cell of a breakdown table as text."""
    value = getattr(row, field)
    if field in _DURATIONS:
        return duration(value)
    if field in _SHARES:
        return percent(value)
    return str(value)
