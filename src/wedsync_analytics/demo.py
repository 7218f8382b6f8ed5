"""The demo job: the whole pipeline at a small scale.

Server → migrations → generated wedding-season load (COPY) → an error storm through
the live triggers → Parquet export → three-engine validation → report folder → schema
summary. Each step is told to a `Narrator` as it starts and ends (the CLI draws progress
bars; the default narrator says nothing).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from wedsync_analytics import catalog, settings
from wedsync_analytics.analyses.params import Params
from wedsync_analytics.analyses.runner import EngineResult, run_all
from wedsync_analytics.charts import save_analysis_charts
from wedsync_analytics.config import connect, resolve_dsn
from wedsync_analytics.engines.base import Source
from wedsync_analytics.export import Manifest, export_database
from wedsync_analytics.export.reader import open_export
from wedsync_analytics.export.writer import Progress as ExportProgress
from wedsync_analytics.export.writer import list_tables
from wedsync_analytics.generate import Scenario, build_scenario
from wedsync_analytics.generate.calendar import market
from wedsync_analytics.load import LoadSummary, Progress, load_scenario
from wedsync_analytics.migrations import apply_migrations
from wedsync_analytics.output_dir import check_output_dir, staged_output
from wedsync_analytics.paths import sql_text
from wedsync_analytics.server import EmbeddedServer
from wedsync_analytics.validate import Report, validate

DEFAULT_OUT = Path("out/demo-export")
REPORT_NAME = "demo-report"  # the report folder's default name, beside the export
PLOTS = "plots"  # the report's folder of PNG charts
# On the embedded server the demo replaces the data of its own database, never `wedsync`.
DEMO_DATABASE = "wedsync_demo"
# The database's history of loads (one row per load, with wall-clock times): not exported
# by the demo, so that a rerun exports the same data as the first run.
HISTORY_TABLES = ("generation_runs",)
# What the live trigger assigns when the storm's errors arrive (gen_random_uuid(), now()):
# the only values of the demo's export that differ from one run to the next.
SERVER_ASSIGNED = {
    "error_groups": ("id", "incident_id", "created_at", "updated_at"),
    "error_reports": ("incident_id", "correlation_id"),
    "incidents": ("id", "context"),
}


class Narrator:
    """What the demo tells as it goes; this one says nothing (the CLI's draws and prints)."""

    def step(self, text: str) -> None:
        """A step starts."""

    @contextmanager
    def loading(self, scenario: Scenario) -> Iterator[Progress | None]:
        """Around the load: yields a per-table progress callback, or None."""
        yield None

    @contextmanager
    def exporting(self, tables: int) -> Iterator[ExportProgress | None]:
        """Around the export of `tables` tables: yields a per-table callback, or None."""
        yield None

    @contextmanager
    def validating(self) -> Iterator[None]:
        """Around the validation."""
        yield

    def loaded(self, load: LoadSummary) -> None:
        """The scenario is in the database."""

    def stormed(self, incidents: list[tuple[str, str, int]]) -> None:
        """The storm's errors went through the trigger and opened these incidents."""

    def exported(self, manifest: Manifest, out_dir: Path) -> None:
        """The export is in place."""

    def validated(self, report: Report) -> None:
        """The engines were compared."""


@dataclass(frozen=True)
class DemoResult:
    """What each step of the demo produced, and where its files are."""

    dsn: str
    scenario: Scenario
    load: LoadSummary
    storm: list[tuple[str, str, int]]
    manifest: Manifest
    report: Report
    summary: catalog.SchemaSummary
    out_dir: Path
    report_dir: Path
    plots: list[Path]


def scenario_end(scenario: Scenario) -> datetime:
    """Local midnight after the scenario's last day, in UTC: the `as_of` of the demo's analyses."""
    local = ZoneInfo(market(scenario.market).timezone)
    end = datetime.combine(scenario.start + timedelta(days=scenario.days), time(0), local)
    return end.astimezone(UTC)


def error_storm(dsn: str) -> list[tuple[str, str, int]]:
    """Insert a small error storm through the auto-incident trigger; return its incidents.

    Each row is (incident number, fingerprint's first error type, occurrences).
    """
    with connect(dsn) as conn, conn.transaction():
        conn.execute(sql_text("fixtures/demo_error_storm.sql").encode("utf-8"))
        rows = conn.execute(sql_text("fixtures/demo_storm_incidents.sql").encode("utf-8"))
        return [(str(r[0]), str(r[1]), int(r[2])) for r in rows.fetchall()]


def default_report_dir(out_dir: Path) -> Path:
    """The report folder beside the export: `out/demo-export` → `out/demo-report`."""
    return Path(out_dir).parent / REPORT_NAME


def chart_data(out_dir: Path, as_of: datetime) -> list[EngineResult]:
    """Every analysis of the export on DuckDB, for the charts."""
    source = Source(reader=open_export(out_dir, check=False))
    return run_all(Params(as_of=as_of), source, engines=("duckdb",))


def exported_tables(dsn: str) -> list[str]:
    """Every exportable table but the load history."""
    with connect(dsn) as conn:
        return [t for t in list_tables(conn) if t not in HISTORY_TABLES]


def run(
    dsn: str | None,
    *,
    scale: str = "small",
    seed: int = 42,
    market: str = "uk",
    out_dir: Path = DEFAULT_OUT,
    report_dir: Path | None = None,
    narrator: Narrator | None = None,
) -> DemoResult:
    """Run every step, telling `narrator` as it goes; return what each step produced.

    The generated data replaces what the target database holds: the embedded server's
    `wedsync_demo` database by default, or the database that `dsn` names.
    """
    tell = narrator or Narrator()
    report_dir = default_report_dir(out_dir) if report_dir is None else report_dir
    # Before any work: never load for 40 s, then refuse a folder.
    check_output_dir(out_dir)
    check_output_dir(report_dir, "--report")
    scenario = build_scenario(scale, seed=seed, market=market)
    if not (dsn or settings.dsn()) and not EmbeddedServer.default().running():
        tell.step("starting the embedded PostgreSQL server (the first start runs initdb)")
    target = resolve_dsn(dsn, database=DEMO_DATABASE)
    tell.step(f"database: {target}")
    applied = apply_migrations(target)
    tell.step(f"migrations applied now: {len(applied)}")
    tell.step(f"generating and loading scale {scale!r} (seed {seed}, market {scenario.market})")
    with tell.loading(scenario) as progress:
        loaded = load_scenario(target, scenario, replace=True, progress=progress)
    tell.loaded(loaded)
    tell.step("an error storm through the live incident trigger")
    storm = error_storm(target)
    tell.stormed(storm)
    tables = exported_tables(target)
    tell.step(f"exporting {len(tables)} tables to {out_dir} (not {', '.join(HISTORY_TABLES)})")
    with tell.exporting(len(tables)) as export_progress:
        manifest = export_database(target, out_dir, tables, progress=export_progress)
    tell.exported(manifest, out_dir)
    tell.step("validating: every analysis on PostgreSQL, DuckDB and Polars")
    with tell.validating():
        report = validate(out_dir, target, as_of=scenario_end(scenario))
    tell.validated(report)
    tell.step("drawing the analyses' charts (from DuckDB's answers, validated above)")
    with staged_output(report_dir, "--report") as tmp:
        report.write_json(tmp / "validation.json")
        drawn = save_analysis_charts(chart_data(out_dir, report.as_of), tmp / PLOTS)
    plots = [report_dir / PLOTS / path.name for path in drawn]
    with connect(target) as conn:
        summary = catalog.summarise(conn)
    return DemoResult(
        target, scenario, loaded, storm, manifest, report, summary, out_dir, report_dir, plots
    )


def format_summary(summary: catalog.SchemaSummary) -> list[str]:
    """Plain-text lines: tables with row counts, then views, enums and functions."""
    width = max(len(name) for name in summary.table_rows) if summary.table_rows else 10
    lines = [f"{len(summary.table_rows)} tables:"]
    lines += [f"  {name:<{width}} {rows:>12,}" for name, rows in summary.table_rows.items()]
    lines.append(f"{len(summary.views)} views: {', '.join(summary.views)}")
    lines.append(f"{len(summary.enums)} enums: {', '.join(summary.enums)}")
    lines.append(f"{len(summary.functions)} functions: {', '.join(summary.functions)}")
    return lines
