"""One runner for every analysis on every engine, each result normalised for comparison.

It loops over the catalog and the engine registry: each engine that can read the source
(a DSN for database engines, an export for the others) is prepared once (untimed), runs
every chosen analysis (each timed), and is closed. Results are cast to the analysis's
schema and sorted by its keys; errors are captured in the result, never raised.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from wedsync_analytics.analyses.catalog import ANALYSES, Analysis
from wedsync_analytics.analyses.params import Params
from wedsync_analytics.engines import ENGINES, engine_class
from wedsync_analytics.engines.base import Engine, Source, normalise


@dataclass
class EngineResult:
    """One analysis on one engine: the frame (None on error) and the time it took."""

    analysis: str
    engine: str
    frame: pl.DataFrame | None
    seconds: float
    error: str | None = None


def describe(exc: BaseException) -> str:
    """`Type: first line` of an engine's error."""
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else type(exc).__name__}"


def run_one(engine: Engine, analysis: Analysis, params: Params) -> EngineResult:
    """One analysis on an open engine, timed; an engine's error becomes the result's error."""
    started = time.perf_counter()
    try:
        frame = normalise(engine.run(analysis, params.values(analysis)), analysis)
    except Exception as exc:  # every engine library has its own error types
        from wedsync_analytics.errors import UserError

        if isinstance(exc, UserError):
            raise
        return EngineResult(
            analysis.name, engine.name, None, time.perf_counter() - started, describe(exc)
        )
    return EngineResult(analysis.name, engine.name, frame, time.perf_counter() - started)


def run_all(
    params: Params,
    source: Source,
    *,
    analyses: Sequence[str] | None = None,
    engines: Sequence[str] = tuple(ENGINES),
) -> list[EngineResult]:
    """Each chosen analysis on each chosen engine that can read `source`."""
    chosen = [ANALYSES[n] for n in (analyses or list(ANALYSES))]
    tables = sorted({t for a in chosen for t in a.tables})
    results: list[EngineResult] = []
    for name in engines:
        cls = engine_class(name)
        if not cls.can_read(source):
            continue
        try:
            engine = cls(source, tables)
        except Exception as exc:  # could not even start: every analysis fails the same way
            from wedsync_analytics.errors import UserError

            if isinstance(exc, UserError):
                raise
            results += [EngineResult(a.name, name, None, 0.0, describe(exc)) for a in chosen]
            continue
        try:
            results += [run_one(engine, analysis, params) for analysis in chosen]
        finally:
            engine.close()
    return results
