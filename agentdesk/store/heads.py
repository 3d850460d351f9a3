"""Which migrations a store needs, known without importing Alembic or SQLAlchemy.

Both the engine's start-up check (`engine.at_heads`) and the console's fast first
page (`services.first_page`) ask it; reading a handful of small revision files costs
well under a millisecond, Alembic's own check ~150 ms of imports.
"""

from __future__ import annotations

import re
from pathlib import Path

MIGRATIONS = Path(__file__).with_name("migrations")

_REVISION = re.compile(r"^revision\s*=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision\s*=\s*(.*)$", re.MULTILINE)
_DEPENDS_ON = re.compile(r"^depends_on\s*=\s*(.*)$", re.MULTILINE)
_QUOTED = re.compile(r"['\"]([^'\"]+)['\"]")


def script_heads() -> set[str] | None:
    """The migration heads, read from the revision files' plain `revision = "…"` lines.

    None when a file does not say its revision that way (Alembic then decides): the
    fast paths must never think a store is current when it is not.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        if path.name == "__init__.py":
            continue
        text = path.read_text(encoding="utf-8")
        revision, down = _REVISION.search(text), _DOWN_REVISION.search(text)
        if revision is None or down is None:
            return None
        revisions.add(revision.group(1))
        parents.update(_QUOTED.findall(down.group(1)))
        # Alembic records a revision that `depends_on` another in that one's place too.
        if (depends := _DEPENDS_ON.search(text)) is not None:
            parents.update(_QUOTED.findall(depends.group(1)))
    return revisions - parents
