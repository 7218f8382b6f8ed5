"""The engines side by side on one dataset, and what a disagreement looks like.

DuckDB and Polars always run (they read the Parquet). PostgreSQL runs when a DSN is given
and the dataset is an export of that database (`validate.validate` checks it); Spark when
asked for and installed (Java 17+), on an export. An engine that does not run is listed
as `skipped` with the reason, one row per analysis: a skipped engine never counts as
agreeing (`agreeing` lists only engines that passed every analysis).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from wedsync_analytics.analyses import ANALYSES, Analysis, Params, run_all
from wedsync_analytics.engines import engine_class
from wedsync_analytics.engines.base import Source
from wedsync_analytics.notebook_data import Dataset
from wedsync_analytics.validate import Comparison, compare_frames, compare_results, validate

IN_PROCESS = ("duckdb", "polars")


@dataclass
class EngineComparison:
    """Every comparison of one run, including the engines that did not run."""

    comparisons: list[Comparison]
    skipped: dict[str, str] = field(default_factory=dict)  # engine -> why it did not run

    @property
    def engines(self) -> list[str]:
        return list(dict.fromkeys(c.engine for c in self.comparisons))

    def agreeing(self) -> list[str]:
        """Engines that passed (or were the reference for) every analysis."""
        return [
            e
            for e in self.engines
            if all(c.status in ("pass", "reference") for c in self.comparisons if c.engine == e)
        ]

    def table(self) -> pl.DataFrame:
        """One row per analysis and engine: status, rows, largest difference, seconds."""
        return pl.DataFrame(
            [
                {
                    "analysis": c.analysis,
                    "engine": c.engine,
                    "status": c.status,
                    "rows": c.rows,
                    "max_relative_difference": c.max_diff,
                    "seconds": round(c.seconds, 4),
                    "message": c.message,
                }
                for c in self.comparisons
            ]
        )

    def summary(self) -> str:
        skipped = "; ".join(f"{e} skipped ({why})" for e, why in self.skipped.items())
        failing = [e for e in self.engines if e not in self.agreeing() and e not in self.skipped]
        lines = [f"agree on every analysis: {', '.join(self.agreeing()) or 'none'}"]
        if failing:
            lines.append(f"DISAGREE or fail: {', '.join(failing)}")
        if skipped:
            lines.append(f"not compared: {skipped}")
        return "\n".join(lines)


def _skip(names: list[str], engine: str, why: str) -> list[Comparison]:
    return [Comparison(n, engine, "skipped", message=why) for n in names]


def compare_engines(
    dataset: Dataset,
    *,
    dsn: str | None = None,
    spark: bool = False,
    analyses: list[str] | None = None,
    params: Params | None = None,
) -> EngineComparison:
    """Every chosen analysis (default all) on every engine that can run here, compared."""
    names = analyses or list(ANALYSES)
    params = params or Params(as_of=dataset.as_of)
    skipped: dict[str, str] = {}
    engines = list(IN_PROCESS)
    if spark:
        problem = engine_class("spark").missing({})
        if problem is not None:
            skipped["spark"] = problem
        elif dataset.generated:
            skipped["spark"] = "reads exports only (run `wedsync-analytics export` first)"
        else:
            engines.append("spark")
    else:
        skipped["spark"] = "not asked for (spark=True runs it; it starts a JVM)"
    if dsn is None:
        skipped["postgres"] = "no DSN given"
    elif dataset.generated:
        skipped["postgres"] = "the dataset was not exported from a database"
    if dsn is not None and not dataset.generated:
        report = validate(
            dataset.reader.directory,
            dsn,
            analyses=names,
            engines=("postgres", *engines),
            params=params,
        )
        comparisons = report.comparisons
    else:
        source = Source(reader=dataset.reader)
        results = run_all(params, source, analyses=names, engines=engines)
        comparisons = compare_results(names, engines, results)
    for engine, why in skipped.items():
        comparisons += _skip(names, engine, why)
    return EngineComparison(comparisons, skipped)


def changed_copy(frame: pl.DataFrame, analysis: Analysis) -> tuple[pl.DataFrame, str]:
    """`frame` with one value changed on purpose (the first non-null value of the first float
    column times 1.001, else of the first count plus one) and a sentence saying what."""
    numbers = [
        c
        for kind in (pl.Float64(), pl.Int64())
        for c, t in analysis.schema.items()
        if t == kind and c not in analysis.keys and frame[c].null_count() < frame.height
    ]
    if not numbers:
        raise ValueError(f"{analysis.name}: no value to change in an empty result")
    column = numbers[0]
    row = int(frame[column].is_not_null().arg_max() or 0)
    floating = frame[column].dtype == pl.Float64
    changed = pl.col(column) * 1.001 if floating else pl.col(column) + 1
    target = pl.int_range(pl.len()) == row
    out = frame.with_columns(pl.when(target).then(changed).otherwise(pl.col(column)).alias(column))
    return out, f"{analysis.name}: {column} of row {row} {'x 1.001' if floating else '+ 1'}"


def disagreement(reference: pl.DataFrame, analysis: Analysis) -> tuple[str, str, pl.DataFrame]:
    """A changed copy of `reference` through the library's comparison: (what was changed,
    the comparison's message, its first differing rows)."""
    copy, what = changed_copy(reference, analysis)
    ok, worst, message, differing = compare_frames(analysis, reference, copy)
    if ok or differing is None:
        raise AssertionError(f"the comparison missed a changed value ({what})")
    return what, f"{message} (largest relative difference {worst:.1e})", differing
