"""`agentdesk doctor`'s chat checks: each `[[chat]]` account's config, secret and server.

Connecting is the only way to know that a token works and the server answers, so
each account is connected once (Matrix: whoami; Telegram: getMe) and closed.
Nothing is fetched: the saved positions stay where they are.
"""

from __future__ import annotations

from agentdesk.channels.chat.base import AuthError
from agentdesk.channels.chat.settings import ChatAccount, load_chat_accounts
from agentdesk.config import ConfigError, Settings
from agentdesk.doctor import Finding, Level


def check_chat(settings: Settings) -> list[Finding]:
    """One finding per chat account (none when the config has no `[[chat]]`)."""
    try:
        accounts = load_chat_accounts(settings)
    except ConfigError as error:
        return [Finding(Level.FAIL, "chat", str(error), "correct that key in that file")]
    return [_check(account) for account in accounts]


def _where(account: ChatAccount) -> str:
    if account.kind == "matrix":
        return f"{account.user} on {account.homeserver}"
    return f"Telegram bot via {account.api_url}"


def _check(account: ChatAccount) -> Finding:
    name = f"chat {account.name}"
    try:
        adapter = account.adapter()
    except ConfigError as error:
        return Finding(Level.FAIL, name, str(error), "set the variable, or fix the password command")
    try:
        adapter.connect()
    except AuthError as error:
        return Finding(Level.FAIL, name, f"{_where(account)}: {error}",
                       "put a valid token where password_env / password_command points")
    except Exception as error:
        return Finding(Level.FAIL, name, f"{_where(account)}: cannot connect: {error}",
                       "check the server address and this machine's network")
    finally:
        adapter.close()
    return Finding(Level.OK, name, f"{_where(account)}: signed in")
