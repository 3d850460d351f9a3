"""What the config says about templates: folders, the shop, and how strict LATTE is.

```toml
[templates]
team = "/srv/agentdesk/templates"      # shared by every agent on the server
personal = "~/notes/agentdesk-templates"

[shop]
name = "The Tea Shop"
url = "https://tea.example"

[latte]
block = false               # a missing step only warns...
block_agents = ["kim"]      # ...except for these agents, whose send it blocks
```

Without `[templates]`, the team folder is `templates/` in the platform's site data
dir and the personal one `templates/` in the user's config dir.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import platformdirs

from agentdesk.config import APP_NAME, ConfigError, Settings, config_dir

LIBRARY = Path(__file__).with_name("library")
#: The shop a demo store (`agentdesk demo`) plays, when the config names none.
DEMO_SHOP_NAME = "The Tea Shop"
ORIGINS = ("library", "team", "personal")


@dataclass(frozen=True)
class Folder:
    """A template folder and which layer it is (later layers override earlier ones)."""

    origin: str
    path: Path


@dataclass(frozen=True)
class TemplateSettings:
    folders: tuple[Folder, ...]
    shop: dict[str, str] = field(default_factory=dict)
    latte_blocks: bool = False
    """Whether a missing LATTE step blocks this agent's send (else it only warns)."""

    def folder(self, origin: str) -> Folder:
        return next(f for f in self.folders if f.origin == origin)


def default_team_folder() -> Path:
    return Path(platformdirs.site_data_dir(APP_NAME)) / "templates"


def default_personal_folder() -> Path:
    return config_dir() / "templates"


def _table(raw: dict[str, Any], name: str, file: Path | None) -> dict[str, Any]:
    table = raw.get(name, {})
    if not isinstance(table, dict):
        raise ConfigError(name, file, f"expected a table [{name}]")
    return table


def _path(table: dict[str, Any], key: str, file: Path | None, default: Path) -> Path:
    value = table.get(key)
    if value is None:
        return default
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"templates.{key}", file, f"expected a folder path, got {value!r}")
    path = Path(value).expanduser()
    if not path.is_absolute() and file is not None:
        path = file.parent / path
    return path


def template_settings(settings: Settings) -> TemplateSettings:
    """Read `[templates]`, `[shop]` and `[latte]`; ConfigError names key and file."""
    raw, file = settings.raw, settings.file
    templates = _table(raw, "templates", file)
    folders = (
        Folder("library", LIBRARY),
        Folder("team", _path(templates, "team", file, default_team_folder())),
        Folder("personal", _path(templates, "personal", file, default_personal_folder())),
    )
    shop: dict[str, str] = {}
    for key, value in _table(raw, "shop", file).items():
        if not isinstance(value, str):
            raise ConfigError(f"shop.{key}", file, f"expected text, got {value!r}")
        shop[key] = value
    latte = _table(raw, "latte", file)
    block = latte.get("block", False)
    if not isinstance(block, bool):
        raise ConfigError("latte.block", file, f"expected true or false, got {block!r}")
    agents = latte.get("block_agents", [])
    if not isinstance(agents, list) or not all(isinstance(a, str) for a in agents):
        raise ConfigError("latte.block_agents", file, f"expected a list of logins, got {agents!r}")
    return TemplateSettings(folders, shop, block or settings.agent.login in agents)


def for_store(settings: TemplateSettings, is_demo: bool) -> TemplateSettings:
    """On a demo store, sign as the demo's shop unless `[shop] name` says otherwise."""
    if is_demo and "name" not in settings.shop:
        return replace(settings, shop={**settings.shop, "name": DEMO_SHOP_NAME})
    return settings
