"""The comparison itself: it must fail when engines differ, and say where."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import psycopg

from tests import synthetic
from tests.cli_support import run_cli
from tests.robust_support import reseal
from wedsync_analytics import validate as v
from wedsync_analytics.analyses import ANALYSES
from wedsync_analytics.export import export_database

HEALTH = ANALYSES["system_health"]


def _frame(avg: list[float | None], total: list[int] | None = None) -> pl.DataFrame:
    n = len(avg)
    return pl.DataFrame(
        {
            "organization_id": ["o"] * n,
            "service_name": [f"s{i}" for i in range(n)],
            "total_checks": total or [3] * n,
            "healthy_checks": [1] * n,
            "degraded_checks": [1] * n,
            "unhealthy_checks": [1] * n,
            "avg_response_time": avg,
            "last_successful_check": [datetime(2024, 1, 1, tzinfo=UTC)] * n,
            "total_consecutive_failures": [0] * n,
        },
        schema=HEALTH.schema,
    )


def test_float_tolerance_is_relative_1e9() -> None:
    ok, worst, _, _ = v.compare_frames(
        HEALTH, _frame([1e6, None, 0.0]), _frame([1e6 * (1 + 5e-10), None, 1e-13])
    )
    assert ok and 4e-10 < worst < 6e-10
    ok, worst, message, rows = v.compare_frames(
        HEALTH, _frame([1e6, 2.0]), _frame([1e6 * (1 + 2e-9), 2.0])
    )
    assert not ok and "avg_response_time" in message
    assert rows is not None and rows["service_name"].to_list() == ["s0"]
    ok, _, _, _ = v.compare_frames(HEALTH, _frame([1.0]), _frame([None]))
    assert not ok


def test_counts_and_keys_are_exact() -> None:
    ok, _, message, _ = v.compare_frames(HEALTH, _frame([1.0, 2.0]), _frame([1.0, 2.0], [3, 4]))
    assert not ok and "total_checks" in message
    ok, _, message, rows = v.compare_frames(HEALTH, _frame([1.0, 2.0]), _frame([1.0]))
    assert not ok and "key(s) differ" in message
    assert rows is not None and rows["problem"].to_list() == ["only in reference"]


def test_cli_passes_then_fails_on_a_tampered_export(
    db: psycopg.Connection, db_dsn: str, tmp_path: Path
) -> None:
    as_of = datetime(2024, 3, 31, 1, 30, tzinfo=UTC)
    synthetic.load_dataset(db, synthetic.random_dataset(2, as_of, 150))
    out = tmp_path / "export"
    export_database(db_dsn, out)
    report_file = tmp_path / "report.json"
    command = [
        "validate",
        "--data",
        str(out),
        "--dsn",
        db_dsn,
        "--as-of",
        as_of.isoformat(),
        "--json",
        str(report_file),
    ]
    done = run_cli(*command, env={"COLUMNS": "200"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "all engines agree" in done.stdout
    assert '"ok": true' in report_file.read_text()
    # Change one health check's response time in the Parquet only: `verify` (run first)
    # sees it; forged consistently (digests and seal rewritten), PostgreSQL disagrees.
    for victim in (out / "system_health_checks").rglob("*.parquet"):
        frame = pl.read_parquet(victim)
        frame.with_columns(pl.col("response_time_ms") + 1).write_parquet(victim)
    done = run_cli(*command, env={"COLUMNS": "200"})
    assert done.returncode == 2 and "table system_health_checks" in done.stderr, done.stderr
    reseal(out)
    done = run_cli(*command, env={"COLUMNS": "200"})
    assert done.returncode == 1, done.stdout + done.stderr
    assert "MISMATCH" in done.stdout
    assert "system_health on duckdb" in done.stdout and "avg_response_time" in done.stdout
    assert "Traceback" not in done.stderr
