"""Errors with exit codes of their own (the README's "Exit codes" table lists them all)."""

from __future__ import annotations

import psycopg

from wedsync_analytics.errors import UserError

# SQLSTATEs of a server going away: class 08 (connection exception) and 57P01-57P03
# (admin shutdown, crash shutdown, cannot connect now).
_SHUTDOWN_STATES = ("57P01", "57P02", "57P03")
# The error class names the runner records (`EngineResult.error` = "Name: message").
LOST_NAMES = frozenset(
    {"OperationalError", "AdminShutdown", "CrashShutdown", "CannotConnectNow"}
    | {"ConnectionException", "ConnectionFailure", "ConnectionDoesNotExist"}
    | {"SqlclientUnableToEstablishSqlconnection", "SqlserverRejectedEstablishmentOfSqlconnection"}
)


def conn_lost(exc: BaseException) -> bool:
    """Whether `exc` means the connection to the server was lost (not a query's error)."""
    if not isinstance(exc, psycopg.OperationalError):
        return False
    state = exc.sqlstate
    return state is None or state.startswith("08") or state in _SHUTDOWN_STATES


def lost_in(error: str | None) -> bool:
    """Whether an engine result's recorded error ("Name: message") is a lost connection."""
    return bool(error) and str(error).split(":", 1)[0] in LOST_NAMES


class PostgresSkipped(UserError):
    """`validate` could not compare PostgreSQL, and the user did not ask to leave it out."""

    exit_code = 3


class ConnectionLost(UserError):
    """The server went away in the middle of the work."""

    exit_code = 4


class Interrupted(UserError):
    """Ctrl-C (SIGINT): the message says what was interrupted and what it left."""

    exit_code = 130
