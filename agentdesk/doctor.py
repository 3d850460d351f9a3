"""`agentdesk doctor`: what is wrong with this set-up, and what to type to fix it.

Each check returns Findings (ok, warn or fail) with a fix in words a shop owner can
follow. The checks read; they never change the store (opening it does not migrate).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlmodel import col, select

from agentdesk.clock import utcnow
from agentdesk.config import ConfigError, Settings, system_config_path
from agentdesk.sharing import SQLITE_SUFFIXES, SharingError, mode_problems
from agentdesk.store import Store
from agentdesk.store.engine import alembic_config
from agentdesk.store.models import Agent, PollerLease


class Level(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "FAIL"


@dataclass(frozen=True)
class Finding:
    level: Level
    check: str
    detail: str
    fix: str = ""


def check_config(load: object) -> tuple[list[Finding], Settings | None]:
    """Whether the system and personal config files parse; `load` is load_settings."""
    system = system_config_path()
    findings = []
    try:
        settings = load()  # type: ignore[operator]
    except ConfigError as error:
        return [Finding(Level.FAIL, "config", str(error), "correct that key in that file")], None
    assert isinstance(settings, Settings)
    if settings.system_file:
        findings.append(Finding(Level.OK, "config", f"system file {settings.system_file}"))
    elif system.exists() and not os.access(system, os.R_OK):
        findings.append(
            Finding(Level.FAIL, "config", f"cannot read {system}",
                    "add yourself to the team group (it is mode 640), then log in again")
        )
    else:
        findings.append(Finding(Level.OK, "config", f"no system file ({system}): a personal set-up"))
    if settings.file:
        findings.append(Finding(Level.OK, "config", f"personal file {settings.file}"))
    return findings, settings


def check_permissions(db_url: str, settings: Settings, team_folder: Path | None) -> list[Finding]:
    """On a shared server: the store's folder and files, and the team templates."""
    url = make_url(db_url)
    if not url.drivername.startswith("sqlite") or not url.database:
        return [Finding(Level.OK, "permissions", "store is a database server: no files to share")]
    db = Path(url.database)
    shared = settings.raw.get("shared", {})
    group = shared.get("group") if isinstance(shared, dict) else None
    if not group:
        return [Finding(Level.OK, "permissions", f"personal store {db} (no [shared] group)")]
    fix = f"as root: agentdesk init --shared --group {group} --path {db.parent}"
    findings = []
    try:
        problems = mode_problems(db.parent, [Path(f"{db}{s}") for s in SQLITE_SUFFIXES], group)
        if team_folder is not None:
            problems += mode_problems(team_folder, [], group)
    except SharingError as error:
        return [Finding(Level.FAIL, "permissions", str(error))]
    for problem in problems:
        findings.append(Finding(Level.FAIL, "permissions", f"{problem.path}: {problem.problem}", fix))
    if db.exists() and not os.access(db, os.R_OK | os.W_OK):
        findings.append(
            Finding(Level.FAIL, "permissions", f"you cannot write {db}",
                    f"ask root to run: usermod -aG {group} $USER (then log in again)")
        )
    if not findings:
        findings.append(Finding(Level.OK, "permissions", f"{db.parent} shared with group {group} only"))
    return findings


def check_schema(store: Store) -> list[Finding]:
    """Whether the store's migrations match this agentdesk's."""
    from alembic.runtime.migration import MigrationContext  # imported here: every command loads this module
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory.from_config(alembic_config(store.engine)).get_heads())
    with store.engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    if current == heads:
        return [Finding(Level.OK, "schema", f"up to date ({', '.join(sorted(heads))})")]
    unknown = current - set(_all_revisions(store))
    if unknown:
        return [
            Finding(Level.FAIL, "schema", f"store has revisions this agentdesk does not know: {sorted(unknown)}",
                    "upgrade agentdesk on this machine to the version the team uses")
        ]
    missing = sorted(heads - current)
    return [
        Finding(Level.WARN, "schema", f"store is behind: {missing} not applied",
                "run any agentdesk command (e.g. `agentdesk agents list`) as a member of the team group")
    ]


def _all_revisions(store: Store) -> list[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(store.engine))
    return [rev.revision for rev in script.walk_revisions()]


def check_leases(store: Store) -> list[Finding]:
    """Whether a poller service holds each account's lease."""
    now = utcnow()
    with store.session() as session:
        leases = session.exec(select(PollerLease).order_by(col(PollerLease.account))).all()
    if not leases:
        return [
            Finding(Level.WARN, "poller", "no poller lease: each open console polls mail itself",
                    "on a team server run `agentdesk poll` as a service (docs/TEAM.md)")
        ]
    findings = []
    for lease in leases:
        if lease.expires_at > now:
            findings.append(Finding(Level.OK, "poller", f"{lease.account}: polled by {lease.holder}"))
        else:
            findings.append(
                Finding(Level.WARN, "poller",
                        f"{lease.account}: lease of {lease.holder} expired {lease.expires_at:%Y-%m-%d %H:%M} UTC",
                        "the poller stopped: `systemctl status agentdesk-poll`, then restart it")
            )
    return findings


def check_agent(store: Store, login: str) -> list[Finding]:
    """Whether the current OS login is a known agent."""
    with store.session() as session:
        agent = session.exec(select(Agent).where(Agent.login == login)).first()
    if agent is None:
        return [
            Finding(Level.WARN, "agent", f"{login} is not in the team yet (added as agent on first use)",
                    f"a lead can run: agentdesk agents add {login} --name 'Your Name' --role agent")
        ]
    return [Finding(Level.OK, "agent", f"{login} ({agent.display_name}) is {agent.role}")]
