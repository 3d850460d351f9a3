"""Chat accounts from the config file's `[[chat]]` tables, checked before any use.

```toml
[[chat]]
name = "matrix"                        # unique among chat accounts
type = "matrix"
homeserver = "https://matrix.shop.example"
user = "@support:shop.example"
password_command = "pass show shop/matrix-token"  # or password_env = "SHOP_MATRIX_TOKEN"
auth = "token"                         # the secret is an access token (default) or "password"
ignore_rooms = ["!team:shop.example"]  # optional: rooms that are not customer chats
max_file_mb = 25                       # optional: larger files are noted, not fetched

[[chat]]
name = "telegram"
type = "telegram"
password_env = "SHOP_TELEGRAM_TOKEN"   # the bot token from @BotFather
api_url = "https://api.telegram.org"   # optional (tests point it at a local server)
```

Secrets never sit in the file or the store: they come from a command's first line
of output or from an environment variable, read only when connecting.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from agentdesk.channels.chat.base import ChatAdapter
from agentdesk.config import ConfigError, Settings

KINDS = ("matrix", "telegram")
KNOWN_KEYS = {
    "matrix": {"name", "type", "homeserver", "user", "password_command", "password_env", "auth",
               "device_id", "ignore_rooms", "max_file_mb"},
    "telegram": {"name", "type", "password_command", "password_env", "api_url", "max_file_mb"},
}


@dataclass(frozen=True)
class ChatAccount:
    """One `[[chat]]` table, validated; `secret()` reads the token when connecting."""

    name: str
    kind: str
    password_command: str | None
    password_env: str | None
    file: Path | None
    key: str
    """Where the table sits in the file (e.g. `chat[0]`), for error messages."""
    homeserver: str = ""
    user: str = ""
    auth: str = "token"
    device_id: str | None = None
    ignore_rooms: tuple[str, ...] = ()
    api_url: str = "https://api.telegram.org"
    max_file_bytes: int = 25 * 1024 * 1024

    @property
    def lease_name(self) -> str:
        """The poller lease of this account (`chat:` keeps it apart from mail accounts)."""
        return f"chat:{self.name}"

    def secret(self) -> str:
        """The token (or Matrix password), read now from the command or environment."""
        if self.password_env:
            value = os.environ.get(self.password_env)
            if not value:
                raise ConfigError(f"{self.key}.password_env", self.file, f"${self.password_env} is not set")
            return value.strip()
        assert self.password_command is not None
        try:
            done = subprocess.run(
                shlex.split(self.password_command), capture_output=True, timeout=30, check=False
            )
        except (OSError, subprocess.TimeoutExpired, ValueError) as error:
            raise ConfigError(f"{self.key}.password_command", self.file, str(error)) from error
        if done.returncode != 0:
            raise ConfigError(
                f"{self.key}.password_command", self.file, f"the command exited with status {done.returncode}"
            )
        lines = done.stdout.decode("utf-8", "replace").splitlines()
        if not lines or not lines[0].strip():
            raise ConfigError(f"{self.key}.password_command", self.file, "the command printed nothing")
        return lines[0].strip()

    def adapter(self) -> ChatAdapter:
        """A new, unconnected adapter for this account (reads the secret now)."""
        if self.kind == "matrix":
            from agentdesk.channels.chat.matrix import MatrixAdapter

            secret = self.secret()
            return MatrixAdapter(
                self.name,
                self.homeserver,
                self.user,
                access_token=secret if self.auth == "token" else None,
                password=secret if self.auth == "password" else None,
                device_id=self.device_id,
                ignore_rooms=self.ignore_rooms,
                max_file_bytes=self.max_file_bytes,
            )
        from agentdesk.channels.chat.telegram import TelegramAdapter

        return TelegramAdapter(self.name, self.secret(), self.api_url, self.max_file_bytes)


def _str(table: dict[str, Any], key: str, where: str, file: Path | None, *, required: bool = False) -> str | None:
    value = table.get(key)
    if value is None:
        if required:
            raise ConfigError(f"{where}.{key}", file, "missing")
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}.{key}", file, f"expected a non-empty string, got {value!r}")
    return value.strip()


def _http_url(value: str, key: str, file: Path | None) -> str:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError(key, file, f"expected an http(s) URL, got {value!r}")
    return value.rstrip("/")


def _account(table: dict[str, Any], where: str, file: Path | None) -> ChatAccount:
    kind = _str(table, "type", where, file, required=True)
    if kind not in KINDS:
        raise ConfigError(f"{where}.type", file, f"expected one of {', '.join(KINDS)}, got {kind!r}")
    for key in table:
        if key not in KNOWN_KEYS[kind]:
            hint = "secrets never go in the file; use password_command or password_env" if key in (
                "password", "token", "access_token") else f"known: {', '.join(sorted(KNOWN_KEYS[kind]))}"
            raise ConfigError(f"{where}.{key}", file, f"unknown key ({hint})")
    name = _str(table, "name", where, file, required=True)
    assert name is not None
    if any(c.isspace() for c in name):
        raise ConfigError(f"{where}.name", file, f"no spaces in account names, got {name!r}")
    command = _str(table, "password_command", where, file)
    env = _str(table, "password_env", where, file)
    if command and env:
        raise ConfigError(f"{where}.password_command", file, "give password_command or password_env, not both")
    if not command and not env:
        raise ConfigError(f"{where}.password_env", file, "missing: the token comes from password_env or password_command")
    max_mb = table.get("max_file_mb", 25)
    if not isinstance(max_mb, int | float) or isinstance(max_mb, bool) or not 0 <= max_mb <= 1024:
        raise ConfigError(f"{where}.max_file_mb", file, f"expected 0-1024, got {max_mb!r}")
    common: dict[str, Any] = {
        "name": name, "kind": kind, "password_command": command, "password_env": env,
        "file": file, "key": where, "max_file_bytes": int(max_mb * 1024 * 1024),
    }
    if kind == "telegram":
        api = _str(table, "api_url", where, file)
        if api:
            common["api_url"] = _http_url(api, f"{where}.api_url", file)
        return ChatAccount(**common)
    homeserver = _http_url(_str(table, "homeserver", where, file, required=True) or "", f"{where}.homeserver", file)
    user = _str(table, "user", where, file, required=True) or ""
    if not user.startswith("@") or ":" not in user:
        raise ConfigError(f"{where}.user", file, f"expected a Matrix user id like @support:shop.example, got {user!r}")
    auth = _str(table, "auth", where, file) or "token"
    if auth not in ("token", "password"):
        raise ConfigError(f"{where}.auth", file, f"expected token or password, got {auth!r}")
    rooms = table.get("ignore_rooms", [])
    if not isinstance(rooms, list) or not all(isinstance(r, str) and r.startswith("!") for r in rooms):
        raise ConfigError(f"{where}.ignore_rooms", file, f"expected a list of room ids (!...), got {rooms!r}")
    return ChatAccount(
        **common, homeserver=homeserver, user=user, auth=auth,
        device_id=_str(table, "device_id", where, file), ignore_rooms=tuple(rooms),
    )


def load_chat_accounts(settings: Settings) -> list[ChatAccount]:
    """Every `[[chat]]` of the config, validated; raises ConfigError naming key and file."""
    file = settings.file
    raw = settings.raw.get("chat", [])
    if not isinstance(raw, list):
        raise ConfigError("chat", file, "expected [[chat]] tables")
    accounts: list[ChatAccount] = []
    for index, table in enumerate(raw):
        where = f"chat[{index}]"
        if not isinstance(table, dict):
            raise ConfigError(where, file, "expected a table")
        account = _account(table, where, file)
        if any(a.name == account.name for a in accounts):
            raise ConfigError(f"{where}.name", file, f"two chat accounts are named {account.name!r}")
        accounts.append(account)
    return accounts
