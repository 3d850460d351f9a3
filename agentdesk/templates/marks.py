"""The placeholder mark: `«what the agent must fill»`.

Guillemets because they are easy to see, rare in English replies, and typable. French
quotation marks are written with spaces inside (`« Bonjour »`), so a mark may not
start or end with a space: those stay ordinary text and never block a send.
"""

from __future__ import annotations

import re

OPEN, CLOSE = "«", "»"
_SPACE = r"\s\u00a0\u202f"
PLACEHOLDER_RE = re.compile(rf"«(?![{_SPACE}])([^«»\n]*?)(?<![{_SPACE}])»")


def placeholder(label: str) -> str:
    return f"{OPEN}{label}{CLOSE}"
