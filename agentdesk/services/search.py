"""Search (`/`): the query language of agentdesk.services.query over the store.

With words, the full-text index finds matching messages (FTS5 on SQLite, the stored
tsvector column and its GIN index of migration 0013 on PostgreSQL) and conversations are ranked by their best
message (bm25 / ts_rank). To stay fast when a word matches half the store, only the
newest `CANDIDATES` matching messages are ranked: the index hands them over in rowid
order and stops, so the cost does not grow with the number of matches (the result
says `capped` when that cut applied). Without words, conversations are filtered
directly and listed newest first.

Results come back as the inbox's ConversationRow, so the inbox pane shows them as is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, text
from sqlmodel import Session, col, select
from sqlmodel.sql.sqltypes import UTCDateTime

from agentdesk.clock import utcnow
from agentdesk.services.desk import Desk
from agentdesk.services.inbox import PAGE_SIZE, contact_points, row_of, undelivered
from agentdesk.services.query import (
    Filter,
    Query,
    QueryError,
    Term,
    fts5_expression,
    parse,
    prefix_of,
)
from agentdesk.services.tags import tags_of
from agentdesk.services.views import ConversationRow
from agentdesk.store.fts import PG_SEARCH_VECTOR
from agentdesk.store.models import Agent, Conversation, Customer, Status

#: How many of the newest matching messages are ranked (see the module docstring).
CANDIDATES = 3000
#: Filter-only searches count their matches up to this many.
COUNT_CAP = 1_000
#: bm25 column weights: subject, text, author.
BM25_WEIGHTS = (5.0, 1.0, 3.0)


def _pg_vector(alias: str) -> str:
    """The stored tsvector of the message `alias` (PostgreSQL; GIN-indexed, migration 0013)."""
    return f"{alias}.{PG_SEARCH_VECTOR}"


@dataclass(frozen=True)
class SearchPage:
    """One page of search results in rank order."""

    rows: list[ConversationRow]
    total: int
    """How many conversations matched (at most the candidates ranked, or COUNT_CAP)."""
    capped: bool
    """True when more matched than were ranked or counted: refine the query to see all."""
    next_offset: int | None
    """The offset of the next page, None on the last one."""


@dataclass(frozen=True)
class SavedSearch:
    """A named search from config, shown beside the built-in views."""

    name: str
    query: str


def saved_searches(raw: dict[str, Any]) -> list[SavedSearch]:
    """The `[searches]` table of the config file: `"Refunds" = "refund -status:closed"`."""
    table = raw.get("searches", {})
    if not isinstance(table, dict):
        return []
    return [SavedSearch(str(name), value) for name, value in table.items() if isinstance(value, str)]


class _Sql:
    """Collects SQL fragments and their bound parameters with unique names."""

    def __init__(self) -> None:
        self.params: dict[str, Any] = {}
        self.types: dict[str, Any] = {}

    def bind(self, value: Any, kind: Any = None) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        if kind is not None:
            self.types[name] = kind
        return f":{name}"

    def statement(self, sql: str) -> Any:
        clause = text(sql)
        binds = [bindparam(name, type_=self.types[name]) for name in self.types if f":{name}" in sql]
        return clause.bindparams(*binds) if binds else clause


_RELATIVE = re.compile(r"^(\d+)([dwh])$")


def parse_date(value: str, now: datetime, tz: tzinfo) -> datetime:
    """A before:/after: value as an aware UTC time: 2026-11-01, today, yesterday, 7d, 2w, 12h."""
    value = value.strip().lower()
    local_now = now.astimezone(tz)
    if value in {"today", "yesterday"}:
        day = local_now.date() - timedelta(days=1 if value == "yesterday" else 0)
        return datetime.combine(day, time(), tz).astimezone(now.tzinfo)
    match = _RELATIVE.match(value)
    if match:
        amount, unit = int(match.group(1)), match.group(2)
        delta = {"d": timedelta(days=amount), "w": timedelta(weeks=amount), "h": timedelta(hours=amount)}
        return now - delta[unit]
    for fmt in ("%Y-%m-%d", "%Y-%m", "%Y/%m/%d", "%d.%m.%Y"):
        try:
            parsed = datetime.strptime(value, fmt)
        except ValueError:
            continue
        return parsed.replace(tzinfo=tz).astimezone(now.tzinfo)
    raise QueryError(f"not a date: {value!r} (try 2026-11-01, today, 7d)")


def _filter_sql(sql: _Sql, flt: Filter, me: int, now: datetime, tz: tzinfo) -> tuple[str, bool]:
    """The SQL condition on conversation `c` for one filter; and whether it needs customer `cu`."""
    key, value = flt.key, flt.value
    needs_customer = False
    if key == "status" or (key == "is" and value in set(Status)):
        if value not in set(Status):
            raise QueryError(f"status:{value}: expected one of {', '.join(Status)}")
        condition = f"c.status = {sql.bind(value)}"
    elif key == "is" and value == "unassigned":
        condition = "c.assignee_id IS NULL"
    elif key == "is" and value == "mine":
        condition = f"COALESCE(c.assignee_id, 0) = {sql.bind(me)}"
    elif key == "is" and value == "vip":
        condition, needs_customer = "cu.vip", True
    elif key == "is":
        raise QueryError(f"is:{value}: expected unassigned, mine, vip or a status")
    elif key == "assignee":
        if value == "me":
            condition = f"COALESCE(c.assignee_id, 0) = {sql.bind(me)}"
        elif value in {"none", "nobody"}:
            condition = "c.assignee_id IS NULL"
        else:
            condition = (
                f"COALESCE(c.assignee_id, 0) IN (SELECT a.id FROM agent a WHERE a.login = {sql.bind(value)})"
            )
    elif key == "tag":
        condition = (
            # The tag's id is looked up once; each candidate is then one primary-key probe.
            "EXISTS (SELECT 1 FROM conversationtag ct WHERE ct.conversation_id = c.id "
            f"AND ct.tag_id = (SELECT t.id FROM tag t WHERE t.name = {sql.bind(value)}))"
        )
    elif key == "channel":
        bound = sql.bind(value)
        condition = f"(c.channel = {bound} OR COALESCE(c.network, '') = {bound})"
    elif key == "priority":
        condition = f"c.priority = {sql.bind(value)}"
    elif key == "id":  # id:12,40,51 - e.g. the conversations behind a report's row
        try:
            ids = sorted({int(part.lstrip("#")) for part in value.split(",") if part})
        except ValueError as error:
            raise QueryError(f"id:{value}: expected conversation numbers, e.g. id:12,40") from error
        condition = "c.id IN (" + ", ".join(sql.bind(i) for i in ids[:1000]) + ")" if ids else "0 = 1"
    elif key == "has":
        if value in {"attachment", "attachments", "file"}:
            condition = (
                "EXISTS (SELECT 1 FROM message am JOIN attachment a ON a.message_id = am.id "
                "WHERE am.conversation_id = c.id)"
            )
        elif value in {"note", "notes"}:
            condition = "EXISTS (SELECT 1 FROM message nm WHERE nm.conversation_id = c.id AND nm.direction = 'note')"
        else:
            raise QueryError(f"has:{value}: expected attachment or note")
    elif key in {"before", "after"}:
        at = sql.bind(parse_date(value, now, tz), UTCDateTime())
        condition = f"c.last_message_at {'<' if key == 'before' else '>='} {at}"
    elif key == "to":
        like = sql.bind(f"%{value.lower()}%")
        condition = (
            f"(LOWER(COALESCE(c.account, '')) = {sql.bind(value.lower())} OR EXISTS (SELECT 1 FROM contactpoint cp "
            f"WHERE cp.customer_id = c.customer_id AND LOWER(cp.address) LIKE {like}))"
        )
    else:  # pragma: no cover - the parser only produces the keys above
        raise QueryError(f"unknown operator {key}:")
    return (f"NOT ({condition})" if flt.negated else condition), needs_customer


def _pg_tsquery(sql: _Sql, terms: tuple[Term, ...]) -> str | None:
    """A tsquery for the any-column terms (PostgreSQL); field terms are matched by ILIKE."""
    parts: list[str] = []
    for term in terms:
        if term.field:
            continue
        stem = prefix_of(term)
        if stem is not None:  # refun* : every word as typed, the last one as a prefix
            words = re.findall(r"\w+", stem)
            query = f"to_tsquery('simple', {sql.bind(' <-> '.join(words) + ':*')})"
        else:
            function = "phraseto_tsquery" if term.phrase else "plainto_tsquery"
            query = f"{function}('simple', {sql.bind(term.text)})"
        parts.append(f"!!{query}" if term.negated else query)
    positive = [p for p in parts if not p.startswith("!!")]
    if not positive:
        return None
    return " && ".join(positive + [p for p in parts if p.startswith("!!")])


def _pg_field_conditions(sql: _Sql, terms: tuple[Term, ...], alias: str) -> list[str]:
    conditions = []
    for term in terms:
        if not term.field:
            continue
        column = (
            f"({alias}.author || ' ' || {alias}.author_address)" if term.field == "author" else f"{alias}.subject"
        )
        condition = f"{column} ILIKE {sql.bind('%' + term.text + '%')}"
        conditions.append(f"NOT ({condition})" if term.negated else condition)
    return conditions


def search(
    desk: Desk,
    query: str | Query,
    *,
    offset: int = 0,
    limit: int = PAGE_SIZE,
    tz: tzinfo | None = None,
    candidates: int = CANDIDATES,
) -> SearchPage:
    """One page of conversations matching `query`, best first (see the module docstring).

    Raises QueryError for a value the search cannot use (a bad date or status).
    """
    parsed = query if isinstance(query, Query) else parse(query)
    now = utcnow()
    tz = tz or ZoneInfo("UTC")
    sql = _Sql()
    with desk.store.session() as session:
        me = desk.agent_id(session)
        conditions: list[str] = []
        needs_customer = False
        for flt in parsed.filters:
            condition, customer = _filter_sql(sql, flt, me, now, tz)
            conditions.append(condition)
            needs_customer |= customer
        is_sqlite = desk.store.is_sqlite
        if is_sqlite:
            match = fts5_expression(parsed.terms)
            if match is None:
                for term in parsed.negative_terms:
                    conditions.append(
                        "c.id NOT IN (SELECT nm.conversation_id FROM message_fts CROSS JOIN message nm "
                        f"ON nm.id = message_fts.rowid WHERE message_fts MATCH {sql.bind(fts5_expression((Term(term.text, term.phrase, False, term.field),)))})"
                    )
        else:
            tsquery = _pg_tsquery(sql, parsed.terms)
            field_conditions = _pg_field_conditions(sql, parsed.terms, "m")
            has_positive_field = any(t.field and not t.negated for t in parsed.terms)
            match = tsquery or ("" if has_positive_field else None)
            if match is None:
                for term in parsed.negative_terms:
                    if term.field:
                        inner = _pg_field_conditions(sql, (Term(term.text, True, False, term.field),), "nm")[0]
                    else:
                        function = "phraseto_tsquery" if term.phrase else "plainto_tsquery"
                        inner = f"{_pg_vector('nm')} @@ {function}('simple', {sql.bind(term.text)})"
                    conditions.append(
                        f"NOT EXISTS (SELECT 1 FROM message nm WHERE nm.conversation_id = c.id AND {inner})"
                    )
        customer_join = " JOIN customer cu ON cu.id = c.customer_id" if needs_customer else ""
        where = " AND ".join(conditions) if conditions else "1=1"
        if match is not None:
            if is_sqlite:
                ranked = _sqlite_ranked(sql, match, where, customer_join, candidates)
            else:
                ranked = _pg_ranked(sql, tsquery, field_conditions, where, customer_join, candidates)
            order = _order(parsed.sort, relevance=True)
            grouped = session.execute(
                sql.statement(
                    "SELECT h.cid, MIN(h.score) AS best, MAX(h.sent_at) AS latest, MAX(h.urgency) AS urgency, "
                    f"MIN(h.sent_at) AS earliest, COUNT(*) AS hits FROM ({ranked}) AS h "
                    f"GROUP BY h.cid ORDER BY {order}"
                ),
                sql.params,
            ).all()
            hits = sum(int(row[5]) for row in grouped)
            ids = [int(row[0]) for row in grouped]
            total, capped = len(ids), hits >= candidates
            page_ids = ids[offset : offset + limit]
            more = offset + limit < total
        else:
            base = f"FROM conversation c{customer_join} WHERE {where}"
            order = _order(parsed.sort, relevance=False)
            page_ids = [
                int(row[0])
                for row in session.execute(
                    sql.statement(f"SELECT c.id {base} ORDER BY {order} LIMIT {limit + 1} OFFSET {offset}"),
                    sql.params,
                )
            ]
            more = len(page_ids) > limit
            page_ids = page_ids[:limit]
            total = session.execute(
                sql.statement(f"SELECT COUNT(*) FROM (SELECT 1 {base} LIMIT {COUNT_CAP + 1}) AS n"),
                sql.params,
            ).scalar_one()
            capped = total > COUNT_CAP
            total = min(total, COUNT_CAP)
        rows = _rows(session, page_ids)
    return SearchPage(rows=rows, total=int(total), capped=capped, next_offset=offset + limit if more else None)


def _sqlite_ranked(sql: _Sql, match: str, where: str, customer_join: str, candidates: int) -> str:
    """The newest `candidates` matching messages with their bm25 score (lower is better).

    CROSS JOIN pins the join order: SQLite walks the FTS index newest first and stops
    at the LIMIT, instead of scanning conversations and probing the index for each.
    """
    weights = ", ".join(str(w) for w in BM25_WEIGHTS)
    return (
        f"SELECT m.conversation_id AS cid, bm25(message_fts, {weights}) AS score, m.sent_at AS sent_at, "
        "c.urgency AS urgency FROM message_fts CROSS JOIN message m ON m.id = message_fts.rowid "
        f"CROSS JOIN conversation c ON c.id = m.conversation_id{customer_join} "
        f"WHERE message_fts MATCH {sql.bind(match)} AND {where} "
        f"ORDER BY message_fts.rowid DESC LIMIT {int(candidates)}"
    )


def _pg_ranked(
    sql: _Sql, tsquery: str | None, field_conditions: list[str], where: str, customer_join: str, candidates: int
) -> str:
    """PostgreSQL's counterpart: the GIN index finds, newest first; ts_rank scores only those.

    The score is negated so that, as with bm25, lower is better.
    """
    message_where = list(field_conditions)
    score = "0.0"
    if tsquery is not None:
        message_where.insert(0, f"{_pg_vector('m')} @@ ({tsquery})")
        score = f"-ts_rank({_pg_vector('mm')}, ({tsquery}))"
    return (
        f"SELECT r.cid AS cid, {score} AS score, r.sent_at AS sent_at, r.urgency AS urgency FROM ("
        "SELECT m.id AS mid, m.conversation_id AS cid, m.sent_at AS sent_at, c.urgency AS urgency "
        f"FROM message m JOIN conversation c ON c.id = m.conversation_id{customer_join} "
        f"WHERE {' AND '.join(message_where)} AND {where} ORDER BY m.id DESC LIMIT {int(candidates)}"
        ") AS r JOIN message mm ON mm.id = r.mid"
    )


def _order(sort: str | None, *, relevance: bool) -> str:
    """ORDER BY for ranked groups (`h`) or plain conversations (`c`)."""
    if relevance:
        return {
            "newest": "latest DESC, h.cid DESC",
            "oldest": "earliest ASC, h.cid ASC",
            "urgency": "urgency DESC, best ASC, h.cid DESC",
        }.get(sort or "", "best ASC, latest DESC, h.cid DESC")
    return {
        "oldest": "c.last_message_at ASC, c.id ASC",
        "urgency": "c.urgency DESC, c.last_message_at DESC, c.id DESC",
    }.get(sort or "", "c.last_message_at DESC, c.id DESC")


def _rows(session: Session, ids: list[int]) -> list[ConversationRow]:
    """Inbox rows for `ids`, in that order."""
    if not ids:
        return []
    results = session.exec(
        select(Conversation, Customer.name, Agent.login)
        .join(Customer, col(Customer.id) == Conversation.customer_id)
        .outerjoin(Agent, col(Agent.id) == Conversation.assignee_id)
        .where(col(Conversation.id).in_(ids))
    ).all()
    contacts = contact_points(session, {conv.customer_id for conv, _, _ in results})
    tags = tags_of(session, ids)
    failed = undelivered(session, ids)
    by_id = {
        conv.id: row_of(conv, name, login, contacts[conv.customer_id], tags.get(conv.id or 0, ()),
                        undelivered=conv.id in failed)
        for conv, name, login in results
    }
    return [by_id[i] for i in ids if i in by_id]


__all__ = ["SavedSearch", "SearchPage", "QueryError", "parse", "saved_searches", "search"]
