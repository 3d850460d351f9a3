"""Typed settings and where files live.

Settings come from a TOML file: `--config FILE`, else `$AGENTDESK_CONFIG`, else
`config.toml` in the platform's config dir (if it exists). Every error names the
key and the file, so a user can fix it without reading code.
"""

from __future__ import annotations

import getpass
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

APP_NAME = "agentdesk"


class ConfigError(Exception):
    """A setting is wrong; the message names the key and the file."""

    def __init__(self, key: str, file: Path | str | None, problem: str) -> None:
        where = f" in {file}" if file else ""
        super().__init__(f"config error{where}: {key}: {problem}")
        self.key = key
        self.file = file


def data_dir() -> Path:
    """Where the store lives when no `--db` is given."""
    return Path(platformdirs.user_data_dir(APP_NAME))


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME))


def default_db_path() -> Path:
    return data_dir() / "agentdesk.db"


def current_login() -> str:
    """The OS login name: who the current agent is unless the config says otherwise."""
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry (containers)
        return os.environ.get("USER", "agent")


@dataclass(frozen=True)
class AgentSettings:
    """Who is at the keyboard."""

    login: str
    """The agent's login name (the OS login unless `[agent] login` says otherwise)."""
    name: str
    """The name customers see in signatures."""


@dataclass(frozen=True)
class Settings:
    """Everything a run of agentdesk is configured with."""

    agent: AgentSettings
    file: Path | None = None
    """The config file these settings were read from, if any."""
    db: str | None = None
    """`[store] path` or `url` from the file; the CLI's `--db` wins over it."""
    raw: dict[str, Any] = field(default_factory=dict)
    """The whole parsed file, for the sections other modules read (accounts, sla, ...)."""
    system_file: Path | None = None
    """The system-wide file read under the personal one (a shared server), if any."""


def _expect(table: dict[str, Any], key: str, kind: type, file: Path | None, prefix: str) -> Any:
    value = table.get(key)
    if value is not None and not isinstance(value, kind):
        raise ConfigError(f"{prefix}{key}", file, f"expected {kind.__name__}, got {value!r}")
    return value


def config_path(explicit: str | Path | None = None) -> Path | None:
    """The config file to read: explicit, `$AGENTDESK_CONFIG`, or the default if present."""
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get("AGENTDESK_CONFIG")
    if env:
        return Path(env).expanduser()
    default = config_dir() / "config.toml"
    return default if default.exists() else None


def system_config_path() -> Path:
    """The team's file on a shared server: `$AGENTDESK_SYSTEM_CONFIG` or /etc/agentdesk."""
    return Path(os.environ.get("AGENTDESK_SYSTEM_CONFIG") or "/etc/agentdesk/config.toml")


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError("(syntax)", path, str(error)) from error
    except OSError as error:
        raise ConfigError("(file)", path, error.strerror or str(error)) from error


def _merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """`top` over `base`: tables merge key by key, any other value of `top` wins."""
    merged = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_settings(explicit: str | Path | None = None) -> Settings:
    """Read the system file, then the personal one on top, into Settings.

    Raise ConfigError naming key and file. The system file cannot set `[agent] login`:
    on a shared server every agent is their own OS login.
    """
    path = config_path(explicit)
    system = system_config_path()
    raw: dict[str, Any] = _read_toml(system) if system.is_file() else {}
    if isinstance(raw.get("agent"), dict):
        raw["agent"].pop("login", None)
    if path is not None:
        if not path.exists():
            raise ConfigError("--config", path, "file not found")
        raw = _merge(raw, _read_toml(path))
    path = path or (system if system.is_file() else None)
    agent_table = raw.get("agent", {})
    if not isinstance(agent_table, dict):
        raise ConfigError("agent", path, "expected a table [agent]")
    login = _expect(agent_table, "login", str, path, "agent.") or current_login()
    name = _expect(agent_table, "name", str, path, "agent.") or login
    store_table = raw.get("store", {})
    if not isinstance(store_table, dict):
        raise ConfigError("store", path, "expected a table [store]")
    db = _expect(store_table, "url", str, path, "store.") or _expect(
        store_table, "path", str, path, "store."
    )
    return Settings(
        agent=AgentSettings(login=login, name=name), file=config_path(explicit), db=db, raw=raw,
        system_file=system if system.is_file() else None,
    )
