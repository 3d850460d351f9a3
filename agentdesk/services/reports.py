"""Reports: how fast, how well and how much support answers, for a period.

Plain Python over a Desk (the TUI's Reports screen and `agentdesk report` share it).
Every measure looks at the period's *cohort*: the conversations created in
[since, until), minus automatic mail and spam, as they stand now. CSAT looks at the
ratings received in the period. The exact definitions (which events start and stop
each clock, what is left out) are in docs/REPORTS.md; the SQL is in report_sql.py.
"""

from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from enum import StrEnum
from typing import Any

from sqlalchemy.engine import Connection

from agentdesk.clock import utcnow
from agentdesk.services import report_sql as q
from agentdesk.services.csat import SATISFIED, rating_of, record_rating
from agentdesk.services.desk import Desk
from agentdesk.services.sla import policy
from agentdesk.text import one_line

__all__ = [
    "By", "Period", "Report", "build_report", "conversation_ids", "rating_of", "record_rating",
]

#: Backlog age buckets: (label, upper bound in seconds); the last one is open-ended.
BACKLOG_BUCKETS: list[tuple[str, float]] = [
    ("< 1 day", 86400.0),
    ("1-3 days", 3 * 86400.0),
    ("3-7 days", 7 * 86400.0),
    ("1-4 weeks", 28 * 86400.0),
    ("> 4 weeks", math.inf),
]

#: Ratings at or below this are listed for follow-up.
LOW_RATING = 3

#: At most this many low ratings are listed (the count is always complete).
LOW_RATINGS_SHOWN = 50

UNASSIGNED = "(unassigned)"


class By(StrEnum):
    """The dimensions a report can be broken down by."""

    CHANNEL = "channel"
    TAG = "tag"
    AGENT = "agent"
    DAY = "day"


def first_targets() -> tuple[dict[str, float], float]:
    """The configured first-response targets in seconds, by channel, and for any other
    channel. Only conversations stored before their due time was (migration 0010) are
    held to these, in calendar time; the others to their own `first_due_at`."""
    return ({name: t.total_seconds() for name, t in policy().first.items()},
            policy().target("").total_seconds())


@dataclass(frozen=True)
class Period:
    """A half-open time range [since, until) in UTC."""

    since: datetime
    until: datetime

    @classmethod
    def last(cls, days: int, now: datetime | None = None) -> Period:
        """The `days` days up to now."""
        end = now or utcnow()
        return cls(end - timedelta(days=days), end)

    @classmethod
    def of_dates(cls, first: date, last: date) -> Period:
        """Whole UTC days from `first` to `last`, both included."""
        return cls(
            datetime.combine(first, dtime(), UTC),
            datetime.combine(last + timedelta(days=1), dtime(), UTC),
        )

    @property
    def length(self) -> timedelta:
        return self.until - self.since

    def previous(self) -> Period:
        """The period of the same length just before this one (for the change figures)."""
        return Period(self.since - self.length, self.since)

    def days(self) -> list[str]:
        """Every UTC day the period touches, as 'YYYY-MM-DD'."""
        first = self.since.date()
        last = (self.until - timedelta(microseconds=1)).date()
        return [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]

    @property
    def short_label(self) -> str:
        """'2026-11-14 – 2026-11-19': the days only (both included)."""
        last = self.until - timedelta(microseconds=1)
        return f"{self.since:%Y-%m-%d} – {last:%Y-%m-%d}"

    @property
    def label(self) -> str:
        last = self.until - timedelta(microseconds=1)
        return f"{self.since:%Y-%m-%d %H:%M} – {last:%Y-%m-%d %H:%M} UTC"


@dataclass(frozen=True)
class Durations:
    """A distribution of durations, in seconds (None when there is nothing to measure)."""

    count: int
    mean: float | None
    median: float | None
    p90: float | None
    max: float | None


@dataclass(frozen=True)
class LongestWait:
    """The conversation whose customer waited longest for a first answer."""

    conversation_id: int
    seconds: float
    waiting: bool
    """True when it is still unanswered (the wait is still growing)."""


