"""What the global options resolve to, shared by every command.

Light on purpose: the console's start-up imports it, so the store layer is imported
only inside `desk()` and the triage settings only inside `settings()`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import typer

from agentdesk.config import ConfigError, Settings, default_db_path, load_settings

if TYPE_CHECKING:
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
    _triage_installed: bool = field(default=False, repr=False)

    def loaded_settings(self) -> Settings:
        """The config file read and checked, nothing installed (the console's start-up)."""
        if self._settings is None:
            try:
                self._settings = load_settings(self.config)
            except ConfigError as error:
                raise fail(str(error), 2) from error
        return self._settings

    def settings(self) -> Settings:
        """The settings, with the triage ones installed for every writer this process runs."""
        settings = self.loaded_settings()
        if not self._triage_installed:
            # SLA targets and urgency words for every writer this process runs (intake too).
            from agentdesk.services.triage import TriageSettings

            try:
                TriageSettings.from_config(settings.raw, settings.file).install()
            except ConfigError as error:
                raise fail(str(error), 2) from error
            self._triage_installed = True
        return settings

    def store_location(self) -> str:
        """--db, then AGENTDESK_DATABASE_URL, then the config's [store], then the data dir."""
        return (
            self.db
            or os.environ.get("AGENTDESK_DATABASE_URL")
            or self.loaded_settings().db
            or str(default_db_path())
        )

    def open_store(self, location: str | None = None, *, migrate: bool = True) -> Store:
        """The store at `location` (else the usual one), opened and migrated; one that
        cannot be opened is said in one line (exit 1), not with a traceback."""
        from agentdesk.store import Store
        from agentdesk.store.engine import StoreUnavailable

        try:
            return Store.open(location or self.store_location(), migrate=migrate)
        except StoreUnavailable as error:
            raise fail(str(error), 1) from error

    def desk(self) -> Desk:
        """The store opened (and migrated) with the current agent."""
        from agentdesk.services import Desk

        return Desk.for_settings(self.open_store(), self.settings())
