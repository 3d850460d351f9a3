"""Shared test set-up; each feature registers its fixtures as a plugin module here."""

pytest_plugins = ["tests.pg", "tests.console_fixtures"]
