"""The demo job end to end on a fresh database, at the tiny scale."""

from __future__ import annotations

from pathlib import Path

from tests.cli_support import run_cli
from wedsync_analytics import demo


def test_demo_job_runs_every_step(db_dsn: str, tmp_path: Path) -> None:
    out = tmp_path / "export"
    result = demo.run(db_dsn, scale="tiny", seed=7, out_dir=out, echo=lambda _line: None)
    assert [(error_type, seen) for _, error_type, seen in result.storm] == [
        ("PaymentProviderTimeout", 40),
        ("GalleryUploadFailed", 40),
        ("TimelineSyncConflict", 40),
    ]
    assert len({number for number, _, _ in result.storm}) == 3
    assert (out / "manifest.json").is_file()
    assert result.report.ok
    assert {c.engine for c in result.report.comparisons} == {"postgres", "duckdb", "polars"}
    empty = [name for name, rows in result.summary.table_rows.items() if rows == 0]
    assert not empty, f"tables without rows after the demo: {empty}"
    assert len(result.summary.views) >= 5


def test_demo_command_prints_the_summary(db_dsn: str, tmp_path: Path) -> None:
    done = run_cli("demo", "--scale", "tiny", "--dsn", db_dsn, "--out", str(tmp_path / "x"))
    assert done.returncode == 0, done.stderr
    for fragment in ("all engines agree", "performance_metrics", "5 views", "INC-"):
        assert fragment in done.stdout
