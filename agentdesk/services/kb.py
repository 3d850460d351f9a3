"""Knowledge base: a folder of Markdown articles, suggested for the open conversation.

    [kb]
    folder = "~/support/kb"               # *.md, searched recursively
    base_url = "https://help.example.com/" # links are base_url + path without .md

An article's title is its front matter `title:` or first `# ` heading, else its file
name; front matter `url:` overrides the link. Articles are indexed in an in-memory
SQLite FTS5 table (rebuilt when a file changes) and ranked with bm25, the title
weighing ten times the body. Suggestions use the conversation's subject and latest
customer messages as the query, so the right article comes first without typing.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from agentdesk.services.conversations import _get
from agentdesk.services.desk import Desk
from agentdesk.store.models import Direction, Message
from agentdesk.text import clean, one_line

#: Words too common to say what a message is about (English and Turkish).
STOPWORDS = frozenset(
    """a an and are as at be but by can could did do does for from had has have hello hi how i
    if in into is it its just me my no not of on or our please so still that the their them then
    there these they this to too two up us was we were what when where which who why will with would
    you your thanks thank regards best dear order ve bir bu da de ile için ben siz merhaba teşekkürler
    ama çok daha ne mi mı mu mü gibi olarak var yok""".split()
)
QUERY_WORDS = 12
EXCERPT_TOKENS = 24


@dataclass(frozen=True)
class Article:
    """A suggested article: where it is, how it is linked and a matching excerpt."""

    path: Path
    title: str
    url: str | None
    excerpt: str
    score: float

    @property
    def link(self) -> str:
        """What the composer inserts for "link": the URL, else the title."""
        return f"{self.title}: {self.url}" if self.url else self.title


def _front_matter(text: str) -> tuple[dict[str, str], str]:
    if not text.startswith("---\n"):
        return {}, text
    end = text.find("\n---", 4)
    if end < 0:
        return {}, text
    fields = {}
    for line in text[4:end].splitlines():
        key, _, value = line.partition(":")
        if value:
            fields[key.strip().lower()] = value.strip().strip('"')
    return fields, text[end + 4 :].lstrip("\n")


class KnowledgeBase:
    """The articles of one folder, indexed for full-text search. Thread-safe."""

    def __init__(self, folder: Path | str, base_url: str | None = None) -> None:
        self.folder = Path(folder).expanduser()
        self.base_url = base_url
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self._stamp: tuple[int, float] | None = None
        self._articles: list[tuple[Path, str, str | None, str]] = []

    @classmethod
    def from_config(cls, raw: dict[str, Any]) -> KnowledgeBase | None:
        """The `[kb]` section, or None when no folder is configured."""
        table = raw.get("kb", {})
        if not isinstance(table, dict) or not table.get("folder"):
            return None
        return cls(str(table["folder"]), table.get("base_url"))

    def _files(self) -> list[Path]:
        return sorted(self.folder.rglob("*.md")) if self.folder.is_dir() else []

    def _ensure_index(self) -> sqlite3.Connection:
        files = self._files()
        stamp = (len(files), max((f.stat().st_mtime for f in files), default=0.0))
        if self._db is not None and stamp == self._stamp:
            return self._db
        db = sqlite3.connect(":memory:", check_same_thread=False)
        db.execute("CREATE VIRTUAL TABLE kb USING fts5(title, body, tokenize='unicode61 remove_diacritics 2')")
        self._articles = []
        for index, path in enumerate(files):
            fields, body = _front_matter(path.read_text(encoding="utf-8", errors="replace"))
            heading = re.search(r"^#\s+(.+)$", body, re.MULTILINE)
            title = one_line(fields.get("title") or (heading.group(1) if heading else path.stem.replace("-", " ")))
            url = fields.get("url") or self._url(path)
            self._articles.append((path, title, url, body))
            db.execute("INSERT INTO kb(rowid, title, body) VALUES (?, ?, ?)", (index, title, body))
        self._db, self._stamp = db, stamp
        return db

    def _url(self, path: Path) -> str | None:
        if not self.base_url:
            return None
        relative = path.relative_to(self.folder).with_suffix("").as_posix()
        return self.base_url.rstrip("/") + "/" + relative

    def search(self, words: list[str], limit: int = 5) -> list[Article]:
        """Articles matching any of `words`, best first (bm25, title weighted 10:1)."""
        words = [w for w in words if re.search(r"\w", w)]
        if not words:
            return []
        match = " OR ".join(_prefix(w) for w in words)
        with self._lock:
            db = self._ensure_index()
            rows = db.execute(
                "SELECT rowid, bm25(kb, 10.0, 1.0), snippet(kb, 1, '', '', '…', ?) FROM kb "
                "WHERE kb MATCH ? ORDER BY bm25(kb, 10.0, 1.0) LIMIT ?",
                (EXCERPT_TOKENS, match, limit),
            ).fetchall()
            found = []
            for rowid, score, excerpt in rows:
                path, title, url, _ = self._articles[rowid]
                found.append(Article(path, title, url, one_line(excerpt), float(score)))
        return found

    def search_text(self, text: str, limit: int = 5) -> list[Article]:
        """Articles for free text (e.g. what the agent types in the picker)."""
        return self.search(keywords(text), limit)

    def body(self, article: Article) -> str:
        """The article's Markdown without front matter (for "insert excerpt")."""
        return _front_matter(article.path.read_text(encoding="utf-8", errors="replace"))[1]

    def suggest(self, desk: Desk, conversation_id: int, limit: int = 5) -> list[Article]:
        """The articles that best match the conversation (subject and latest customer words)."""
        with desk.store.session() as session:
            conv = _get(session, conversation_id)
            texts = session.exec(
                select(Message.text)
                .where(Message.conversation_id == conversation_id, Message.direction == Direction.IN)
                .order_by(col(Message.sent_at).desc())
                .limit(3)
            ).all()
            subject = conv.subject
        return self.search(keywords(" ".join([subject, subject, *texts])), limit)


def keywords(text: str, limit: int = QUERY_WORDS) -> list[str]:
    """The words that say what `text` is about: frequent, not stopwords, not numbers."""
    words = [w for w in re.findall(r"[^\W\d_]{3,}", clean(text).lower()) if w not in STOPWORDS]
    return [w for w, _ in Counter(words).most_common(limit)]


_SUFFIXES = ("ing", "ed", "es", "s", "ler", "lar", "leri", "ları")


def _prefix(word: str) -> str:
    """An FTS5 prefix query for a crude stem of `word`: "refunded" finds "refunds"."""
    stem = word
    for suffix in _SUFFIXES:
        if len(word) - len(suffix) >= 4 and word.endswith(suffix):
            stem = word[: -len(suffix)]
            break
    return '"' + stem.replace('"', '""') + '"*'
