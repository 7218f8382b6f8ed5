"""Polars: one lazy module per analysis in this folder (`<name>.py`, `build(tables, values)`)
over the export's Parquet, each reading only the files and row groups its window needs.
Opening the engine and each run set glibc's malloc to keep freed memory for the next run's
arrays (`malloc_policy.ANALYSIS`)."""

from __future__ import annotations

import importlib
import importlib.util
import time
from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from wedsync_analytics import malloc_policy
from wedsync_analytics.analyses import ANALYSES
from wedsync_analytics.analyses.catalog import Analysis
from wedsync_analytics.engines.base import Engine, Source, implementation_missing
from wedsync_analytics.engines.polars._common import COLLECT_ENGINE
from wedsync_analytics.engines.polars._tables import Tables
from wedsync_analytics.errors import UserError

TABLES_OPTION = "polars_tables"  # "parquet" (default): scan the files; "memory": read at open
TABLES_CHOICES = ("parquet", "memory")


class PolarsEngine(Engine):
    name = "polars"
    reads = "export"

    @classmethod
    def missing(cls, options: Mapping[str, str]) -> str | None:
        choice = options.get(TABLES_OPTION, "parquet")
        if choice not in TABLES_CHOICES:
            return f"{TABLES_OPTION}={choice!r} is not one of {', '.join(TABLES_CHOICES)}"
        return None

    def __init__(self, source: Source, tables: Sequence[str]) -> None:
        assert source.reader is not None
        problem = self.missing(source.options)
        if problem:
            raise UserError(f"polars: {problem}")
        started = time.perf_counter()
        malloc_policy.use(malloc_policy.ANALYSIS)  # no page faults for the analyses' arrays
        in_memory = source.options.get(TABLES_OPTION) == "memory"
        self.tables = Tables(source.reader, list(tables), in_memory=in_memory, coded=coded())
        self.open_seconds = time.perf_counter() - started  # reading the tables when in memory

    def run(self, analysis: Analysis, values: dict[str, Any]) -> pl.DataFrame:
        try:
            module = importlib.import_module(f"{__name__}.{analysis.name}")
        except ModuleNotFoundError:
            raise implementation_missing(analysis, self.name) from None
        malloc_policy.use(malloc_policy.ANALYSIS)  # again, if a load or generation ran since
        lazy: pl.LazyFrame = module.build(self.tables, values)
        return lazy.collect(engine=COLLECT_ENGINE)


def coded() -> dict[str, list[str]]:
    """The columns each table keeps coded in memory: those the analyses group by, as their
    modules declare them (`CODED = (table, columns)`)."""
    columns: dict[str, list[str]] = {}
    for name in ANALYSES:
        if importlib.util.find_spec(f"{__name__}.{name}") is None:
            continue  # no Polars implementation: `run` says so
        module = importlib.import_module(f"{__name__}.{name}")
        if hasattr(module, "CODED"):
            table, keys = module.CODED
            columns.setdefault(table, []).extend(keys)
    return columns


ENGINE = PolarsEngine
