"""Errors a user can cause or fix, each shown as one line by the CLI."""


class NewsmonError(Exception):
    """An expected failure: the CLI prints its message on one line and exits with ``exit_code``."""

    exit_code = 1


class ConfigError(NewsmonError):
    """Bad configuration or command-line input."""

    exit_code = 2


class DatabaseError(NewsmonError):
    """The database is missing, locked, read-only or full."""


class DeliveryError(NewsmonError):
    """An SMTP server or webhook refused or could not be reached."""
