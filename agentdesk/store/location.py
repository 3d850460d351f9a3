"""Where a store is: a file path or a database URL (`--db`, AGENTDESK_DB,
AGENTDESK_DATABASE_URL, the config's [store]). Kept free of SQLAlchemy so that the
console's fast first page (`services/first_page`) can use it before the store loads.
"""

from __future__ import annotations

from pathlib import Path


def is_database_url(location: str | Path) -> bool:
    """A URL (sqlite:///…, postgresql+psycopg://…) rather than a plain file path."""
    return "://" in str(location)


def shown_location(location: str | Path) -> str:
    """The location as it may be printed: a database URL without its password."""
    if not is_database_url(location):
        return str(location)
    from sqlalchemy.engine import make_url

    return make_url(str(location)).render_as_string(hide_password=True)
