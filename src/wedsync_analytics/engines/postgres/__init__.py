"""PostgreSQL: `sql/analyses/<name>/postgres.sql` on the live database (TimeZone UTC).

Results come back as Arrow (ADBC, binary COPY decoded in C; `arrow_transfer`) and are
cast to the analysis's schema, so the frame's types do not depend on the transfer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import adbc_driver_postgresql.dbapi as adbc
import polars as pl

from wedsync_analytics import arrow_transfer
from wedsync_analytics.analyses.catalog import Analysis
from wedsync_analytics.analyses.params import sql_values
from wedsync_analytics.engines.base import Engine, Source, implementation_missing


def analysis_query(analysis: Analysis, values: dict[str, Any]) -> str:
    """The analysis's SQL with its parameter values written in as literals."""
    query = analysis.sql_for("postgres")
    if query is None:
        raise implementation_missing(analysis, "postgres")
    return arrow_transfer.inline(query, sql_values(values))


def query_frame(conn: adbc.Connection, analysis: Analysis, values: dict[str, Any]) -> pl.DataFrame:
    """The analysis's SQL on `conn` (an `arrow_transfer.connect` connection), as a frame."""
    frame = pl.from_arrow(arrow_transfer.fetch_arrow(conn, analysis_query(analysis, values)))
    assert isinstance(frame, pl.DataFrame)
    return frame.cast({n: analysis.schema.get(n, pl.String()) for n in frame.columns})


class PostgresEngine(Engine):
    name = "postgres"
    reads = "database"

    def __init__(self, source: Source, tables: Sequence[str]) -> None:
        assert source.dsn is not None
        self.conn = arrow_transfer.connect(source.dsn)

    def run(self, analysis: Analysis, values: dict[str, Any]) -> pl.DataFrame:
        return query_frame(self.conn, analysis, values)

    def close(self) -> None:
        self.conn.close()


ENGINE = PostgresEngine
