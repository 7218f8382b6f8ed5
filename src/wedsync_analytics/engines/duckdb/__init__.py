"""DuckDB: `sql/analyses/<name>/duckdb.sql` over the export's Parquet (TimeZone UTC).

The export is checked and read-only while the engine is open, so its Parquet footers are
kept between queries (`parquet_metadata_cache`): a query opens only the row groups its
time filter selects instead of re-reading every file's metadata.
"""

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
        self.con.execute("SET parquet_metadata_cache = true")

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
