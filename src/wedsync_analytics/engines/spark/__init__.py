"""Spark (PySpark 4): `sql/analyses/<name>/spark.sql`, else the DataFrame module
`<name>.py` in this folder (`build(tables, values)`), over the export's hive-partitioned
Parquet. Local mode by default; Spark Connect with `--spark-remote URL` or SPARK_REMOTE
(the export directory must then be readable by the cluster under the same path)."""

from __future__ import annotations

import importlib
import re
from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from wedsync_analytics.analyses.catalog import Analysis
from wedsync_analytics.analyses.params import sql_values
from wedsync_analytics.engines.base import Engine, Source, implementation_missing
from wedsync_analytics.engines.spark.session import missing_requirement, remote_url, spark_session

PARAMETER = re.compile(r"(?<![\w:]):([a-z_]+)\b")


class SparkEngine(Engine):
    name = "spark"
    reads = "export"

    @classmethod
    def missing(cls, options: Mapping[str, str]) -> str | None:
        return missing_requirement(options)

    def __init__(self, source: Source, tables: Sequence[str]) -> None:
        assert source.reader is not None
        options = source.options
        problem = missing_requirement(options)
        if problem:
            raise RuntimeError(problem)
        self.spark = spark_session(remote_url(options))
        self.tables: dict[str, Any] = {}
        for table in tables:
            files = [str(p) for p in source.reader.files(table)]
            frame = self.spark.read.option(
                "basePath", str(source.reader.directory / table)
            ).parquet(*files)
            key = source.reader.entry(table).layout.partition_key
            if key is not None:
                frame = frame.drop(key)  # the hive key (`month`); the rows carry their own time
            frame.createOrReplaceTempView(table)
            self.tables[table] = frame

    def run(self, analysis: Analysis, values: dict[str, Any]) -> pl.DataFrame:
        query = analysis.sql_for(self.name)
        if query is not None:
            bound = sql_values(values)
            named = {key: bound[key] for key in sorted(set(PARAMETER.findall(query)))}
            result = self.spark.sql(query, args=named)
        else:
            try:
                module = importlib.import_module(f"{__name__}.{analysis.name}")
            except ModuleNotFoundError:
                raise implementation_missing(analysis, self.name) from None
            result = module.build(self.tables, values)
        frame = pl.from_arrow(result.toArrow())
        assert isinstance(frame, pl.DataFrame)
        return frame

    def close(self) -> None:
        for table in self.tables:
            self.spark.catalog.dropTempView(table)
        self.tables.clear()


ENGINE = SparkEngine
