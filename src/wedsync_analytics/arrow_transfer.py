"""Arrow-native transfer from PostgreSQL: an ADBC connection opened from our DSN.

ADBC's PostgreSQL driver (`adbc-driver-postgresql`) reads a query's result with
`COPY (...) TO STDOUT (FORMAT binary)` and decodes it into Arrow record batches in C, so
no Python touches a row. `adbc_connect` accepts the DSNs the rest of the package does: a
URI (`postgresql://user@host:port/db?passfile=...`, passed to libpq as it is) or a
key=value conninfo string (turned into a URI whose parameters carry every keyword, so a
`passfile`, `sslmode` or socket `host` keeps working). A bad DSN or an unreachable server
is a one-line UserError, like `config.connect`.

`in_snapshot` opens a transaction that sees exactly the snapshot another session exported
(`pg_export_snapshot()`), so Arrow reads and psycopg queries agree row for row.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

import adbc_driver_manager
import adbc_driver_postgresql.dbapi as adbc
import psycopg
from adbc_driver_manager.dbapi import Connection

from wedsync_analytics.config import first_line, redact
from wedsync_analytics.errors import UserError

__all__ = ["Connection", "Error", "adbc_connect", "connection_lost", "in_snapshot", "run"]
Error = adbc_driver_manager.Error  # every ADBC error (DB-API hierarchy) derives from it


def adbc_uri(dsn: str) -> str:
    """`dsn` as a libpq URI: a URI unchanged, a key=value string as `postgresql://?k=v&...`."""
    if dsn.startswith(("postgresql://", "postgres://")):
        return dsn
    try:
        params = psycopg.conninfo.conninfo_to_dict(dsn)
    except psycopg.ProgrammingError as exc:
        raise UserError(f"invalid DSN {redact(dsn)!r}: {first_line(exc)}") from exc
    return "postgresql://?" + urlencode({k: str(v) for k, v in params.items()}, quote_via=quote)


def adbc_connect(dsn: str) -> Connection:
    """An ADBC connection (autocommit: begin transactions yourself) to the server of `dsn`."""
    try:
        return adbc.connect(adbc_uri(dsn), autocommit=True)
    except adbc_driver_manager.Error as exc:
        raise UserError(
            f"cannot connect to {redact(dsn)!r}: {first_line(exc)} "
            "(check --dsn / WEDSYNC_DSN, or unset both to use the embedded server)"
        ) from exc


def connection_lost(exc: Error) -> bool:
    """Whether an ADBC error means the server went away (SQLSTATE class 08, 57P01-57P03)."""
    state = str(getattr(exc, "sqlstate", None) or "")
    text = str(exc)
    return (
        state.startswith(("08", "57P0"))
        or "server closed the connection" in text
        or "no connection to the server" in text
    )


def run(conn: Connection, statement: str) -> None:
    """Run one statement that returns no rows (SET, BEGIN, ...)."""
    with conn.cursor() as cur:
        cur.adbc_statement.set_sql_query(statement)
        cur.adbc_statement.execute_update()


def in_snapshot(conn: Connection, snapshot: str) -> None:
    """Begin a REPEATABLE READ, READ ONLY transaction in the exported snapshot `snapshot`."""
    run(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
    run(conn, f"SET TRANSACTION SNAPSHOT {psycopg.sql.quote(snapshot)}")
