"""Mail accounts from the config file's `[[accounts]]` tables, checked before any use.

```toml
[[accounts]]
name = "shop"
address = "help@shop.example"
display_name = "Shop Support"

[accounts.imap]
host = "imap.shop.example"
port = 993
security = "tls"            # tls | starttls | plain (plain only to a loopback host)
user = "help@shop.example"
password_command = "pass show shop/imap"   # or password_env = "SHOP_IMAP_PASSWORD"
folders = ["INBOX"]
ca_file = "/etc/ssl/private-ca.pem"        # optional: a private CA
sent_folder = "Sent"                       # optional: keep a copy of replies there

[accounts.smtp]
host = "smtp.shop.example"
port = 465
security = "tls"
user = "help@shop.example"
password_env = "SHOP_SMTP_PASSWORD"
```

Passwords never sit in the file or the store: they come from a command's first
line of output or from an environment variable, read only when connecting.
"""

from __future__ import annotations

import ipaddress
import os
import shlex
import ssl
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentdesk.config import ConfigError, Settings

SECURITY = ("tls", "starttls", "plain")
DEFAULT_PORTS = {
    ("imap", "tls"): 993,
    ("imap", "starttls"): 143,
    ("imap", "plain"): 143,
    ("smtp", "tls"): 465,
    ("smtp", "starttls"): 587,
    ("smtp", "plain"): 25,
}


@dataclass(frozen=True)
class ServerSettings:
    """How to reach and log in to one IMAP or SMTP server."""

    kind: str
    host: str
    port: int
    security: str
    user: str | None
    password_command: str | None
    password_env: str | None
    ca_file: Path | None
    folders: tuple[str, ...] = ("INBOX",)
    sent_folder: str | None = None
    file: Path | None = None
    key: str = ""
    """Where the table sits in the file (e.g. `accounts[0].imap`), for error messages."""

    def password(self) -> str | None:
        """The password, read now from the command or environment the file names."""
        if self.password_env:
            value = os.environ.get(self.password_env)
            if value is None:
                raise ConfigError(
                    f"{self.key}.password_env", self.file, f"${self.password_env} is not set"
                )
            return value
        if self.password_command:
            try:
                done = subprocess.run(
                    shlex.split(self.password_command),
                    capture_output=True,
                    timeout=30,
                    check=False,
                )
            except (OSError, subprocess.TimeoutExpired, ValueError) as error:
                raise ConfigError(f"{self.key}.password_command", self.file, str(error)) from error
            if done.returncode != 0:
                raise ConfigError(
                    f"{self.key}.password_command",
                    self.file,
                    f"the command exited with status {done.returncode}",
                )
            lines = done.stdout.decode("utf-8", "replace").splitlines()
            return lines[0] if lines else ""
        return None

    def ssl_context(self) -> ssl.SSLContext:
        """A verifying TLS context; trusts `ca_file` too when the account names one."""
        context = ssl.create_default_context()
        if self.ca_file is not None:
            context.load_verify_locations(cafile=str(self.ca_file))
        return context


@dataclass(frozen=True)
class Account:
    """One shop mailbox: where mail comes in and how replies go out."""

    name: str
    address: str
    display_name: str
    imap: ServerSettings
    smtp: ServerSettings | None
    batch_size: int = 1000
    """Mails per FETCH and per commit (bounded by bytes too); a batch costs a fixed few
    statements, so bigger batches sync faster, smaller ones commit sooner."""


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _str(
    table: dict[str, Any], key: str, where: str, file: Path | None, *, required: bool = False
) -> str | None:
    value = table.get(key)
    if value is None:
        if required:
            raise ConfigError(f"{where}.{key}", file, "missing")
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise ConfigError(f"{where}.{key}", file, f"expected a non-empty string, got {value!r}")
    return value


