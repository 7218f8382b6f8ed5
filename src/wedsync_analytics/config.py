"""Which database to talk to: `--dsn`, else `$WEDSYNC_DSN`, else the embedded server."""

from __future__ import annotations

import psycopg

from wedsync_analytics import settings
from wedsync_analytics.errors import UserError


def resolve_dsn(dsn: str | None = None, *, start: bool = True, database: str | None = None) -> str:
    """The DSN to use; starts the embedded server when neither `dsn` nor `$WEDSYNC_DSN` is set.

    `database` picks (and creates) another database on the embedded server; it does not
    apply to an explicit DSN.
    """
    chosen = dsn or settings.dsn()
    if chosen:
        return chosen
    from wedsync_analytics.server import EmbeddedServer

    server = EmbeddedServer.default()
    if not start:
        return server.url(database) if database else server.url()
    server.start()
    return server.ensure_database(database) if database else server.url()


# A saturated 2-core machine (a bulk load's index builds beside other work) was seen to take
# over 10 s to accept a loopback connection; an unreachable server still fails at once.
CONNECT_TIMEOUT_S = 60


def connect(dsn: str, *, autocommit: bool = False) -> psycopg.Connection:
    """Open a connection, turning a bad DSN or an unreachable server into a one-line UserError."""
    try:
        return psycopg.connect(dsn, autocommit=autocommit, connect_timeout=CONNECT_TIMEOUT_S)
    except psycopg.ProgrammingError as exc:
        raise UserError(f"invalid DSN {redact(dsn)!r}: {first_line(exc)}") from exc
    except psycopg.OperationalError as exc:
        raise UserError(
            f"cannot connect to {redact(dsn)!r}: {first_line(exc)} "
            "(check --dsn / WEDSYNC_DSN, or unset both to use the embedded server)"
        ) from exc


def first_line(exc: BaseException) -> str:
    """The first non-empty line of an exception's message."""
    for line in str(exc).splitlines():
        if line.strip():
            return line.strip()
    return type(exc).__name__


def redact(dsn: str) -> str:
    """The DSN with any password replaced by `***`."""
    try:
        info = psycopg.conninfo.conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        return dsn
    if "password" in info:
        info["password"] = "***"
        return psycopg.conninfo.make_conninfo(**{k: str(v) for k, v in info.items()})
    return dsn
