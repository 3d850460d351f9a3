"""The queries behind agentdesk.services.reports, on SQLite and PostgreSQL.

Each function runs one statement and returns plain tuples. The database does the
heavy part: it picks the period's conversations through `ix_conversation_created_at`,
walks each one's status events with a window function (closes, reopens and the time
spent closed in between), and counts replies from `ix_message_conversation_direction`
without reading a single message row. What comes back is one narrow row per
conversation (or a GROUP BY result), so a 90-day report over a million messages moves a
few tens of thousands of small tuples at most. Definitions: docs/REPORTS.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection
from sqlmodel.sql.sqltypes import UTCDateTime

#: Tag names that mark a conversation as spam: spam is left out of every measure.
SPAM_TAGS = ("spam",)

#: Seconds a conversation may stay closed and still count as "not reopened" for FCR.
FCR_WINDOW = 7 * 86400


@dataclass(frozen=True)
class Dialect:
    """The few SQL spellings that differ between SQLite and PostgreSQL."""

    name: str
    scan_conversations: bool = False
    """Read the conversation table whole instead of through `ix_conversation_created_at`:
    on SQLite a scan is ~3x cheaper once the period holds more than a tenth of it."""

    def epoch(self, column: str) -> str:
        """Seconds since 1970 of a timestamp column (NULL stays NULL)."""
        if self.name == "sqlite":
            return f"((julianday({column}) - 2440587.5) * 86400.0)"
        return f"EXTRACT(EPOCH FROM {column})"

    def day(self, column: str) -> str:
        """The UTC calendar day of a timestamp as 'YYYY-MM-DD'."""
        if self.name == "sqlite":
            return f"date({column})"
        return f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD')"

    def seconds(self, expression: str) -> str:
        """Whole, non-negative seconds (julianday() arithmetic is off by microseconds)."""
        if self.name == "sqlite":
            return f"MAX(ROUND({expression}), 0)"
        # Not GREATEST: PostgreSQL's skips NULLs, and NULL means "not answered yet".
        return f"CAST(ROUND(CASE WHEN {expression} < 0 THEN 0 ELSE {expression} END) AS DOUBLE PRECISION)"

    @property
    def false(self) -> str:
        return "0" if self.name == "sqlite" else "false"

    @property
    def outer_first(self) -> str:
        """A join that makes SQLite loop over the left side (the period's few conversations)
        and seek the message index, instead of scanning the whole index."""
        return "CROSS JOIN" if self.name == "sqlite" else "JOIN"


def _cohort(d: Dialect) -> str:
    """The period's conversations: created in [since, until), not automatic, not spam."""
    spam = ", ".join(f"'{name}'" for name in SPAM_TAGS)
    return f"""
    SELECT c.id, c.channel, c.assignee_id, c.status, c.created_at, c.first_response_at,
           c.closed_at
    FROM conversation c{" NOT INDEXED" if d.scan_conversations and d.name == "sqlite" else ""}
    WHERE c.created_at >= :since AND c.created_at < :until AND c.automatic = {d.false}
      AND c.id NOT IN (SELECT ct.conversation_id FROM conversationtag ct
                       JOIN tag t ON t.id = ct.tag_id WHERE lower(t.name) IN ({spam}))
    """


def _facts_sql(d: Dialect, targets: dict[str, float], default: float) -> str:
    """One row per conversation of the period with every per-conversation measure."""
    target_case = _target_case(targets, default)
    closed = "'status:closed'"
    reopen = f"action <> {closed} AND prev_action = {closed}"
    return f"""
    WITH cohort AS ({_cohort(d)}),
    status_events AS (
        SELECT e.conversation_id AS cid, e.action, e.at,
               LAG(e.action) OVER w AS prev_action, LAG(e.at) OVER w AS prev_at
        FROM event e JOIN cohort ON cohort.id = e.conversation_id
        -- "status:*", and "snooze" (which can reopen a closed one too): one index range
        -- from 'snooze' to 'status;', then the exact test
        WHERE e.action >= 'snooze' AND e.action < 'status;'
          AND (e.action = 'snooze' OR e.action >= 'status:')
        WINDOW w AS (PARTITION BY e.conversation_id ORDER BY e.at, e.id)
    ),
    closes AS (
        SELECT cid,
               MIN(CASE WHEN action = {closed} THEN at END) AS first_close,
               SUM(CASE WHEN {reopen} THEN {d.epoch('at')} - {d.epoch('prev_at')} ELSE 0 END)
                   AS closed_gap,
               MIN(CASE WHEN {reopen} THEN at END) AS first_reopen
        FROM status_events GROUP BY cid
    ),
    conv AS (
        SELECT cohort.*, COALESCE(closes.first_close, cohort.closed_at) AS first_close,
               COALESCE(closes.closed_gap, 0) AS closed_gap, closes.first_reopen
        FROM cohort LEFT JOIN closes ON closes.cid = cohort.id
    ),
    -- MATERIALIZED: the reply counts below are read twice; without it they would run twice.
    measured AS MATERIALIZED (
        SELECT conv.id, conv.channel, conv.assignee_id, conv.status,
               {d.day('conv.created_at')} AS day,
               {d.seconds(f"{d.epoch('conv.first_response_at')} - {d.epoch('conv.created_at')}")}
                   AS frt,
               {d.seconds(f":now_epoch - {d.epoch('conv.created_at')}")} AS age,
               CASE WHEN conv.status = 'closed' AND conv.closed_at IS NOT NULL THEN {d.seconds(
                   f"{d.epoch('conv.closed_at')} - {d.epoch('conv.created_at')} - conv.closed_gap")}
               END AS resolution,
               CASE WHEN conv.first_close IS NOT NULL THEN 1 ELSE 0 END AS ever_closed,
               CASE WHEN conv.first_reopen IS NOT NULL THEN 1 ELSE 0 END AS reopened,
               CASE WHEN conv.first_reopen IS NOT NULL AND {d.epoch('conv.first_reopen')}
                         - {d.epoch('conv.first_close')} <= {FCR_WINDOW} THEN 1 ELSE 0 END
                   AS reopened_soon,
               {target_case} AS target,
               -- One seek each into the covering reply index, no message row read.
               (SELECT COUNT(*) FROM message m
                WHERE m.conversation_id = conv.id AND m.direction = 'out') AS replies,
               (SELECT COUNT(*) FROM message m
                WHERE m.conversation_id = conv.id AND m.direction = 'out'
                  AND (conv.first_close IS NULL OR m.sent_at <= conv.first_close)) AS before_close
        FROM conv
    )
    SELECT id, channel, assignee_id, status, day, frt, age, resolution, ever_closed, reopened,
           CASE WHEN frt <= target THEN 1 ELSE 0 END,
           CASE WHEN frt > target OR (frt IS NULL AND status <> 'closed' AND age > target)
                THEN 1 ELSE 0 END,
           CASE WHEN ever_closed = 1 AND before_close >= 1 THEN 1 ELSE 0 END,
           CASE WHEN ever_closed = 1 AND before_close = 1 AND reopened_soon = 0 THEN 1 ELSE 0 END,
           replies
    FROM measured
    """


def _target_case(targets: dict[str, float], default: float) -> str:
    """The first-response target of `channel` in seconds, as a CASE over channel names."""
    arms = " ".join(
        f"WHEN '{name.replace(chr(39), chr(39) * 2)}' THEN {float(seconds)!r}"
        for name, seconds in targets.items()
    )
    return f"CASE conv.channel {arms} ELSE {float(default)!r} END"


class Fact(NamedTuple):
    """One conversation of the period, as the report needs it (times in whole seconds).

    A NamedTuple, not a dataclass: a 90-day report makes tens of thousands of them.
    """

    id: int
    channel: str
    assignee_id: int | None
    status: str
    day: str
    first_response: float | None
    """Created to first agent reply; None while unanswered."""
    age: float
    """Created to now: how long an unanswered conversation has waited so far."""
    resolution: float | None
    """Time spent not closed, for a conversation closed now; else None."""
    ever_closed: int
    """1 when it was closed at least once."""
    reopened: int
    """1 when it was reopened at least once after a close."""
    within_target: int
    """1 when answered within its channel's first-response target."""
    breach: int
    """1 when answered late, or unanswered (and not closed) past its target already."""
    fcr_eligible: int
    """1 when closed at least once with at least one reply before the first close."""
    fcr: int
    """1 when closed after exactly one reply and not reopened within FCR_WINDOW."""
    replies: int


def dialect_for(conn: Connection, since: datetime, until: datetime) -> Dialect:
    """The dialect, with a scan of the conversation table when the period is a big share
    of it (two cheap index-only lookups decide; SQLite has no statistics to do it)."""
    name = conn.dialect.name
    if name != "sqlite":
        return Dialect(name)
    params, binds = _params(since, until)
    inside = conn.execute(text(
        "SELECT count(*) FROM conversation WHERE created_at >= :since AND created_at < :until"
    ).bindparams(*binds), params).scalar_one()
    total = conn.execute(text("SELECT max(id) FROM conversation")).scalar_one() or 0
    return Dialect(name, scan_conversations=inside * 10 > total)


def _params(since: datetime, until: datetime, **extra: Any) -> tuple[dict[str, Any], list[Any]]:
    binds = [bindparam("since", type_=UTCDateTime()), bindparam("until", type_=UTCDateTime())]
    return {"since": since, "until": until, **extra}, binds


def facts(
    conn: Connection, d: Dialect, since: datetime, until: datetime, now: datetime,
    targets: dict[str, float], default_target: float,
) -> list[Fact]:
    """Every conversation of [since, until) with its per-conversation measures.

    `targets` maps a channel to its first-response target in seconds; other channels get
    `default_target`.
    """
    params, binds = _params(since, until, now_epoch=now.timestamp())
    sql = _facts_sql(d, targets, default_target)
    return [Fact._make(row) for row in conn.execute(text(sql).bindparams(*binds), params)]


def tags(conn: Connection, d: Dialect, since: datetime, until: datetime) -> list[tuple[int, str]]:
    """(conversation id, tag name) for every tag on the period's conversations."""
    sql = f"""
    WITH cohort AS ({_cohort(d)})
    SELECT ct.conversation_id, t.name FROM cohort
    JOIN conversationtag ct ON ct.conversation_id = cohort.id JOIN tag t ON t.id = ct.tag_id
    """
    params, binds = _params(since, until)
    return [(int(r[0]), str(r[1])) for r in conn.execute(text(sql).bindparams(*binds), params)]


def replies_by_author(
    conn: Connection, d: Dialect, since: datetime, until: datetime
) -> list[tuple[str, int]]:
    """(author login, replies) over the period's conversations, from the index alone."""
    sql = f"""
    WITH cohort AS ({_cohort(d)})
    SELECT m.author_address, COUNT(*) FROM cohort
    {d.outer_first} message m ON m.conversation_id = cohort.id AND m.direction = 'out'
    GROUP BY m.author_address
    """
    params, binds = _params(since, until)
    return [(str(r[0]), int(r[1])) for r in conn.execute(text(sql).bindparams(*binds), params)]


def backlog(conn: Connection, now: datetime, edges: list[float]) -> list[int]:
    """How many open, human, non-spam conversations fall in each age bucket now.

    `edges` are ages in seconds, ascending; bucket i holds ages in [edges[i-1], edges[i]),
    the last one everything older than the last edge.
    """
    spam = ", ".join(f"'{name}'" for name in SPAM_TAGS)
    names = [f"b{i}" for i in range(len(edges))]
    cases = []
    lower = None
    for name in names:
        # An age below the edge means created after (now - edge).
        cond = f"c.created_at > :{name}"
        if lower is not None:
            cond += f" AND c.created_at <= :{lower}"
        cases.append(f"SUM(CASE WHEN {cond} THEN 1 ELSE 0 END)")
        lower = name
    cases.append(f"SUM(CASE WHEN c.created_at <= :{names[-1]} THEN 1 ELSE 0 END)")
    hint = ""
    if conn.dialect.name == "sqlite":
        # A big backlog (the demo's) reads faster by a scan than row by row from the index.
        open_now = conn.execute(text(
            "SELECT count(*) FROM conversation WHERE status = 'open'")).scalar_one()
        total = conn.execute(text("SELECT max(id) FROM conversation")).scalar_one() or 0
        hint = " NOT INDEXED" if open_now * 10 > total else ""
    sql = f"""
    SELECT {", ".join(cases)} FROM conversation c{hint}
    WHERE c.status = 'open' AND c.automatic = :no
      AND c.id NOT IN (SELECT ct.conversation_id FROM conversationtag ct
                       JOIN tag t ON t.id = ct.tag_id WHERE lower(t.name) IN ({spam}))
    """
    params: dict[str, Any] = {"no": False}
    binds = [bindparam(name, type_=UTCDateTime()) for name in names]
    for name, edge in zip(names, edges, strict=True):
        params[name] = now - timedelta(seconds=edge)
    row = conn.execute(text(sql).bindparams(*binds), params).one()
    return [int(v or 0) for v in row]


def ratings(conn: Connection, d: Dialect, since: datetime, until: datetime) -> list[tuple[Any, ...]]:
    """Ratings received in [since, until), oldest first: (conversation id, rating, comment,
    rated_at, agent id, channel, customer name, day)."""
    sql = f"""
    SELECT r.conversation_id, r.rating, r.comment, r.rated_at AS rated_at, r.agent_id,
           c.channel, cu.name, {d.day('r.rated_at')}
    FROM csat_rating r JOIN conversation c ON c.id = r.conversation_id
    JOIN customer cu ON cu.id = c.customer_id
    WHERE r.rated_at >= :since AND r.rated_at < :until
    ORDER BY r.rated_at, r.id
    """
    params, binds = _params(since, until)
    statement = text(sql).bindparams(*binds).columns(rated_at=UTCDateTime())
    return [tuple(r) for r in conn.execute(statement, params)]


def agents(conn: Connection) -> dict[int, tuple[str, str]]:
    """Agent id to (login, display name)."""
    return {int(r[0]): (str(r[1]), str(r[2])) for r in conn.execute(text(
        "SELECT id, login, display_name FROM agent"))}


def conversation_ids(
    conn: Connection, d: Dialect, since: datetime, until: datetime, where: str,
    params: dict[str, Any], limit: int,
) -> list[int]:
    """Ids of the period's conversations that match `where` (over cohort columns `c.*`)."""
    sql = f"""
    WITH cohort AS ({_cohort(d)})
    SELECT c.id FROM cohort c WHERE {where} ORDER BY c.created_at DESC, c.id DESC LIMIT :limit
    """
    base, binds = _params(since, until, limit=limit, **params)
    return [int(r[0]) for r in conn.execute(text(sql).bindparams(*binds), base)]
