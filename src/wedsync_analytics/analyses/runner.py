"""One runner for every analysis on every engine, each result normalised for comparison.

Engines: `postgres` (the SQL file on the live database), `duckdb` (the SQL file over
the export's Parquet) and `polars` (the lazy module over the same Parquet). Results
are cast to the analysis's schema and sorted by its keys.
"""

from __future__ import annotations

import importlib
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import duckdb
import polars as pl
import psycopg

from wedsync_analytics.analyses.params import Params
from wedsync_analytics.analyses.registry import ANALYSES, Analysis
from wedsync_analytics.paths import sql_text

if TYPE_CHECKING:
    from wedsync_analytics.export.reader import ExportReader

ENGINES = ("postgres", "duckdb", "polars")
_DUCK_PARAM = re.compile(r"\$([a-z_]+)")


@dataclass
class EngineResult:
    """One analysis on one engine: the frame (None on error) and the time it took."""

    analysis: str
    engine: str
    frame: pl.DataFrame | None
    seconds: float
    error: str | None = None


def normalise(frame: pl.DataFrame, analysis: Analysis) -> pl.DataFrame:
    """Columns in the analysis's order and types, rows sorted by its keys."""
    missing = [c for c in analysis.schema if c not in frame.columns]
    if missing:
        raise ValueError(f"{analysis.name}: result lacks column(s) {', '.join(missing)}")
    out = frame.select([pl.col(c).cast(t) for c, t in analysis.schema.items()])
    return out.sort(list(analysis.keys), nulls_last=True)


def run_postgres(conn: psycopg.Connection, analysis: Analysis, params: Params) -> pl.DataFrame:
    """The PostgreSQL SQL file on `conn` (session TimeZone set to UTC)."""
    conn.execute("SET TimeZone = 'UTC'")
    query = sql_text(f"analyses/postgres/{analysis.name}.sql")
    with conn.cursor() as cur:
        cur.execute(query.encode(), params.for_analysis(analysis.name).bind())
        rows = cur.fetchall()
        names = [d.name for d in cur.description or []]
    frame = pl.DataFrame(
        rows, schema={n: analysis.schema.get(n, pl.String()) for n in names}, orient="row"
    )
    return normalise(frame, analysis)


def duckdb_params(query: str, params: Params, name: str) -> dict[str, Any]:
    """Only the parameters the query names (DuckDB rejects unused named parameters)."""
    values = params.for_analysis(name).bind()
    return {key: values[key] for key in sorted(set(_DUCK_PARAM.findall(query)))}


def run_duckdb(con: duckdb.DuckDBPyConnection, analysis: Analysis, params: Params) -> pl.DataFrame:
    """The DuckDB SQL file on a connection whose views are the export's tables."""
    query = sql_text(f"analyses/duckdb/{analysis.name}.sql")
    relation = con.sql(query, params=duckdb_params(query, params, analysis.name))
    assert relation is not None
    return normalise(relation.pl(), analysis)


def run_polars(tables: dict[str, pl.LazyFrame], analysis: Analysis, params: Params) -> pl.DataFrame:
    """The Polars lazy module over the export's tables."""
    module = importlib.import_module(f"wedsync_analytics.analyses.polars_engine.{analysis.name}")
    lazy: pl.LazyFrame = module.build(tables, params.for_analysis(analysis.name))
    return normalise(lazy.collect(), analysis)


def _timed(analysis: str, engine: str, fn: Any, *args: Any) -> EngineResult:
    started = time.perf_counter()
    try:
        frame = fn(*args)
    except (
        psycopg.Error,
        duckdb.Error,
        ValueError,
        pl.exceptions.PolarsError,
        RuntimeError,
    ) as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return EngineResult(
            analysis,
            engine,
            None,
            time.perf_counter() - started,
            f"{type(exc).__name__}: {message}",
        )
    return EngineResult(analysis, engine, frame, time.perf_counter() - started)


def run_all(
    params: Params,
    *,
    reader: ExportReader | None = None,
    dsn: str | None = None,
    analyses: Sequence[str] | None = None,
    engines: Sequence[str] = ENGINES,
) -> list[EngineResult]:
    """Run each analysis on each engine that has its input (export for DuckDB/Polars, DSN for
    PostgreSQL); errors are captured in the result, not raised."""
    chosen = [ANALYSES[n] for n in (analyses or list(ANALYSES))]
    results: list[EngineResult] = []
    duck = None
    scans: dict[str, pl.LazyFrame] = {}
    if reader is not None:
        needed = sorted({t for a in chosen for t in a.tables})
        if "duckdb" in engines:
            duck = reader.duckdb(needed)
        scans = {t: reader.scan(t) for t in needed}
    conn = None
    if dsn is not None and "postgres" in engines:
        from wedsync_analytics.config import connect

        conn = connect(dsn, autocommit=True)
    try:
        for analysis in chosen:
            if conn is not None:
                results.append(
                    _timed(analysis.name, "postgres", run_postgres, conn, analysis, params)
                )
            if duck is not None:
                results.append(_timed(analysis.name, "duckdb", run_duckdb, duck, analysis, params))
            if reader is not None and "polars" in engines:
                results.append(_timed(analysis.name, "polars", run_polars, scans, analysis, params))
    finally:
        if conn is not None:
            conn.close()
        if duck is not None:
            duck.close()
    return results
