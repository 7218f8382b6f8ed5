"""The demo job end to end on a fresh database, at the tiny scale, run twice."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from tests.cli_support import run_cli
from wedsync_analytics import demo


def _tables(out: Path) -> dict[str, dict[str, object]]:
    tables: dict[str, dict[str, object]] = json.loads((out / "manifest.json").read_text())["tables"]
    return tables


def _rows_without(out: Path, table: str, columns: tuple[str, ...]) -> pl.DataFrame:
    frame = pl.read_parquet(out / table / "**" / "*.parquet", hive_partitioning=False)
    kept = frame.drop(columns)
    flat = [c for c, t in kept.schema.items() if not t.is_nested()]
    return kept.sort(flat, nulls_last=True)


def test_demo_runs_every_step_and_a_rerun_exports_the_same_data(
    db_dsn: str, tmp_path: Path
) -> None:
    first = tmp_path / "first"
    result = demo.run(db_dsn, scale="tiny", seed=7, out_dir=first)
    assert [(error_type, seen) for _, error_type, seen in result.storm] == [
        ("PaymentProviderTimeout", 40),
        ("GalleryUploadFailed", 40),
        ("TimelineSyncConflict", 40),
    ]
    assert len({number for number, _, _ in result.storm}) == 3
    assert result.report.ok
    assert {c.engine for c in result.report.comparisons} == {"postgres", "duckdb", "polars"}
    empty = [name for name, rows in result.summary.table_rows.items() if rows == 0]
    assert not empty, f"tables without rows after the demo: {empty}"
    assert len(result.summary.views) >= 5
    report = json.loads((tmp_path / "demo-report" / "validation.json").read_text())
    assert report["ok"] is True
    assert result.plots and all(p.is_file() and p.suffix == ".png" for p in result.plots)

    # The rerun, through the CLI, into the same database.
    second = tmp_path / "second"
    done = run_cli("demo", "--scale", "tiny", "--seed", "7", "--dsn", db_dsn, "--out", str(second))
    assert done.returncode == 0, done.stderr
    for fragment in ("all engines agree", "performance_metrics", "5 views", "INC-"):
        assert fragment in done.stdout
    for fragment in (
        str(second),
        "validation.json",
        "jupyter lab notebooks/",
        "not exported",
        "analysis_percentiles.png",
    ):
        assert fragment in done.stdout

    one, two = _tables(first), _tables(second)
    assert one.keys() == two.keys()
    assert not set(demo.HISTORY_TABLES) & one.keys()
    assert result.summary.table_rows["generation_runs"] >= 1  # history kept in the database
    changed = sorted(t for t in one if one[t]["digest"] != two[t]["digest"])
    assert set(changed) <= set(demo.SERVER_ASSIGNED), f"tables that differ on a rerun: {changed}"
    for table, columns in demo.SERVER_ASSIGNED.items():
        assert one[table]["rows"] == two[table]["rows"]
        before, after = _rows_without(first, table, columns), _rows_without(second, table, columns)
        assert before.equals(after), f"{table} differs outside {columns}"


def test_demo_refuses_a_report_folder_it_did_not_write(db_dsn: str, tmp_path: Path) -> None:
    report = tmp_path / "mine"
    report.mkdir()
    (report / "notes.txt").write_text("keep\n")
    done = run_cli(
        "demo", "--scale", "tiny", "--dsn", db_dsn, "--out", str(tmp_path / "x"),
        "--report", str(report),
    )  # fmt: skip
    assert done.returncode == 2
    assert "--report" in done.stderr and "notes.txt" in done.stderr
    assert [p.name for p in report.iterdir()] == ["notes.txt"]
