"""Query results from PostgreSQL as Arrow, through ADBC's PostgreSQL driver.

The driver runs a query as `COPY (query) TO STDOUT (FORMAT binary)` and decodes the
binary rows into Arrow columns in C: no Python object per value. COPY takes no bound
parameters, so `inline` writes a query's `%(name)s` placeholders as SQL literals
(psycopg's quoting) before it is sent. The driver's type mapping: int8 -> int64,
int4 -> int32, float8 -> double, text -> string, bool -> bool, date -> date32,
timestamptz -> timestamp[us, UTC]; numeric arrives as text, so cast it in SQL.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import adbc_driver_manager
import adbc_driver_postgresql.dbapi as adbc
import pyarrow as pa
from psycopg import sql

from wedsync_analytics.config import first_line, redact
from wedsync_analytics.errors import UserError

PLACEHOLDER = re.compile(r"%\((\w+)\)s|%%")


def connect(dsn: str) -> adbc.Connection:
    """An autocommit ADBC connection with TimeZone UTC; a bad DSN or server is a UserError."""
    try:
        conn = adbc.connect(dsn, autocommit=True)
    except adbc_driver_manager.Error as exc:
        raise UserError(
            f"cannot connect to {redact(dsn)!r}: {first_line(exc)} "
            "(check --dsn / WEDSYNC_DSN, or unset both to use the embedded server)"
        ) from exc
    with conn.cursor() as cur:
        cur.execute("SET TimeZone = 'UTC'")
    return conn


def inline(query: str, values: Mapping[str, Any]) -> str:
    """`query` with each `%(name)s` replaced by `values[name]` as a quoted SQL literal."""

    def literal(match: re.Match[str]) -> str:
        name = match.group(1)
        if name is None:
            return "%"
        if name not in values:
            raise KeyError(f"query parameter {name!r} has no value")
        return sql.Literal(values[name]).as_string()

    return PLACEHOLDER.sub(literal, query)


def fetch_arrow(conn: adbc.Connection, query: str) -> pa.Table:
    """The result of `query` (no placeholders left) as an Arrow table."""
    with conn.cursor() as cur:
        cur.execute(query)
        return cur.fetch_arrow_table()
