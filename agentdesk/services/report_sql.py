"""The queries behind agentdesk.services.reports, on SQLite and PostgreSQL.

Each function runs one statement and returns plain tuples. The database does the
heavy part: it reads the period's conversations as one range of the covering index
`ix_conversation_report`, finds each one's first close with one seek into
`ix_event_conversation_action` (and walks the status changes of the few that may have
been reopened with a window function: closes, reopens and the time spent closed in
between), counts replies in `ix_message_conversation_direction` without reading a
single message row, and sums it all per (day, channel, assignee). What comes back is a
few hundred rows however long the period, durations joined into one string per row.
Definitions: docs/REPORTS.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection
from sqlmodel.sql.sqltypes import UTCDateTime

from agentdesk.services.csat import SATISFIED

#: Tag names that mark a conversation as spam: spam is left out of every measure.
SPAM_TAGS = ("spam",)

#: How much of a SQLite store a report's connection maps into memory (see `prepare`).
SQLITE_MMAP_BYTES = 1 << 30

#: Seconds a conversation may stay closed and still count as "not reopened" for FCR.
FCR_WINDOW = 7 * 86400


@dataclass(frozen=True)
class Dialect:
    """The few SQL spellings that differ between SQLite and PostgreSQL."""

    name: str

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

    def concat(self, column: str) -> str:
        """The group's non-NULL values of a number column, joined by commas."""
        if self.name == "sqlite":
            return f"group_concat({column}, ',')"
        return f"string_agg(CAST({column} AS TEXT), ',')"

    @property
    def false(self) -> str:
        return "0" if self.name == "sqlite" else "false"

    @property
    def outer_first(self) -> str:
        """A join that makes SQLite loop over the left side (the period's few conversations)
        and seek the message index, instead of scanning the whole index."""
        return "CROSS JOIN" if self.name == "sqlite" else "JOIN"


def _cohort(d: Dialect) -> str:
    """The period's conversations: created in [since, until), not automatic, not spam.

    Every column read here is in `ix_conversation_report` (migration 0008), so the period
    is one range of that index and no conversation row is touched.
    """
    spam = ", ".join(f"'{name}'" for name in SPAM_TAGS)
    return f"""
    SELECT c.id, c.channel, c.assignee_id, c.status, c.created_at, c.first_response_at,
           c.closed_at, c.first_due_at
    FROM conversation c
    WHERE c.created_at >= :since AND c.created_at < :until AND c.automatic = {d.false}
      AND c.id NOT IN (SELECT ct.conversation_id FROM conversationtag ct
                       JOIN tag t ON t.id = ct.tag_id WHERE lower(t.name) IN ({spam}))
    """


