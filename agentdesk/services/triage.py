"""The triage settings of a run, and the periodic tick that keeps the desk current.

`TriageSettings.from_config` reads every triage section of the config once (SLA
targets and business hours, urgency word lists, saved searches, the knowledge base,
the agent's time zone) and installs the process-wide parts (SLA policy, word lists).
`tick` is what the TUI and the poller run every minute: wake snoozes and silent
follow-ups, re-score urgency, and list conversations about to breach their SLA.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import or_
from sqlmodel import col, select

from agentdesk.clock import utcnow
from agentdesk.config import AgentSettings, ConfigError
from agentdesk.services import sla, snooze, urgency
from agentdesk.services.desk import Desk
from agentdesk.services.kb import KnowledgeBase
from agentdesk.services.search import SavedSearch, saved_searches
from agentdesk.services.sla import SlaPolicy
from agentdesk.services.timeparse import TimeParseError, parse_duration
from agentdesk.services.urgency import WordLists
from agentdesk.store import Store
from agentdesk.store.models import Agent, Conversation, Status

log = logging.getLogger(__name__)
#: Who the audit log names for upkeep done by the poller.
SYSTEM_LOGIN = "agentdesk"


DEFAULT_FOLLOW_UP = timedelta(days=3)


def local_zone() -> tzinfo:
    """The machine's time zone (what "tomorrow 9:00" means when the config says nothing)."""
    zone = datetime.now().astimezone().tzinfo
    assert zone is not None
    return zone


@dataclass(frozen=True)
class TriageSettings:
    """What the triage features read from the config file."""

    tz: tzinfo = field(default_factory=local_zone)
    sla: SlaPolicy = field(default_factory=SlaPolicy)
    words: WordLists = field(default_factory=WordLists)
    searches: list[SavedSearch] = field(default_factory=list)
    kb: KnowledgeBase | None = None
    follow_up: timedelta | None = DEFAULT_FOLLOW_UP
    """"Send, then pending" brings the conversation back after this long without an answer."""

    @classmethod
    def from_config(cls, raw: dict[str, Any], file: Path | str | None = None) -> TriageSettings:
        """Read `[agent] timezone`, `[sla]`, `[urgency]`, `[searches]`, `[kb]` and
        `[workflow] follow_up` ("3d"; "0" for none)."""
        agent = raw.get("agent", {})
        name = agent.get("timezone") if isinstance(agent, dict) else None
        try:
            tz = ZoneInfo(str(name)) if name else local_zone()
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ConfigError("agent.timezone", file, f"unknown time zone {name!r}") from error
        workflow = raw.get("workflow", {})
        follow = workflow.get("follow_up", "3d") if isinstance(workflow, dict) else "3d"
        try:
            follow_up = parse_duration(follow) if str(follow) not in {"0", ""} else None
        except TimeParseError as error:
            raise ConfigError("workflow.follow_up", file, str(error)) from error
        return cls(
            follow_up=follow_up,
            tz=tz,
            sla=SlaPolicy.from_config(raw, file),
            words=WordLists.from_config(raw),
            searches=saved_searches(raw),
            kb=KnowledgeBase.from_config(raw),
        )

    def install(self) -> None:
        """Make the SLA policy and word lists the ones this process uses."""
        sla.configure(self.sla)
        urgency.configure(self.words)


@dataclass(frozen=True)
class Approaching:
    """A conversation whose SLA is about to breach."""

    id: int
    title: str
    due: datetime


@dataclass(frozen=True)
class TickResult:
    woken: list[int]
    rescored: int
    approaching: list[Approaching]


def approaching(desk: Desk, within: timedelta | None = None, limit: int = 50) -> list[Approaching]:
    """Open conversations, mine or unassigned, due within `within` and not yet breached."""
    now = utcnow()
    horizon = now + (within or sla.policy().warn_before)
    with desk.store.session() as session:
        # Read-only: this runs beside the inbox's first load, which creates the agent row.
        me = session.exec(select(Agent.id).where(Agent.login == desk.agent.login)).first() or 0
        rows = session.exec(
            select(Conversation)
            .where(
                Conversation.status == Status.OPEN,
                col(Conversation.sort_due) > now,
                col(Conversation.sort_due) <= horizon,
                col(Conversation.sla_due_at).is_not(None),
                or_(col(Conversation.assignee_id).is_(None), Conversation.assignee_id == me),
            )
            .order_by(col(Conversation.sort_due))
            .limit(limit)
        ).all()
        return [Approaching(c.id or 0, c.subject or c.preview, c.sort_due) for c in rows]


def tick(desk: Desk, rescore_limit: int = 200) -> TickResult:
    """One round of upkeep (see the module docstring); cheap enough to run every minute."""
    woken = snooze.wake(desk)
    rescored = urgency.refresh(desk, limit=rescore_limit)
    return TickResult(woken, rescored, approaching(desk))


class Upkeep:
    """`tick` at most once a minute, for a loop that runs anyway (the poller's).

    Failures are logged and retried at the next minute: upkeep never stops polling.
    """

    def __init__(self, store: Store, every: float = 60.0) -> None:
        self.desk = Desk(store, AgentSettings(login=SYSTEM_LOGIN, name=SYSTEM_LOGIN))
        self.every = every
        self._next = 0.0

    def maybe_run(self) -> TickResult | None:
        now = time.monotonic()
        if now < self._next:
            return None
        self._next = now + self.every
        try:
            return tick(self.desk)
        except Exception as error:  # a busy or unreachable store: next minute
            log.warning("triage upkeep failed: %s", error)
            return None
