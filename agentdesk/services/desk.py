"""The Desk: a store plus the agent working it, handed to every service call."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, select

from agentdesk.config import AgentSettings, Settings
from agentdesk.store import Store
from agentdesk.store.models import Agent, Meta


@dataclass
class Desk:
    """Who works on which store. Cheap to pass around; holds no session."""

    store: Store
    agent: AgentSettings
    mail_domains: dict[str, str] = field(default_factory=dict)
    """Mail account name -> the domain of its address: a reply gets its Message-ID
    (on that domain) the moment it is queued, so threading never waits for SMTP."""

    @classmethod
    def for_settings(cls, store: Store, settings: Settings) -> Desk:
        """The desk of the configured agent, knowing the mail accounts' domains."""
        domains: dict[str, str] = {}
        accounts = settings.raw.get("accounts", [])
        for account in accounts if isinstance(accounts, list) else []:
            if isinstance(account, dict):
                name, address = account.get("name"), account.get("address")
                if isinstance(name, str) and isinstance(address, str) and "@" in address:
                    domains[name] = address.rsplit("@", 1)[1]
        return cls(store, settings.agent, domains)

    def agent_id(self, session: Session) -> int:
        """The current agent's row id, creating the row on first use."""
        return ensure_agent(session, self.agent.login, self.agent.name)

    def is_demo(self) -> bool:
        """Whether the store was written by `agentdesk demo` (replies deliver locally)."""
        with self.store.session() as session:
            meta = session.get(Meta, "demo")
            return meta is not None and meta.value == "1"


def ensure_agent(session: Session, login: str, name: str | None = None) -> int:
    """The id of the agent with this login; the row is created when missing.

    Two workers (or two consoles) may ask for a new agent at once: the insert skips a
    row that appeared meanwhile (ON CONFLICT DO NOTHING, SQLite and PostgreSQL alike)
    instead of failing on the unique login.
    """
    agent_id = session.exec(select(Agent.id).where(Agent.login == login)).first()
    if agent_id is None:
        from sqlalchemy.dialects import postgresql, sqlite

        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        session.execute(
            insert(Agent)
            .values(login=login, display_name=name or login, role="agent")
            .on_conflict_do_nothing(index_elements=["login"])
        )
        agent_id = session.exec(select(Agent.id).where(Agent.login == login)).one()
    assert agent_id is not None
    return agent_id