def _measured_sql(
    d: Dialect, targets: dict[str, float], default: float, with_replies: bool, tagged_only: bool,
) -> str:
    """The CTEs up to `measured`: one row per conversation of the period with every
    per-conversation measure (flags 0/1, durations in whole seconds).

    Without `with_replies` the reply count is 0: the period before only needs its
    headline, which counts no replies, so it skips one index seek per conversation.
    `tagged_only` keeps the conversations that carry a tag (for the tag breakdown).
    """
    target_case = _target_case(targets, default)
    closed = "'status:closed'"
    reopen = f"action <> {closed} AND prev_action = {closed}"
    replies = ("""(SELECT COUNT(*) FROM message m
                WHERE m.conversation_id = conv.id AND m.direction = 'out')"""
               if with_replies else "0")
    # EXISTS, not IN: SQLite would drive the cohort from an IN list of ids, reading every
    # tagged conversation's row instead of the period's range of the covering index.
    tagged = (" AND EXISTS (SELECT 1 FROM conversationtag ct WHERE ct.conversation_id = c.id)"
              if tagged_only else "")
    status = (  # "status:*", and "snooze" (which can reopen a closed one too): one index
        # range from 'snooze' to 'status;', then the exact test
        "e.action >= 'snooze' AND e.action < 'status;' AND (e.action = 'snooze' OR e.action >= 'status:')")
    return f"""
    WITH cohort AS ({_cohort(d)}{tagged}),
    -- The first close is one seek into the event index. Only a conversation with a status
    -- change at or after it can have been reopened (a reopen follows a close), and only
    -- those few go through the window over their status changes.
    closed_once AS MATERIALIZED (
        SELECT cohort.*, {d.epoch('cohort.created_at')} AS created_epoch,
               (SELECT MIN(e.at) FROM event e
                WHERE e.conversation_id = cohort.id AND e.action = {closed}) AS first_closed_at
        FROM cohort
    ),
    maybe_reopened AS (
        SELECT id FROM closed_once c
        WHERE c.first_closed_at IS NOT NULL AND EXISTS (
            SELECT 1 FROM event e WHERE e.conversation_id = c.id AND {status}
              AND e.action <> {closed} AND e.at >= c.first_closed_at)
    ),
    status_events AS (
        SELECT e.conversation_id AS cid, e.action, e.at,
               LAG(e.action) OVER w AS prev_action, LAG(e.at) OVER w AS prev_at
        FROM maybe_reopened r {d.outer_first} event e ON e.conversation_id = r.id
        WHERE {status}
        WINDOW w AS (PARTITION BY e.conversation_id ORDER BY e.at, e.id)
    ),
    reopens AS (
        SELECT cid,
               SUM(CASE WHEN {reopen} THEN {d.epoch('at')} - {d.epoch('prev_at')} ELSE 0 END)
                   AS closed_gap,
               MIN(CASE WHEN {reopen} THEN at END) AS first_reopen
        FROM status_events GROUP BY cid
    ),
    conv AS (
        SELECT c.id, c.channel, c.assignee_id, c.status, c.created_at, c.created_epoch,
               c.first_response_at, c.closed_at, c.first_due_at,
               COALESCE(c.first_closed_at, c.closed_at) AS first_close,
               COALESCE(reopens.closed_gap, 0) AS closed_gap, reopens.first_reopen
        FROM closed_once c LEFT JOIN reopens ON reopens.cid = c.id
    ),
    -- MATERIALIZED: each row is read by several sums; inlined, its seeks would run again.
    measured AS MATERIALIZED (
        SELECT conv.id, conv.channel, conv.assignee_id, conv.status,
               {d.day('conv.created_at')} AS day,
               {d.seconds(f"{d.epoch('conv.first_response_at')} - conv.created_epoch")} AS frt,
               -- Only an unanswered one's wait so far matters (to SLA breaches).
               CASE WHEN conv.first_response_at IS NULL THEN
                   {d.seconds(":now_epoch - conv.created_epoch")} END AS age,
               CASE WHEN conv.status = 'closed' AND conv.closed_at IS NOT NULL THEN {d.seconds(
                   f"{d.epoch('conv.closed_at')} - conv.created_epoch - conv.closed_gap")}
               END AS resolution,
               CASE WHEN conv.first_close IS NOT NULL THEN 1 ELSE 0 END AS ever_closed,
               CASE WHEN conv.first_reopen IS NOT NULL THEN 1 ELSE 0 END AS reopened,
               CASE WHEN conv.first_reopen IS NOT NULL AND {d.epoch('conv.first_reopen')}
                         - {d.epoch('conv.first_close')} <= {FCR_WINDOW} THEN 1 ELSE 0 END
                   AS reopened_soon,
               -- The first answer's due time as fixed on arrival (business hours and
               -- all), else (older conversations) the channel's configured target.
               COALESCE({d.seconds(f"{d.epoch('conv.first_due_at')} - conv.created_epoch")},
                        {target_case}) AS target,
               -- One seek each into the covering reply index, no message row read; the
               -- replies before the first close only matter (to FCR) once it was closed.
               {replies} AS replies,
               CASE WHEN conv.first_close IS NOT NULL THEN
                   (SELECT COUNT(*) FROM message m
                    WHERE m.conversation_id = conv.id AND m.direction = 'out'
                      AND m.sent_at <= conv.first_close)
               END AS before_close
        FROM conv
    )
"""


