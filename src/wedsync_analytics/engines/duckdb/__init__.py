"""DuckDB: `sql/analyses/<name>/duckdb.sql` over the export's Parquet (TimeZone UTC)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import polars as pl

from wedsync_analytics.analyses.catalog import Analysis
from wedsync_analytics.analyses.params import sql_values
from wedsync_analytics.engines.base import Engine, Source, implementation_missing

PARAMETER = re.compile(r"\$([a-z_]+)")


class DuckDBEngine(Engine):
    name = "duckdb"
    reads = "export"

    def __init__(self, source: Source, tables: Sequence[str]) -> None:
        assert source.reader is not None
        self.con = source.reader.duckdb(tables)

    def run(self, analysis: Analysis, values: dict[str, Any]) -> pl.DataFrame:
        query = analysis.sql_for(self.name)
        if query is None:
            raise implementation_missing(analysis, self.name)
        bound = sql_values(values)  # DuckDB rejects named parameters the query does not use
        named = {key: bound[key] for key in sorted(set(PARAMETER.findall(query)))}
        relation = self.con.sql(query, params=named)
        assert relation is not None
        return relation.pl()

    def close(self) -> None:
        self.con.close()


ENGINE = DuckDBEngine
