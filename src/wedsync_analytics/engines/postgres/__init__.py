"""PostgreSQL: `sql/analyses/<name>/postgres.sql` on the live database (TimeZone UTC)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl
import psycopg

from wedsync_analytics.analyses.catalog import Analysis
from wedsync_analytics.analyses.params import sql_values
from wedsync_analytics.config import connect
from wedsync_analytics.engines.base import Engine, Source, implementation_missing


def query_frame(
    conn: psycopg.Connection, analysis: Analysis, values: dict[str, Any]
) -> pl.DataFrame:
    """The analysis's SQL on `conn` (whose TimeZone must be UTC), as a frame."""
    query = analysis.sql_for("postgres")
    if query is None:
        raise implementation_missing(analysis, "postgres")
    with conn.cursor() as cur:
        cur.execute(query.encode(), sql_values(values))
        rows = cur.fetchall()
        names = [d.name for d in cur.description or []]
    return pl.DataFrame(
        rows, schema={n: analysis.schema.get(n, pl.String()) for n in names}, orient="row"
    )


class PostgresEngine(Engine):
    name = "postgres"
    reads = "database"

    def __init__(self, source: Source, tables: Sequence[str]) -> None:
        assert source.dsn is not None
        self.conn = connect(source.dsn, autocommit=True)
        self.conn.execute("SET TimeZone = 'UTC'")

    def run(self, analysis: Analysis, values: dict[str, Any]) -> pl.DataFrame:
        return query_frame(self.conn, analysis, values)

    def close(self) -> None:
        self.conn.close()


ENGINE = PostgresEngine