def _sums(d: Dialect) -> str:
    """The columns of `Sums` over a group of `measured` rows."""
    return f"""
    COUNT(*),
    SUM(CASE WHEN frt <= target THEN 1 ELSE 0 END),
    SUM(CASE WHEN frt > target OR (frt IS NULL AND status <> 'closed' AND age > target)
             THEN 1 ELSE 0 END),
    SUM(ever_closed), SUM(reopened),
    SUM(CASE WHEN ever_closed = 1 AND before_close >= 1 THEN 1 ELSE 0 END),
    SUM(CASE WHEN ever_closed = 1 AND before_close = 1 AND reopened_soon = 0 THEN 1 ELSE 0 END),
    SUM(replies),
    {d.concat('frt')}, {d.concat('resolution')}
    """


def _target_case(targets: dict[str, float], default: float) -> str:
    """The first-response target of `channel` in seconds, as a CASE over channel names."""
    arms = " ".join(
        f"WHEN '{name.replace(chr(39), chr(39) * 2)}' THEN {float(seconds)!r}"
        for name, seconds in targets.items()
    )
    return f"CASE conv.channel {arms} ELSE {float(default)!r} END"


class Sums(NamedTuple):
    """The measures of a group of the period's conversations, summed by the database.

    The durations come as the group's values joined by commas (whole seconds, in no
    order): percentiles need every value, and one string per group crosses from the
    database far cheaper than one row per conversation.
    """

    conversations: int
    within_target: int
    """Answered within the channel's first-response target."""
    breaches: int
    """Answered late, or unanswered (and not closed) past the target already."""
    closed: int
    """Closed at least once."""
    reopened: int
    """Reopened at least once after a close."""
    fcr_eligible: int
    """Closed at least once with at least one reply before the first close."""
    fcr: int
    """Closed after exactly one reply and not reopened within FCR_WINDOW."""
    replies: int
    first_responses: str | None
    """Created to first agent reply, of the answered ones."""
    resolutions: str | None
    """Time spent not closed, of those closed now."""


class Cell(NamedTuple):
    """The period's conversations of one day, channel and assignee, and their sums."""

    day: str
    channel: str
    assignee_id: int | None
    sums: Sums


def prepare(conn: Connection) -> None:
    """Make `conn` ready for a report's reads.

    On SQLite it reads the store through a memory map from now on: a report seeks the
    message and event indexes once or twice per conversation of the period (tens of
    thousands of times), and through SQLite's small page cache most of those seeks
    cost a read() call, ~40% of the report's time. The setting stays with the pooled
    connection, which only makes its later reads cheaper too.
    """
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"PRAGMA mmap_size = {SQLITE_MMAP_BYTES}")


def _params(since: datetime, until: datetime, **extra: Any) -> tuple[dict[str, Any], list[Any]]:
    binds = [bindparam("since", type_=UTCDateTime()), bindparam("until", type_=UTCDateTime())]
    return {"since": since, "until": until, **extra}, binds


def cells(
    conn: Connection, d: Dialect, since: datetime, until: datetime, now: datetime,
    targets: dict[str, float], default_target: float, *, headline_only: bool = False,
) -> list[Cell]:
    """The period's conversations summed by (day, channel, assignee): a few hundred rows
    from which every headline and breakdown but the tags' is added up.

    `targets` maps a channel to its first-response target in seconds; other channels get
    `default_target`. `headline_only` (the period before) sums everything in one cell
    (day and channel '', no assignee) and counts no replies (`Sums.replies` is 0): the
    headline needs neither, and both cost a pass over the period's rows.
    """
    params, binds = _params(since, until, now_epoch=now.timestamp())
    measured = _measured_sql(
        d, targets, default_target, with_replies=not headline_only, tagged_only=False)
    if headline_only:
        sql = f"{measured} SELECT '', '', NULL, {_sums(d)} FROM measured"
    else:
        sql = f"""{measured}
        SELECT day, channel, assignee_id, {_sums(d)}
        FROM measured GROUP BY day, channel, assignee_id
        """
    # An empty period still gives the one-cell query a row (a count of 0, no sums).
    return [Cell(row[0], row[1], row[2], Sums._make(row[3:]))
            for row in conn.execute(text(sql).bindparams(*binds), params) if row[3]]