@dataclass(frozen=True)
class Headline:
    """The numbers at the top of a report, for one period."""

    conversations: int
    first_response: Durations
    within_target: float | None
    """Share of conversations answered within their channel's SLA target (0..1)."""
    sla_breaches: int
    resolution: Durations
    fcr_rate: float | None
    """First-contact resolution: closed after exactly one reply, not reopened within 7 days."""
    reopen_rate: float | None
    csat: float | None
    """Share of ratings that are 4 or 5 (0..1)."""
    ratings: int


@dataclass(frozen=True)
class GroupRow:
    """One line of a breakdown (by channel, tag, agent or day)."""

    key: str
    """What `conversation_ids` takes to list the conversations behind the row."""
    label: str
    conversations: int
    first_response_median: float | None
    first_response_p90: float | None
    within_target: float | None
    sla_breaches: int
    resolution_median: float | None
    fcr_rate: float | None
    reopen_rate: float | None
    replies: int
    csat: float | None
    ratings: int


@dataclass(frozen=True)
class BacklogBucket:
    label: str
    count: int


@dataclass(frozen=True)
class LowRating:
    """A rating of 3 or less, listed so someone can follow up."""

    conversation_id: int
    rating: int
    comment: str
    customer: str
    agent: str
    rated_at: datetime


@dataclass(frozen=True)
class Report:
    """Everything the Reports screen and `agentdesk report` show, as plain data."""

    period: Period
    generated_at: datetime
    headline: Headline
    previous: Headline
    """The same numbers for the period just before (for the change arrows)."""
    longest_wait: LongestWait | None
    by_day: list[GroupRow]
    by_channel: list[GroupRow]
    by_tag: list[GroupRow]
    by_agent: list[GroupRow]
    backlog: list[BacklogBucket]
    low_ratings: list[LowRating]
    low_ratings_total: int
    elapsed_ms: float
    """How long the report took to compute."""

    def rows(self, by: By) -> list[GroupRow]:
        return {
            By.DAY: self.by_day, By.CHANNEL: self.by_channel,
            By.TAG: self.by_tag, By.AGENT: self.by_agent,
        }[by]


# --- arithmetic -------------------------------------------------------------------


