"""The demo job: the whole pipeline at a small scale.

Server → migrations → generated wedding-season load (COPY) → an error storm through
the live triggers → Parquet export → three-engine validation → schema summary.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from wedsync_analytics import catalog
from wedsync_analytics.config import connect, resolve_dsn
from wedsync_analytics.export import Manifest, export_database
from wedsync_analytics.generate import Scenario, build_scenario
from wedsync_analytics.generate.calendar import market
from wedsync_analytics.load import LoadSummary, Progress, load_scenario
from wedsync_analytics.migrations import apply_migrations
from wedsync_analytics.output_dir import check_output_dir
from wedsync_analytics.paths import sql_text
from wedsync_analytics.validate import Report, validate

DEFAULT_OUT = Path("out/demo-export")
# On the embedded server the demo replaces the data of its own database, never `wedsync`.
DEMO_DATABASE = "wedsync_demo"


@dataclass(frozen=True)
class DemoResult:
    """What each step of the demo produced."""

    dsn: str
    scenario: Scenario
    load: LoadSummary
    storm: list[tuple[str, str, int]]
    manifest: Manifest
    report: Report
    summary: catalog.SchemaSummary


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


def run(
    dsn: str | None,
    *,
    scale: str = "small",
    seed: int = 42,
    market: str = "uk",
    out_dir: Path = DEFAULT_OUT,
    echo: Callable[[str], None] = print,
    progress: Progress | None = None,
) -> DemoResult:
    """Run every step; `echo` narrates, `progress` receives load progress.

    The generated data replaces what the target database holds: the embedded server's
    `wedsync_demo` database by default, or the database that `dsn` names.
    """
    check_output_dir(out_dir)  # before any work: never load for 35 s, then refuse the folder
    scenario = build_scenario(scale, seed=seed, market=market)
    target = resolve_dsn(dsn, database=DEMO_DATABASE)
    echo(f"database: {target}")
    applied = apply_migrations(target)
    echo(f"migrations applied now: {len(applied)}")
    echo(f"generating and loading scale {scale!r} (seed {seed}, market {market})")
    loaded = load_scenario(target, scenario, replace=True, progress=progress)
    storm = error_storm(target)
    echo(f"exporting to {out_dir}")
    manifest = export_database(target, out_dir)
    report = validate(out_dir, target, as_of=scenario_end(scenario))
    with connect(target) as conn:
        summary = catalog.summarise(conn)
    return DemoResult(target, scenario, loaded, storm, manifest, report, summary)


def format_summary(summary: catalog.SchemaSummary) -> list[str]:
    """Plain-text lines: tables with row counts, then views, enums and functions."""
    width = max(len(name) for name in summary.table_rows) if summary.table_rows else 10
    lines = [f"{len(summary.table_rows)} tables:"]
    lines += [f"  {name:<{width}} {rows:>12,}" for name, rows in summary.table_rows.items()]
    lines.append(f"{len(summary.views)} views: {', '.join(summary.views)}")
    lines.append(f"{len(summary.enums)} enums: {', '.join(summary.enums)}")
    lines.append(f"{len(summary.functions)} functions: {', '.join(summary.functions)}")
    return lines
