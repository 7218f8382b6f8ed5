"""A damaged export is reported by file name and defect, never with a traceback."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import psycopg
import pytest

from tests import synthetic
from tests.cli_support import assert_one_line_error, run_cli
from wedsync_analytics.errors import UserError
from wedsync_analytics.export import export_database, open_export

AS_OF = datetime(2024, 3, 31, 1, 30, tzinfo=UTC)


@pytest.fixture
def export_dir(db: psycopg.Connection, db_dsn: str, tmp_path: Path) -> Path:
    data = synthetic.random_dataset(5, AS_OF, 60)
    synthetic.load_dataset(
        db, {"performance_metrics": data["performance_metrics"], "incidents": data["incidents"]}
    )
    out = tmp_path / "export"
    export_database(db_dsn, out, ["performance_metrics", "incidents"])
    return out


def _first_file(out: Path, table: str) -> Path:
    return sorted((out / table).rglob("*.parquet"))[0]


def _remove(path: Path) -> None:
    path.unlink()


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _drift(path: Path) -> None:
    frame = pl.read_parquet(path)
    frame.with_columns(pl.col("escalation_level").cast(pl.Int64)).write_parquet(path)


def _lose_rows(path: Path) -> None:
    pl.read_parquet(path).head(0).write_parquet(path)


CASES: list[tuple[str, Callable[[Path], None], str]] = [
    ("incidents", _remove, "missing"),
    ("incidents", _truncate, "not a readable Parquet file"),
    ("incidents", _drift, "column escalation_level is Int64, expected Int32"),
    ("incidents", _lose_rows, "has 0 rows, manifest.json says"),
]


@pytest.mark.parametrize(
    ("table", "damage", "message"), CASES, ids=["missing", "truncated", "schema-drift", "rows"]
)
def test_damage_is_named(
    export_dir: Path, table: str, damage: Callable[[Path], None], message: str
) -> None:
    victim = _first_file(export_dir, table)
    damage(victim)
    with pytest.raises(UserError) as caught:
        open_export(export_dir)
    assert str(victim) in str(caught.value)
    assert message in str(caught.value)
    # Tables that are intact still open when only they are asked for.
    open_export(export_dir, ["performance_metrics"])


def test_stray_and_missing_manifest(export_dir: Path) -> None:
    stray = export_dir / "performance_metrics" / "month=1999-01" / "part-00000.parquet"
    stray.parent.mkdir()
    pl.read_parquet(_first_file(export_dir, "performance_metrics")).write_parquet(stray)
    with pytest.raises(UserError, match=r"not listed in manifest\.json"):
        open_export(export_dir)
    (export_dir / "manifest.json").unlink()
    with pytest.raises(UserError, match=r"manifest\.json: missing"):
        open_export(export_dir)


def test_cli_reports_one_line(export_dir: Path) -> None:
    _truncate(_first_file(export_dir, "incidents"))
    done = run_cli("validate", "--data", str(export_dir), "--engines", "duckdb,polars")
    assert done.returncode == 2
    assert_one_line_error(done, "wedsync-analytics: error: ", "truncated", "table incidents")
