"""User-facing errors: raised where a problem is found, printed as one line with exit code 2 by the CLI."""

from __future__ import annotations


class SecnewsError(Exception):
    """A problem with the user's input (config, data, model URI) that has a one-line explanation."""

    def __init__(self, message: str, *, lines: list[str] | None = None) -> None:
        self.lines = lines or [message]
        super().__init__("\n".join(self.lines))


class ConfigError(SecnewsError):
    """The config file or an override is invalid; each line names the key path that is wrong."""


class DataError(SecnewsError):
    """The data does not match what the config declares (missing columns, empty texts, rare classes...)."""
