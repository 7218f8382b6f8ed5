"""Deterministic synthetic wedding-season monitoring data (see docs/generate.md).

Public API::

    scenario = build_scenario("small", seed=1, market="uk")
    plan(scenario)                       # {table: rows}
    frames(scenario, "incidents")        # iterator of Polars chunks
    write_parquet(scenario, out_dir, parts=4, workers=2)  # part folders of Parquet files
    wedsync_analytics.load.load_scenario(dsn, scenario, replace=False)
    wedsync_analytics.load.load_data(dsn, out_dir)        # what write_parquet wrote
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import polars as pl

from wedsync_analytics.generate.scenario import PRESETS, Scenario, build_scenario
from wedsync_analytics.generate.tables import TABLES, TableDef, chunks, table
from wedsync_analytics.generate.world import World

DEFAULT_CHUNK_ROWS = 50_000
Progress = Callable[[str, int, int], None]

__all__ = [
    "PRESETS",
    "TABLES",
    "Scenario",
    "TableDef",
    "World",
    "build_scenario",
    "frames",
    "plan",
    "write_parquet",
]


def plan(scenario: Scenario, world: World | None = None) -> dict[str, int]:
    """Rows that each table will get, in load order."""
    w = world or World(scenario)
    return {t.name: t.count(w) for t in TABLES}


def frames(
    scenario: Scenario, name: str, chunk_rows: int = DEFAULT_CHUNK_ROWS, world: World | None = None
) -> Iterator[pl.DataFrame]:
    """Chunks of one table's rows."""
    w = world or World(scenario)
    return chunks(w, table(name), chunk_rows)


def write_parquet(
    scenario: Scenario,
    out_dir: str | Path,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    progress: Progress | None = None,
    *,
    parts: int = 1,
    workers: int = 1,
) -> dict[str, int]:
    """Write `<out_dir>/part-IIIII-of-NNNNN/<table>.parquet` for every part (see
    `generate.parts`) on `workers` local processes; rows per table."""
    from wedsync_analytics.generate.output import write_parts

    return write_parts(scenario, Path(out_dir), parts, workers, chunk_rows, progress)
