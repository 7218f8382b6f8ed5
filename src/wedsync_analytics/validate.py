"""Validation: every analysis on every available engine, compared.

Keys and counts (integers, strings, booleans, dates, timestamps) must match exactly;
floats within a relative 1e-9 (with an absolute floor of 1e-12 for values near 0).
PostgreSQL is the reference when it runs; otherwise DuckDB.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import psycopg

from wedsync_analytics.analyses.catalog import ANALYSES, Analysis
from wedsync_analytics.analyses.params import Params, parse_as_of
from wedsync_analytics.analyses.runner import EngineResult, run_all
from wedsync_analytics.config import first_line
from wedsync_analytics.engines import DEFAULT_ENGINES, engine_class
from wedsync_analytics.engines.base import Source
from wedsync_analytics.errors import UserError
from wedsync_analytics.exits import ConnectionLost, conn_lost, lost_in
from wedsync_analytics.export.manifest import read_manifest, server_checksum
from wedsync_analytics.export.reader import ExportReader, open_export
from wedsync_analytics.export.writer import SESSION_SETTINGS
from wedsync_analytics.table_facts import event_time
from wedsync_analytics.validate_checks import check_export, postgres_target

REL_TOL = 1e-9
ABS_TOL = 1e-12
SHOW_ROWS = 5


@dataclass
class Comparison:
    """One analysis on one engine, against the reference engine."""

    analysis: str
    engine: str
    status: str  # pass | fail | error | skipped | reference
    rows: int | None = None
    max_diff: float = 0.0
    seconds: float = 0.0
    message: str = ""
    differing: pl.DataFrame | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "analysis": self.analysis,
            "engine": self.engine,
            "status": self.status,
            "rows": self.rows,
            "max_relative_difference": self.max_diff,
            "seconds": round(self.seconds, 4),
            "message": self.message,
            "first_differing_rows": (
                self.differing.head(SHOW_ROWS).to_dicts() if self.differing is not None else None
            ),
        }


@dataclass
class Report:
    """All comparisons of one validation run."""

    as_of: datetime
    engines: list[str]
    comparisons: list[Comparison] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.status in ("pass", "reference", "skipped") for c in self.comparisons)

    def to_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "ok": self.ok,
            "engines": self.engines,
            "notes": self.notes,
            "comparisons": [c.to_json() for c in self.comparisons],
        }

    def write_json(self, path: str | Path) -> None:
        Path(path).write_text(
            json.dumps(self.to_json(), indent=2, default=str) + "\n", encoding="utf-8"
        )


def _float_diff(a: float | None, b: float | None) -> float:
    """Relative difference; inf when one side is NULL/NaN and the other is not."""
    if a is None or b is None:
        return 0.0 if a is None and b is None else math.inf
    if math.isnan(a) or math.isnan(b):
        return 0.0 if math.isnan(a) and math.isnan(b) else math.inf
    if a == b:
        return 0.0
    scale = max(abs(a), abs(b))
    diff = abs(a - b)
    return 0.0 if diff <= ABS_TOL else diff / scale


def compare_frames(
    analysis: Analysis, reference: pl.DataFrame, other: pl.DataFrame
) -> tuple[bool, float, str, pl.DataFrame | None]:
    """(equal, largest relative float difference, message, first differing rows)."""
    keys = list(analysis.keys)
    for label, frame in (("reference", reference), ("engine", other)):
        dupes = frame.group_by(keys).len().filter(pl.col("len") > 1)
        if dupes.height:
            return False, math.inf, f"duplicate keys in {label} result", dupes.head(SHOW_ROWS)
    ref_marked = reference.with_columns(pl.lit(True).alias("__in_ref"))
    oth_marked = other.with_columns(pl.lit(True).alias("__in_other"))
    joined = ref_marked.join(
        oth_marked, on=keys, how="full", nulls_equal=True, suffix="__other", coalesce=True
    )
    missing = joined.filter(pl.col("__in_ref").is_null() | pl.col("__in_other").is_null())
    if missing.height:
        shown = missing.select(
            *keys,
            pl.when(pl.col("__in_ref").is_null())
            .then(pl.lit("only in engine"))
            .otherwise(pl.lit("only in reference"))
            .alias("problem"),
        )
        return (
            False,
            math.inf,
            f"{missing.height} key(s) differ ({reference.height} vs {other.height} rows)",
            shown,
        )
    worst = 0.0
    bad_rows: list[pl.Series] = []
    problems: list[str] = []
    for column, dtype in analysis.schema.items():
        if column in keys:
            continue
        left, right = joined[column], joined[f"{column}__other"]
        if dtype == pl.Float64:
            diffs = pl.Series(
                [_float_diff(a, b) for a, b in zip(left.to_list(), right.to_list(), strict=True)],
                dtype=pl.Float64,
            )
            worst = max(worst, float(diffs.max() or 0.0))  # type: ignore[arg-type]
            bad = diffs > REL_TOL
        else:
            bad = ~left.eq_missing(right)
        if bad.any():
            problems.append(column)
            bad_rows.append(bad)
    if not problems:
        return True, worst, "", None
    mask = bad_rows[0]
    for extra in bad_rows[1:]:
        mask = mask | extra
    shown_cols = keys + [c for p in problems for c in (p, f"{p}__other")]
    differing = joined.filter(mask).select(shown_cols)
    return False, worst, f"{differing.height} row(s) differ in {', '.join(problems)}", differing


def database_matches(
    conn: psycopg.Connection, reader: ExportReader, tables: list[str]
) -> str | None:
    """None if the database holds what was exported of `tables`, else what differs.

    "What was exported" is each table's row count and server checksum in manifest.json
    (`export.manifest.server_checksum` over the exported columns, with the export's session
    settings): equal row counts alone do not make two databases the same.
    """
    for statement in SESSION_SETTINGS:
        conn.execute(statement)
    for table in tables:
        entry = reader.manifest.tables.get(table)
        if entry is None:
            continue
        try:
            rows, checksum = server_checksum(conn, table, entry.columns)
        except psycopg.Error as exc:
            if conn_lost(exc):
                raise
            return f"{table}: no checksum of the exported columns ({first_line(exc)})"
        if rows != entry.rows:
            return f"{table} has {rows} rows in the database but {entry.rows} in the export"
        if checksum != entry.checksum:
            return (
                f"{table} has the exported {rows} rows but another content: checksum "
                f"{checksum} in the database, {entry.checksum} in the export"
            )
    return None


def default_as_of(reader: ExportReader) -> datetime:
    """The top of the hour after the newest event in the export (UTC).

    Windows end where the data ends, so an export of a past season gives the same,
    non-empty answers on any day. An export without events falls back to its
    snapshot time.
    """
    newest: list[datetime] = []
    for table in sorted({t for a in ANALYSES.values() for t in a.tables}):
        column = event_time(table)
        if column and table in reader.tables and reader.entry(table).rows:
            value = reader.scan(table).select(pl.col(column).max()).collect().item()
            if isinstance(value, datetime):
                newest.append(value.astimezone(UTC))
    if not newest:
        return parse_as_of(reader.manifest.snapshot_time)
    return max(newest).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


def validate(
    data_dir: str | Path,
    dsn: str | None = None,
    as_of: datetime | None = None,
    *,
    analyses: list[str] | None = None,
    engines: tuple[str, ...] | None = None,
    params: Params | None = None,
    options: dict[str, str] | None = None,
    allow_incomplete: bool = False,
) -> Report:
    """Run every analysis on every available engine over `data_dir` (and `dsn`) and compare.

    `engines` None means DEFAULT_ENGINES; an engine named that cannot run here (Spark
    without Java 17+) is a UserError saying what to install. First the whole export is
    verified against its manifest, and PostgreSQL (when `dsn` is given) must be the
    exported database: otherwise an error says why (`validate_checks`).
    """
    wanted = _usable_engines(engines, options or {})
    check_export(data_dir, allow_incomplete=allow_incomplete)
    skipped: list[str] = []
    if analyses:
        chosen = list(analyses)
    else:  # every analysis whose input tables are in the export
        exported = set(read_manifest(Path(data_dir)).tables)
        chosen = [n for n, a in ANALYSES.items() if set(a.tables) <= exported]
        skipped = [n for n in ANALYSES if n not in chosen]
    tables = sorted({t for n in chosen for t in ANALYSES[n].tables})
    reader = open_export(data_dir, tables)
    params = params or Params(as_of=as_of or default_as_of(reader))
    report = Report(as_of=params.as_of, engines=[])
    if skipped:
        report.notes.append(f"not in the export, so not run: {', '.join(skipped)}")
    use_dsn = dsn if "postgres" in wanted else None
    if use_dsn is not None:
        postgres_target(
            use_dsn,
            reader.manifest,
            tables,
            lambda conn: database_matches(conn, reader, tables),
            allow_incomplete=allow_incomplete,
        )
    source = Source(dsn=use_dsn, reader=reader, options=options or {})
    report.engines = [e for e in wanted if engine_class(e).can_read(source)]
    results = run_all(params, source, analyses=chosen, engines=report.engines)
    lost = next((r for r in results if r.engine == "postgres" and lost_in(r.error)), None)
    if lost is not None:
        raise ConnectionLost(
            f"validate: lost the connection to PostgreSQL during {lost.analysis} ({lost.error}); "
            "not a mismatch: nothing was compared; run again"
        )
    report.comparisons = compare_results(chosen, report.engines, results)
    return report


def compare_results(
    chosen: list[str], engines: list[str], results: list[EngineResult]
) -> list[Comparison]:
    """Each analysis on each engine against the first engine that ran it (the reference)."""
    comparisons: list[Comparison] = []
    by_key: dict[tuple[str, str], EngineResult] = {(r.analysis, r.engine): r for r in results}
    for name in chosen:
        analysis = ANALYSES[name]
        ref_engine = next((e for e in engines if (name, e) in by_key), None)
        ref = by_key.get((name, ref_engine)) if ref_engine else None
        for engine in engines:
            result = by_key[(name, engine)]
            if result.frame is None:
                comparisons.append(
                    Comparison(
                        name, engine, "error", None, 0.0, result.seconds, result.error or "error"
                    )
                )
                continue
            if engine == ref_engine:
                comparisons.append(
                    Comparison(name, engine, "reference", result.frame.height, 0.0, result.seconds)
                )
                continue
            if ref is None or ref.frame is None:
                comparisons.append(
                    Comparison(
                        name,
                        engine,
                        "skipped",
                        result.frame.height,
                        0.0,
                        result.seconds,
                        "reference engine failed",
                    )
                )
                continue
            ok, worst, message, differing = compare_frames(analysis, ref.frame, result.frame)
            comparisons.append(
                Comparison(
                    name,
                    engine,
                    "pass" if ok else "fail",
                    result.frame.height,
                    worst,
                    result.seconds,
                    message,
                    differing,
                )
            )
    return comparisons


def _usable_engines(engines: tuple[str, ...] | None, options: dict[str, str]) -> list[str]:
    """The engines to run; one that cannot run here is a UserError saying what to install."""
    for name in engines or DEFAULT_ENGINES:
        problem = engine_class(name).missing(options)
        if problem is not None:
            raise UserError(f"{name} cannot run here: {problem}")
    return list(engines or DEFAULT_ENGINES)


def _cell(c: Comparison) -> str:
    rows = "-" if c.rows is None else f"{c.rows} rows"
    if c.status == "reference":
        return f"reference, {rows}, {c.seconds:.3f}s"
    if c.status in ("pass", "fail"):
        return f"{c.status}, {rows}, max diff {c.max_diff:.1e}, {c.seconds:.3f}s"
    return f"{c.status}: {c.message}"


def print_report(report: Report, console: Any = None) -> None:
    """Print the analysis-by-engine table, notes, and the first differing rows of failures."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    table = Table(title=f"Engine validation (as_of {report.as_of.isoformat()})")
    table.add_column("analysis")
    for engine in report.engines:
        table.add_column(engine)
    for name in dict.fromkeys(c.analysis for c in report.comparisons):
        cells = {c.engine: c for c in report.comparisons if c.analysis == name}
        table.add_row(name, *[_cell(cells[e]) if e in cells else "-" for e in report.engines])
    console.print(table)
    for note in report.notes:
        console.print(f"note: {note}")
    for c in report.comparisons:
        if c.status in ("fail", "error"):
            console.print(f"[bold]{c.analysis} on {c.engine}[/bold]: {c.message}")
            if c.differing is not None:
                with pl.Config(tbl_cols=-1, tbl_width_chars=200, tbl_rows=SHOW_ROWS):
                    console.print(str(c.differing.head(SHOW_ROWS)), markup=False)
    console.print("all engines agree" if report.ok else "MISMATCH: engines disagree")
