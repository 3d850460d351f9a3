"""The suggestion line under an empty composer: the templates and knowledge-base
articles that best match the open conversation, with the key that inserts each.

`Suggested: Order has not arrived (alt+1) · Refund status (^t) · article: Returns (K)`.
Templates are ranked in memory from the conversation (agentdesk.templates.suggest);
articles come from the knowledge base's full-text ranking, loaded by the screen in a
worker. The line hides itself once the agent starts typing.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.content import Content
from textual.widgets import Static

from agentdesk.services.views import ConversationDetail
from agentdesk.templates import Template
from agentdesk.templates.model import Kind
from agentdesk.templates.suggest import conversation_words, suggestion_score
from agentdesk.text import one_line

#: How many of each kind the line names.
TEMPLATES_SHOWN = 2
ARTICLES_SHOWN = 1


def best_templates(templates: Iterable[Template], detail: ConversationDetail) -> list[Template]:
    """The reply templates that fit this conversation at all, best first."""
    words = conversation_words(detail)
    answered = any(m.direction == "out" for m in detail.messages)
    scored = [
        (suggestion_score(t, words, answered), t) for t in templates if t.kind is not Kind.SNIPPET
    ]
    return [t for score, t in sorted(scored, key=lambda st: -st[0]) if score > 0]


class SuggestionLine(Static):
    """One line; hidden while there is nothing to suggest or the draft has text."""

    DEFAULT_CSS = """
    SuggestionLine { height: 1; padding: 0 1; color: $text-muted; display: none;
        text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.conversation_id: int | None = None
        self.templates: list[Template] = []
        self.articles: list[str] = []

    def for_conversation(self, conversation_id: int, templates: list[Template]) -> None:
        """New conversation: its templates now; its articles when the screen has them."""
        if conversation_id != self.conversation_id:
            self.articles = []
        self.conversation_id = conversation_id
        self.templates = templates[:TEMPLATES_SHOWN]
        self._draw()

    def set_articles(self, conversation_id: int, titles: list[str]) -> None:
        if conversation_id == self.conversation_id:
            self.articles = titles[:ARTICLES_SHOWN]
            self._draw()

    def _draw(self) -> None:
        parts = [
            f"{one_line(t.title, 40)} ({f'alt+{t.slot}' if t.slot else '^t'})" for t in self.templates
        ]
        parts += [f"article: {one_line(title, 40)} (K)" for title in self.articles]
        self.update(Content("Suggested: " + " · ".join(parts)) if parts else "")
        self.set_class(bool(parts), "-some")

    @property
    def has_some(self) -> bool:
        return self.has_class("-some")
