"""`[[chat]]` config: good tables load; every mistake names the key and the file."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from agentdesk.channels.chat.settings import load_chat_accounts
from agentdesk.config import AgentSettings, ConfigError, Settings

FILE = Path("/etc/agentdesk/config.toml")


def settings(toml: str) -> Settings:
    return Settings(agent=AgentSettings("ann", "Ann"), file=FILE, raw=tomllib.loads(toml))


GOOD = """
[[chat]]
name = "matrix"
type = "matrix"
homeserver = "https://matrix.shop.test/"
user = "@support:shop.test"
password_env = "SHOP_MATRIX_TOKEN"
ignore_rooms = ["!team:shop.test"]

[[chat]]
name = "bot"
type = "telegram"
password_command = "pass show shop/telegram"
max_file_mb = 5
"""


def test_good_tables_load() -> None:
    matrix, bot = load_chat_accounts(settings(GOOD))
    assert (matrix.kind, matrix.homeserver, matrix.user, matrix.auth) == (
        "matrix", "https://matrix.shop.test", "@support:shop.test", "token")
    assert matrix.ignore_rooms == ("!team:shop.test",)
    assert matrix.lease_name == "chat:matrix"
    assert (bot.kind, bot.api_url, bot.max_file_bytes) == ("telegram", "https://api.telegram.org", 5 * 1024 * 1024)
    assert load_chat_accounts(settings("")) == []


@pytest.mark.parametrize(
    ("table", "key", "problem"),
    [
        ({"type": "irc", "name": "x"}, "chat[0].type", "expected one of"),
        ({"type": "telegram", "password_env": "X"}, "chat[0].name", "missing"),
        ({"type": "telegram", "name": "x"}, "chat[0].password_env", "missing"),
        ({"type": "telegram", "name": "x", "token": "123:abc"}, "chat[0].token", "secrets never go in the file"),
        ({"type": "telegram", "name": "x", "password_env": "X", "password_command": "y"},
         "chat[0].password_command", "not both"),
        ({"type": "telegram", "name": "x", "password_env": "X", "api_url": "ftp://x"}, "chat[0].api_url", "http"),
        ({"type": "matrix", "name": "m", "password_env": "X", "homeserver": "https://m.test", "user": "support"},
         "chat[0].user", "Matrix user id"),
        ({"type": "matrix", "name": "m", "password_env": "X", "user": "@s:m.test"}, "chat[0].homeserver", "missing"),
        ({"type": "matrix", "name": "m", "password_env": "X", "homeserver": "https://m.test", "user": "@s:m.test",
          "auth": "magic"}, "chat[0].auth", "token or password"),
        ({"type": "telegram", "name": "x y", "password_env": "X"}, "chat[0].name", "no spaces"),
        ({"type": "telegram", "name": "x", "password_env": "X", "max_file_mb": -1}, "chat[0].max_file_mb", "0-1024"),
    ],
)
def test_mistakes_name_key_and_file(table: dict[str, Any], key: str, problem: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_chat_accounts(Settings(agent=AgentSettings("ann", "Ann"), file=FILE, raw={"chat": [table]}))
    assert raised.value.key == key
    assert str(FILE) in str(raised.value) and problem in str(raised.value)


def test_two_accounts_with_one_name() -> None:
    table = {"type": "telegram", "name": "x", "password_env": "X"}
    with pytest.raises(ConfigError, match="two chat accounts"):
        load_chat_accounts(Settings(agent=AgentSettings("ann", "Ann"), file=FILE, raw={"chat": [table, table]}))


def test_secrets_come_from_env_or_command(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    script = tmp_path / "secret.py"
    script.write_text("print('tok-from-command')\nprint('second line ignored')\n")
    raw = {"chat": [
        {"type": "telegram", "name": "a", "password_env": "AGENTDESK_TEST_SECRET"},
        {"type": "telegram", "name": "b", "password_command": f"{sys.executable} {script}"},
        {"type": "telegram", "name": "c", "password_command": f"{sys.executable} -c 'import sys; sys.exit(3)'"},
    ]}
    a, b, c = load_chat_accounts(Settings(agent=AgentSettings("ann", "Ann"), file=FILE, raw=raw))
    monkeypatch.delenv("AGENTDESK_TEST_SECRET", raising=False)
    with pytest.raises(ConfigError, match=r"\$AGENTDESK_TEST_SECRET is not set"):
        a.secret()
    monkeypatch.setenv("AGENTDESK_TEST_SECRET", "tok-from-env\n")
    assert a.secret() == "tok-from-env"
    assert b.secret() == "tok-from-command"
    with pytest.raises(ConfigError, match="status 3") as raised:
        c.secret()
    assert raised.value.key == "chat[2].password_command"