def middle(conn: Connection, since: datetime, until: datetime) -> datetime | None:
    """The creation time that splits [since, until)'s conversations into two halves of
    about the same size (None when there are none), so two connections can share the
    work of one period: a few thousand entries of the report index, a millisecond or two."""
    sql = """
    SELECT created_at FROM conversation
    WHERE created_at >= :since AND created_at < :until
    ORDER BY created_at
    LIMIT 1 OFFSET (SELECT COUNT(*) / 2 FROM conversation
                    WHERE created_at >= :since AND created_at < :until)
    """
    params, binds = _params(since, until)
    statement = text(sql).bindparams(*binds).columns(created_at=UTCDateTime())
    return conn.execute(statement, params).scalar_one_or_none()


def tag_sums(
    conn: Connection, d: Dialect, since: datetime, until: datetime, now: datetime,
    targets: dict[str, float], default_target: float,
) -> list[tuple[str, Sums]]:
    """(tag name, sums) over the period's tagged conversations, one row per tag."""
    params, binds = _params(since, until, now_epoch=now.timestamp())
    sql = f"""{_measured_sql(d, targets, default_target, True, tagged_only=True)}
    SELECT t.name, {_sums(d)}
    FROM measured JOIN conversationtag ct ON ct.conversation_id = measured.id
    JOIN tag t ON t.id = ct.tag_id
    GROUP BY t.name
    """
    return [(str(row[0]), Sums._make(row[1:]))
            for row in conn.execute(text(sql).bindparams(*binds), params)]


def longest_wait(
    conn: Connection, d: Dialect, since: datetime, until: datetime, now: datetime,
) -> tuple[int, float, bool] | None:
    """(conversation id, seconds, still waiting) of the period's longest first-response
    wait: answered ones by their first response, unanswered open ones by their age so
    far (a closed, unanswered one needed no answer). The earliest created wins a tie."""
    frt = d.seconds(f"{d.epoch('c.first_response_at')} - {d.epoch('c.created_at')}")
    age = d.seconds(f":now_epoch - {d.epoch('c.created_at')}")
    sql = f"""
    WITH cohort AS ({_cohort(d)})
    SELECT id, wait, waiting FROM (
        SELECT c.id, c.created_at,
               CASE WHEN c.first_response_at IS NOT NULL THEN {frt} ELSE {age} END AS wait,
               CASE WHEN c.first_response_at IS NULL THEN 1 ELSE 0 END AS waiting
        FROM cohort c WHERE c.first_response_at IS NOT NULL OR c.status <> 'closed'
    ) w
    ORDER BY wait DESC, created_at, id LIMIT 1
    """
    params, binds = _params(since, until, now_epoch=now.timestamp())
    row = conn.execute(text(sql).bindparams(*binds), params).first()
    return None if row is None else (int(row[0]), float(row[1]), bool(row[2]))


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
    # SQLite would pick a status index and read every open conversation's row; the
    # covering report index, read whole, holds every column asked for and is ~4x smaller.
    hint = " INDEXED BY ix_conversation_report" if conn.dialect.name == "sqlite" else ""
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


def rating_counts(conn: Connection, since: datetime, until: datetime) -> tuple[int, int]:
    """(ratings, satisfied ratings) received in [since, until): all the period before needs."""
    satisfied = ", ".join(str(int(rating)) for rating in sorted(SATISFIED))
    sql = f"""
    SELECT COUNT(*), COALESCE(SUM(CASE WHEN rating IN ({satisfied}) THEN 1 ELSE 0 END), 0)
    FROM csat_rating WHERE rated_at >= :since AND rated_at < :until
    """
    params, binds = _params(since, until)
    row = conn.execute(text(sql).bindparams(*binds), params).one()
    return int(row[0]), int(row[1])


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
