"""Rendering a template for a conversation: the one call the CLI and composer share."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from agentdesk.clock import utcnow
from agentdesk.config import AgentSettings
from agentdesk.services.views import ConversationDetail
from agentdesk.templates.context import build_context
from agentdesk.templates.model import Template
from agentdesk.templates.render import Rendered, render


def render_for(
    template: Template,
    detail: ConversationDetail,
    *,
    agent: AgentSettings,
    shop: Mapping[str, str] | None = None,
    values: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> Rendered:
    """`template` filled for the conversation in `detail` (no store access).

    `values` (from `--set key=value`) set variables by dotted path and fill the
    template's own placeholders by label; whatever is still unknown stays a
    placeholder in the result.
    """
    context = build_context(
        detail,
        agent_name=agent.name,
        agent_login=agent.login,
        shop=shop,
        now=now or utcnow(),
        overrides=values,
    )
    return render(template, context, values)
