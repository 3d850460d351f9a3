"""What the global options resolve to, shared by every command."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import typer

from agentdesk.config import ConfigError, Settings, default_db_path, load_settings
from agentdesk.services import Desk
from agentdesk.store import Store


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print a one-line error to stderr and return the Exit to raise."""
    typer.echo(f"agentdesk: {message}", err=True)
    return typer.Exit(code)


@dataclass
class CliState:
    """The global options, and the settings and store they lead to (opened lazily)."""

    db: str | None = None
    config: str | None = None
    _settings: Settings | None = field(default=None, repr=False)

    def settings(self) -> Settings:
        if self._settings is None:
            try:
                self._settings = load_settings(self.config)
                # SLA targets and urgency words for every writer this process runs (intake too).
                from agentdesk.services.triage import TriageSettings

                TriageSettings.from_config(self._settings.raw, self._settings.file).install()
            except ConfigError as error:
                raise fail(str(error), 2) from error
        return self._settings

    def store_location(self) -> str:
        """--db, then AGENTDESK_DATABASE_URL, then the config's [store], then the data dir."""
        return (
            self.db
            or os.environ.get("AGENTDESK_DATABASE_URL")
            or self.settings().db
            or str(default_db_path())
        )

    def desk(self) -> Desk:
        """The store opened (and migrated) with the current agent."""
        return Desk.for_settings(Store.open(self.store_location()), self.settings())
