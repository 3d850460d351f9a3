"""The team: who the agents are (OS login, display name) and what role each has.

Roles decide what an agent may do elsewhere (a trainee's replies wait for a lead's
approval); here they are only stored and listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlmodel import Session, col, select

from agentdesk.services.desk import Desk
from agentdesk.store import Store
from agentdesk.store.models import Agent
from agentdesk.text import one_line


class Role(StrEnum):
    LEAD = "lead"
    AGENT = "agent"
    TRAINEE = "trainee"


class UnknownAgent(LookupError):
    """No agent has that login."""


@dataclass(frozen=True)
class AgentView:
    """One agent of the team."""

    id: int
    login: str
    display_name: str
    role: str


def _view(agent: Agent) -> AgentView:
    assert agent.id is not None
    return AgentView(agent.id, agent.login, agent.display_name, agent.role)


def find(session: Session, login: str) -> Agent:
    """The agent row with this login, or UnknownAgent."""
    agent = session.exec(select(Agent).where(Agent.login == login)).first()
    if agent is None:
        raise UnknownAgent(f"no agent with login {login!r} (add one with `agentdesk agents add`)")
    return agent


def list_agents(store: Store) -> list[AgentView]:
    """Every agent, by login."""
    with store.session() as session:
        return [_view(a) for a in session.exec(select(Agent).order_by(col(Agent.login)))]


def add(store: Store, login: str, display_name: str | None = None, role: Role = Role.AGENT) -> AgentView:
    """Add an agent, or update the name and role of an existing one (idempotent)."""
    login = login.strip()
    if not login or login != one_line(login) or " " in login:
        raise ValueError(f"not a login name: {login!r}")
    with store.session() as session:
        agent = session.exec(select(Agent).where(Agent.login == login)).first()
        if agent is None:
            agent = Agent(login=login, display_name=one_line(display_name) or login, role=role)
            session.add(agent)
        else:
            if display_name:
                agent.display_name = one_line(display_name)
            agent.role = role
        session.flush()
        return _view(agent)


def set_role(store: Store, login: str, role: Role) -> AgentView:
    """Change an existing agent's role."""
    with store.session() as session:
        agent = find(session, login)
        agent.role = role
        session.flush()
        return _view(agent)


def me(desk: Desk) -> AgentView:
    """The current agent (the row is created on first use, as role agent)."""
    with desk.store.session() as session:
        agent = session.get(Agent, desk.agent_id(session))
        assert agent is not None
        return _view(agent)
