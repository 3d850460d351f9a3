"""The variables a template sees, built from an opened conversation.

Built from the `ConversationDetail` the screen or CLI already holds, so rendering
never touches the store. Every value is customer- or config-supplied text and goes
through `value_text` (never compiled as a template). A value that cannot be known
(a chat customer with only a handle has no first name; a chat has no subject) is
left out, so the template shows a placeholder for it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from agentdesk.services.views import ConversationDetail
from agentdesk.templates.render import Namespace, value_text

#: Every variable a template may use: namespaces with their keys, then top-level names.
NAMESPACES: dict[str, tuple[str, ...]] = {
    "customer": ("name", "first_name", "email", "handle"),
    "agent": ("name", "login"),
    "ticket": ("id", "subject", "channel", "opened", "last_message"),
    "shop": ("name", "url", "email", "phone"),
}
TOP_LEVEL: dict[str, str] = {
    "order": "the order number mentioned last by the customer",
    "orders": "every order number in the thread (a list)",
    "today": "today's date, e.g. Thursday 26 November",
    "tomorrow": "tomorrow's date",
    "in_days": "in_days(3): the date in 3 days",
    "range": "Jinja's range()",
}
KNOWN_PATHS: tuple[str, ...] = tuple(
    f"{ns}.{key}" for ns, keys in NAMESPACES.items() for key in keys
) + tuple(TOP_LEVEL)

ORDER_RE = re.compile(
    r"\b(?:order|bestellung|commande|pedido)\b\s*"
    r"(?:(?:number|no\.?|nr\.?|num\.?|id)\s*)?[:#]?\s*#?\s*(?P<a>[A-Z]{0,4}-?\d{3,12})\b"
    r"|#\s?(?P<b>\d{4,12})\b",
    re.IGNORECASE,
)
_NAME_OK = re.compile(r"^[^\W\d_][\w'’.-]*$", re.UNICODE)


def date_text(moment: datetime) -> str:
    """How dates read in a reply: `Thursday 26 November`."""
    return f"{moment:%A} {moment.day} {moment:%B}"


def first_name(name: str) -> str | None:
    """The customer's first name when their display name has one (not for addresses)."""
    name = name.strip()
    if not name or "@" in name:
        return None
    if "," in name:  # "Lovelace, Ada"
        name = name.split(",", 1)[1]
    words = name.split()
    if not words or not _NAME_OK.match(words[0]):
        return None
    return words[0]


def orders_in(detail: ConversationDetail) -> list[str]:
    """Order numbers the customer mentioned, the most recent mention first."""
    found: list[str] = []
    inbound = [m for m in detail.messages if m.direction == "in"]
    texts = [m.text for m in reversed(inbound)] + [m.subject for m in reversed(inbound)]
    texts.append(detail.row.subject)
    for text in texts:
        for match in ORDER_RE.finditer(text or ""):
            number = value_text(match["a"] or match["b"]).lstrip("#")
            if number and number not in found:
                found.append(number)
    return found


def _set_path(spaces: dict[str, dict[str, Any]], top: dict[str, Any], key: str, value: str) -> None:
    ns, dot, name = key.partition(".")
    if dot and ns in NAMESPACES:
        spaces[ns][name] = value_text(value)
    elif not dot:
        top[key] = value_text(value)


def build_context(
    detail: ConversationDetail,
    *,
    agent_name: str,
    agent_login: str,
    shop: Mapping[str, str] | None = None,
    now: datetime,
    overrides: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The template variables for one conversation; `overrides` (`--set`) win."""
    customer = detail.customer
    emails = [a.address for a in customer.addresses if a.channel == "email"]
    handles = [a.address for a in customer.addresses if a.channel != "email"]
    inbound = [m for m in detail.messages if m.direction == "in"]
    opened = inbound[0].sent_at if inbound else detail.row.created_at
    spaces: dict[str, dict[str, Any]] = {
        "customer": {
            "name": value_text(customer.name) if "@" not in customer.name else None,
            "first_name": first_name(value_text(customer.name)),
            "email": value_text(emails[0]) if emails else None,
            "handle": value_text(handles[0]) if handles else None,
        },
        "agent": {"name": value_text(agent_name), "login": value_text(agent_login)},
        "ticket": {
            "id": str(detail.row.id),
            "subject": value_text(detail.row.subject),
            "channel": detail.row.network or detail.row.channel,
            "opened": date_text(opened),
            "last_message": date_text(detail.row.last_message_at),
        },
        "shop": {k: value_text(v) for k, v in (shop or {}).items() if k in NAMESPACES["shop"]},
    }
    orders = orders_in(detail)
    top: dict[str, Any] = {
        "order": orders[0] if orders else None,
        "orders": orders,
        "today": date_text(now),
        "tomorrow": date_text(now + timedelta(days=1)),
        "in_days": lambda days: date_text(now + timedelta(days=int(days))),
    }
    for key, value in (overrides or {}).items():
        _set_path(spaces, top, key, value)
    context: dict[str, Any] = {ns: Namespace(ns, values) for ns, values in spaces.items()}
    context.update({k: v for k, v in top.items() if v is not None and v != ""})
    return context
