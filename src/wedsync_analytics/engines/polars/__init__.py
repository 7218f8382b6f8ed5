"""Polars: one lazy module per analysis in this folder (`<name>.py`, `build(tables, values)`)
over the export's Parquet, each reading only the files and row groups its window needs."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any

import polars as pl

from wedsync_analytics.analyses.catalog import Analysis
from wedsync_analytics.engines.base import Engine, Source, implementation_missing
from wedsync_analytics.engines.polars._tables import Tables


class PolarsEngine(Engine):
    name = "polars"
    reads = "export"

    def __init__(self, source: Source, tables: Sequence[str]) -> None:
        assert source.reader is not None
        self.tables = Tables(source.reader, list(tables))

    def run(self, analysis: Analysis, values: dict[str, Any]) -> pl.DataFrame:
        try:
            module = importlib.import_module(f"{__name__}.{analysis.name}")
        except ModuleNotFoundError:
            raise implementation_missing(analysis, self.name) from None
        lazy: pl.LazyFrame = module.build(self.tables, values)
        return lazy.collect()


ENGINE = PolarsEngine