def percentile(sorted_values: Sequence[float], share: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least `share` of values at or below."""
    if not sorted_values:
        return None
    rank = max(math.ceil(share * len(sorted_values)), 1)
    return sorted_values[rank - 1]


def median(sorted_values: Sequence[float]) -> float | None:
    """The middle value (mean of the two middle ones for an even count)."""
    n = len(sorted_values)
    if n == 0:
        return None
    mid = n // 2
    return sorted_values[mid] if n % 2 else (sorted_values[mid - 1] + sorted_values[mid]) / 2


def durations(values: Iterable[float]) -> Durations:
    ordered = sorted(values)
    if not ordered:
        return Durations(0, None, None, None, None)
    return Durations(
        len(ordered), sum(ordered) / len(ordered), median(ordered), percentile(ordered, 0.9),
        ordered[-1],
    )


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _seconds(joined: str | None) -> list[float]:
    """The durations of `Sums.first_responses` / `resolutions` as numbers."""
    return list(map(float, joined.split(","))) if joined else []


class _Tally:
    """Running sums for one group of conversations (or the whole period).

    Fed with the database's sums per (day, channel, assignee) cell or per tag: a few
    hundred additions per report, where adding up one row per conversation in Python
    cost more than the queries.
    """

    __slots__ = (
        "conversations", "first_responses", "resolutions", "within", "breaches",
        "fcr_eligible", "fcr", "closed", "reopened", "replies", "ratings", "satisfied",
    )

    def __init__(self) -> None:
        self.conversations = self.within = self.breaches = self.fcr_eligible = self.fcr = 0
        self.closed = self.reopened = self.replies = self.ratings = self.satisfied = 0
        self.first_responses: list[float] = []
        self.resolutions: list[float] = []

    def add(self, sums: q.Sums, first_responses: list[float], resolutions: list[float]) -> None:
        """Add a group's sums (its durations already parsed by the caller, once)."""
        self.conversations += sums.conversations
        self.within += sums.within_target
        self.breaches += sums.breaches
        self.closed += sums.closed
        self.reopened += sums.reopened
        self.fcr_eligible += sums.fcr_eligible
        self.fcr += sums.fcr
        self.replies += sums.replies
        self.first_responses += first_responses
        self.resolutions += resolutions

    @classmethod
    def of(cls, sums: q.Sums) -> _Tally:
        tally = cls()
        tally.add(sums, _seconds(sums.first_responses), _seconds(sums.resolutions))
        return tally

    def rate(self, rating: int) -> None:
        self.ratings += 1
        self.satisfied += rating in SATISFIED

    def headline(self) -> Headline:
        return Headline(
            conversations=self.conversations,
            first_response=durations(self.first_responses),
            within_target=share(self.within, self.within + self.breaches),
            sla_breaches=self.breaches,
            resolution=durations(self.resolutions),
            fcr_rate=share(self.fcr, self.fcr_eligible),
            reopen_rate=share(self.reopened, self.closed),
            csat=share(self.satisfied, self.ratings),
            ratings=self.ratings,
        )

    def row(self, key: str, label: str) -> GroupRow:
        h = self.headline()
        return GroupRow(
            key=key, label=label, conversations=h.conversations,
            first_response_median=h.first_response.median, first_response_p90=h.first_response.p90,
            within_target=h.within_target, sla_breaches=h.sla_breaches,
            resolution_median=h.resolution.median, fcr_rate=h.fcr_rate,
            reopen_rate=h.reopen_rate, replies=self.replies, csat=h.csat, ratings=h.ratings,
        )


def _tally(groups: dict[str, _Tally], key: str) -> _Tally:
    tally = groups.get(key)
    if tally is None:
        tally = groups[key] = _Tally()
    return tally


# --- building a report --------------------------------------------------------------


def build_report(desk: Desk, period: Period, *, now: datetime | None = None) -> Report:
    """Compute every measure for `period` (and the headline of the period before it)."""
    started = time.perf_counter()
    now = now or utcnow()
    engine = desk.store.engine
    before = period.previous()
    d = q.Dialect(engine.dialect.name)
    targets = first_targets()

    def run(job: Callable[[Connection], Any]) -> Any:
        with engine.connect() as conn:
            q.prepare(conn)
            return job(conn)

    def rest(conn: Connection) -> tuple[Any, ...]:
        return (
            q.tags(conn, d, period.since, period.until),
            q.tag_sums(conn, d, period.since, period.until, now, *targets),
            dict(q.replies_by_author(conn, d, period.since, period.until)),
            q.backlog(conn, now, [edge for _, edge in BACKLOG_BUCKETS[:-1]]),
            q.ratings(conn, d, period.since, period.until),
            q.rating_counts(conn, before.since, before.until),
            q.agents(conn),
        )

    def earlier(conn: Connection) -> tuple[Any, ...]:
        return (
            q.cells(conn, d, before.since, before.until, now, *targets, headline_only=True),
            q.longest_wait(conn, d, period.since, period.until, now),
        )

    # Four connections at once: the database works on the period (in two halves of about
    # the same number of conversations; cells simply add up), the period before it and the
    # small queries in parallel (SQLite and psycopg release the GIL meanwhile).
    with engine.connect() as conn:
        mid = q.middle(conn, period.since, period.until) or period.until
    with ThreadPoolExecutor(max_workers=4, thread_name_prefix="report") as pool:
        first_half = pool.submit(run, lambda c: q.cells(c, d, period.since, mid, now, *targets))
        second_half = pool.submit(run, lambda c: q.cells(c, d, mid, period.until, now, *targets))
        previous_job = pool.submit(run, earlier)
        others = pool.submit(run, rest)
        cells = first_half.result() + second_half.result()
        previous_cells, longest = previous_job.result()
        tag_pairs, tag_sums, authors, ages, rated, previous_ratings, agents = others.result()

    def login(agent_id: int | None) -> str:
        return agents[agent_id][0] if agent_id in agents else ""

    tags_of: dict[int, list[str]] = defaultdict(list)
    for conversation_id, name in tag_pairs:
        tags_of[conversation_id].append(name)
    total, previous = _Tally(), _Tally()
    by_day: dict[str, _Tally] = {day: _Tally() for day in period.days()}
    by_channel: dict[str, _Tally] = {}
    by_agent: dict[str, _Tally] = {}
    for cell in cells:
        first_responses = _seconds(cell.sums.first_responses)
        resolutions = _seconds(cell.sums.resolutions)
        for tally in (total, _tally(by_day, cell.day), _tally(by_channel, cell.channel),
                      _tally(by_agent, login(cell.assignee_id))):
            tally.add(cell.sums, first_responses, resolutions)
    for cell in previous_cells:
        previous.add(cell.sums, _seconds(cell.sums.first_responses), _seconds(cell.sums.resolutions))
    by_tag = {name: _Tally.of(sums) for name, sums in tag_sums}
    for row in rated:
        total.rate(row[1])
    previous.ratings, previous.satisfied = previous_ratings
    # Replies per agent count who wrote them, not whose conversation it is.
    for tally in by_agent.values():
        tally.replies = 0
    for author, count in authors.items():
        _tally(by_agent, author).replies += count
    for row in rated:
        conversation_id, rating, _, _, agent_id, channel, _, day = row
        _tally(by_day, day).rate(rating)
        _tally(by_channel, channel).rate(rating)
        _tally(by_agent, login(agent_id)).rate(rating)
        for name in tags_of.get(conversation_id, ()):
            _tally(by_tag, name).rate(rating)

    names = {a_login: name for a_login, name in agents.values()}
    low = [row for row in rated if row[1] <= LOW_RATING]
    return Report(
        period=period,
        generated_at=now,
        headline=total.headline(),
        previous=previous.headline(),
        longest_wait=LongestWait(*longest) if longest else None,
        by_day=[by_day[day].row(day, day) for day in sorted(by_day)],
        by_channel=_rows(by_channel, lambda key: key),
        by_tag=_rows(by_tag, lambda key: key),
        by_agent=_rows(by_agent, lambda key: names.get(key, key) if key else UNASSIGNED),
        backlog=[BacklogBucket(label, count) for (label, _), count in zip(BACKLOG_BUCKETS, ages, strict=True)],
        low_ratings=[
            LowRating(r[0], r[1], one_line(r[2], 80), one_line(r[6], 40), login(r[4]) or UNASSIGNED, r[3])
            for r in reversed(low[-LOW_RATINGS_SHOWN:])
        ],
        low_ratings_total=len(low),
        elapsed_ms=(time.perf_counter() - started) * 1000,
    )


def _rows(groups: dict[str, _Tally], label: Callable[[str], str]) -> list[GroupRow]:
    """Busiest first, then by name, so the table reads top-down by weight."""
    ordered = sorted(groups.items(), key=lambda item: (-item[1].conversations, item[0]))
    return [tally.row(key, one_line(label(key), 40)) for key, tally in ordered]


def conversation_ids(desk: Desk, period: Period, by: By, key: str, limit: int = 1000) -> list[int]:
    """The period's conversations behind one row of a breakdown, newest first."""
    engine = desk.store.engine
    d = q.Dialect(engine.dialect.name)
    params: dict[str, Any] = {} if by is By.AGENT and key == "" else {"key": key}
    if by is By.CHANNEL:
        where = "c.channel = :key"
    elif by is By.TAG:
        where = ("c.id IN (SELECT ct.conversation_id FROM conversationtag ct "
                 "JOIN tag t ON t.id = ct.tag_id WHERE t.name = :key)")
    elif by is By.AGENT:
        where = ("c.assignee_id IS NULL" if key == "" else
                 "c.assignee_id IN (SELECT a.id FROM agent a WHERE a.login = :key)")
    else:
        where = f"{d.day('c.created_at')} = :key"
    with engine.connect() as conn:
        return q.conversation_ids(conn, d, period.since, period.until, where, params, limit)
