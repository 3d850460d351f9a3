"""Canned replies: template files, their variables, and the LATTE check.

No Textual and no store access here: templates are rendered from the
`ConversationDetail` the caller already holds. See `model` for the file format,
`loader` for the three folders, `render` for the sandbox and placeholders, `latte`
for coverage, `suggest` for the picker, `check` for `agentdesk templates check`.
"""

from __future__ import annotations

from agentdesk.templates.apply import render_for
from agentdesk.templates.latte import Coverage, Part, Step, coverage
from agentdesk.templates.loader import TemplateSet, load
from agentdesk.templates.model import Kind, Problem, Template
from agentdesk.templates.render import PLACEHOLDER_RE, Rendered, RenderError, fill, placeholders_in
from agentdesk.templates.settings import TemplateSettings, template_settings

__all__ = [
    "PLACEHOLDER_RE",
    "Coverage",
    "Kind",
    "Part",
    "Problem",
    "RenderError",
    "Rendered",
    "Step",
    "Template",
    "TemplateSet",
    "TemplateSettings",
    "coverage",
    "fill",
    "load",
    "placeholders_in",
    "render_for",
    "template_settings",
]
