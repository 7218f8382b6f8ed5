"""PostgreSQL: `sql/analyses/<name>/postgres.sql` on the live database (TimeZone UTC).

Results come back as Arrow over ADBC (`arrow_transfer`): the driver runs the query as
`COPY (...) TO STDOUT (FORMAT binary)` and decodes it into Arrow columns in C, no Python
object per value. COPY takes no bound parameters, so the query's `%(name)s` placeholders
are written in as SQL literals (psycopg's quoting) first. Each frame is then cast to the
analysis's schema, so its types do not depend on the driver's mapping (int4 -> int32 etc.).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl
from psycopg import sql

from wedsync_analytics.analyses.catalog import Analysis
from wedsync_analytics.analyses.params import sql_values
from wedsync_analytics.arrow_transfer import Connection, adbc_connect, run
from wedsync_analytics.engines.base import Engine, Source, implementation_missing

PLACEHOLDER = re.compile(r"%\((\w+)\)s|%%")


def inline(query: str, values: Mapping[str, Any]) -> str:
    """`query` with each `%(name)s` replaced by `values[name]` as a quoted SQL literal, in
    parentheses so a cast after it applies to the whole value (`(-1)::int`, not `-(1::int)`)."""

    def literal(match: re.Match[str]) -> str:
        name = match.group(1)
        if name is None:  # `%%`, psycopg's escaped percent sign
            return "%"
        if name not in values:
            raise KeyError(f"query parameter {name!r} has no value")
        return f"({sql.Literal(values[name]).as_string()})"

    return PLACEHOLDER.sub(literal, query)


def analysis_query(analysis: Analysis, values: dict[str, Any]) -> str:
    """The analysis's SQL with its parameter values written in."""
    query = analysis.sql_for("postgres")
    if query is None:
        raise implementation_missing(analysis, "postgres")
    return inline(query, sql_values(values))


def connect(dsn: str) -> Connection:
    """An autocommit ADBC connection whose TimeZone is UTC, as the analyses' SQL needs."""
    conn = adbc_connect(dsn)
    run(conn, "SET TimeZone = 'UTC'")
    return conn


def query_frame(conn: Connection, analysis: Analysis, values: dict[str, Any]) -> pl.DataFrame:
    """The analysis's SQL on `conn` (from `connect`), as a frame of the analysis's types."""
    with conn.cursor() as cur:
        cur.execute(analysis_query(analysis, values))
        frame = pl.from_arrow(cur.fetch_arrow_table())
    assert isinstance(frame, pl.DataFrame)
    return frame.cast({n: analysis.schema.get(n, pl.String()) for n in frame.columns})


class PostgresEngine(Engine):
    name = "postgres"
    reads = "database"

    def __init__(self, source: Source, tables: Sequence[str]) -> None:
        assert source.dsn is not None
        self.conn = connect(source.dsn)

    def run(self, analysis: Analysis, values: dict[str, Any]) -> pl.DataFrame:
        return query_frame(self.conn, analysis, values)

    def close(self) -> None:
        self.conn.close()


ENGINE = PostgresEngine