def _server(kind: str, table: Any, where: str, file: Path | None, base: Path) -> ServerSettings:
    if not isinstance(table, dict):
        raise ConfigError(where, file, f"expected a table [{where}]")
    known = {"host", "port", "security", "user", "password_command", "password_env", "ca_file"}
    if kind == "imap":
        known |= {"folders", "sent_folder"}
    for key in table:
        if key not in known:
            raise ConfigError(
                f"{where}.{key}", file, f"unknown key (known: {', '.join(sorted(known))})"
            )
    host = _str(table, "host", where, file, required=True)
    assert host is not None
    security = _str(table, "security", where, file) or "tls"
    if security not in SECURITY:
        raise ConfigError(
            f"{where}.security", file, f"expected one of {', '.join(SECURITY)}, got {security!r}"
        )
    if security == "plain" and not _is_loopback(host):
        raise ConfigError(
            f"{where}.security",
            file,
            f"plain (unencrypted) is only allowed to a loopback host, not {host!r}",
        )
    port = table.get("port", DEFAULT_PORTS[(kind, security)])
    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
        raise ConfigError(f"{where}.port", file, f"expected a port number 1-65535, got {port!r}")
    command = _str(table, "password_command", where, file)
    env = _str(table, "password_env", where, file)
    if command and env:
        raise ConfigError(
            f"{where}.password_command", file, "give password_command or password_env, not both"
        )
    if "password" in table:
        raise ConfigError(f"{where}.password", file, "passwords never go in the file")
    ca = _str(table, "ca_file", where, file)
    ca_file = None
    if ca:
        ca_file = (base / Path(ca).expanduser()).resolve()
        if not ca_file.is_file():
            raise ConfigError(f"{where}.ca_file", file, f"no such file: {ca_file}")
    folders: tuple[str, ...] = ("INBOX",)
    if "folders" in table:
        raw = table["folders"]
        if not isinstance(raw, list) or not raw or not all(isinstance(f, str) and f for f in raw):
            raise ConfigError(
                f"{where}.folders", file, f"expected a list of folder names, got {raw!r}"
            )
        folders = tuple(raw)
    return ServerSettings(
        kind=kind,
        host=host,
        port=port,
        security=security,
        user=_str(table, "user", where, file),
        password_command=command,
        password_env=env,
        ca_file=ca_file,
        folders=folders,
        sent_folder=_str(table, "sent_folder", where, file),
        file=file,
        key=where,
    )


def load_accounts(settings: Settings) -> list[Account]:
    """Every `[[accounts]]` of the config, validated; raises ConfigError naming key and file."""
    file = settings.file
    base = file.parent if file else Path.cwd()
    raw = settings.raw.get("accounts", [])
    if not isinstance(raw, list):
        raise ConfigError("accounts", file, "expected [[accounts]] tables")
    accounts: list[Account] = []
    names: set[str] = set()
    for index, table in enumerate(raw):
        where = f"accounts[{index}]"
        if not isinstance(table, dict):
            raise ConfigError(where, file, "expected a table")
        name = _str(table, "name", where, file, required=True)
        address = _str(table, "address", where, file, required=True)
        assert name is not None and address is not None
        if name in names:
            raise ConfigError(f"{where}.name", file, f"two accounts are named {name!r}")
        names.add(name)
        if "@" not in address or any(c in address for c in "\r\n <>"):
            raise ConfigError(f"{where}.address", file, f"not an email address: {address!r}")
        if "imap" not in table:
            raise ConfigError(f"{where}.imap", file, "missing [accounts.imap] table")
        batch = table.get("batch_size", Account.batch_size)
        if not isinstance(batch, int) or isinstance(batch, bool) or not 0 < batch <= 10_000:
            raise ConfigError(f"{where}.batch_size", file, f"expected 1-10000, got {batch!r}")
        accounts.append(
            Account(
                name=name,
                address=address.strip(),
                display_name=_str(table, "display_name", where, file) or "",
                imap=_server("imap", table["imap"], f"{where}.imap", file, base),
                smtp=_server("smtp", table["smtp"], f"{where}.smtp", file, base)
                if "smtp" in table
                else None,
                batch_size=batch,
            )
        )
    return accounts
