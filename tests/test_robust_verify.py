"""`verify` (and `validate`, which runs it first) catches every change to an export:
another month's file with the same row count, a table no analysis reads, an edited value or
count, a swapped, truncated or deleted file; an untouched export always passes."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cli_support import assert_one_line_error, run_cli
from tests.robust_support import small_export
from wedsync_analytics.export.manifest import MANIFEST_NAME
from wedsync_analytics.export.verify import verify_export


@pytest.fixture(scope="module")
def pristine(pg_admin_dsn: str, template_dsn: str) -> Iterator[Path]:
    """One real export, shared by the tests of this module (each damages its own copy)."""
    from conftest import create_database, drop_database

    name = "wsa_robust_verify"
    dsn = create_database(pg_admin_dsn, name, template="wsa_test_template")
    home = Path(tempfile.mkdtemp(prefix="wsa-verify-"))
    try:
        with psycopg.connect(dsn, autocommit=True) as db:
            yield small_export(db, dsn, home / "export")
    finally:
        drop_database(pg_admin_dsn, name)
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def export(pristine: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(pristine, tmp_path / "export"))


def _files(out: Path) -> list[str]:
    manifest = json.loads((out / MANIFEST_NAME).read_text())
    return [f["path"] for t in manifest["tables"].values() for f in t["files"]]


def test_an_untouched_export_verifies(export: Path) -> None:
    done = run_cli("verify", "--data", str(export))
    assert done.returncode == 0, done.stderr
    assert "identical to the export" in done.stdout


def test_another_months_file_with_the_same_row_count_is_caught(export: Path) -> None:
    months = sorted((export / "performance_metrics").glob("month=*/part-00000.parquet"))
    counts = {p: pl.read_parquet(p).height for p in months}
    same = [(a, b) for a in months for b in months if a < b and counts[a] == counts[b]]
    if not same:  # make one: a file of another month cut to the same row count
        a, b = months[0], months[1]
        pl.read_parquet(b).head(counts[a]).write_parquet(a)
    else:
        a, b = same[0]
        shutil.copyfile(b, a)
    done = run_cli("verify", "--data", str(export))
    assert done.returncode == 2
    assert f"table performance_metrics, file {a}" in done.stdout


def test_a_deleted_table_no_analysis_reads_is_caught(export: Path) -> None:
    shutil.rmtree(export / "organizations")
    done = run_cli("validate", "--data", str(export), "--no-postgres")
    assert_one_line_error(done, "table organizations", "missing")


def test_an_edited_value_is_caught_even_without_postgres(export: Path) -> None:
    path = sorted((export / "incidents").rglob("*.parquet"))[0]
    frame = pl.read_parquet(path)
    frame.with_columns(pl.col("title").str.to_uppercase()).write_parquet(path)
    done = run_cli("validate", "--data", str(export), "--no-postgres")
    assert_one_line_error(done, "table incidents", str(path), "export again")


def test_an_edited_checksum_in_the_manifest_is_caught(export: Path) -> None:
    manifest = json.loads((export / MANIFEST_NAME).read_text())
    manifest["tables"]["error_reports"]["checksum"] = "12345"
    (export / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2))
    done = run_cli("validate", "--data", str(export), "--no-postgres")
    assert_one_line_error(done, "manifest.json: edited after the export")


# --- the property: every damage is detected, no damage always passes ------------------


def _swap(out: Path, a: str, b: str, _n: int) -> bool:
    left, right = (out / a).read_bytes(), (out / b).read_bytes()
    if left == right:
        return False
    (out / a).write_bytes(right)
    (out / b).write_bytes(left)
    return True


def _truncate(out: Path, a: str, _b: str, n: int) -> bool:
    data = (out / a).read_bytes()
    (out / a).write_bytes(data[: n % len(data)])
    return True


def _delete(out: Path, a: str, _b: str, _n: int) -> bool:
    (out / a).unlink()
    return True


def _edit_value(out: Path, a: str, _b: str, n: int) -> bool:
    frame = pl.read_parquet(out / a)
    numeric = [c for c, t in frame.schema.items() if t.is_integer() or t.is_float()]
    if not frame.height or not numeric:
        return False
    column, row = numeric[n % len(numeric)], n % frame.height
    values = frame[column].to_list()
    values[row] = (values[row] or 0) + 1
    frame.with_columns(pl.Series(column, values, dtype=frame.schema[column])).write_parquet(out / a)
    return True


def _edit_count(out: Path, a: str, _b: str, n: int) -> bool:
    manifest = json.loads((out / MANIFEST_NAME).read_text())
    for table in manifest["tables"].values():
        for entry in table["files"]:
            if entry["path"] == a:
                if n % 2:
                    entry["rows"] += 1 + n % 7
                else:
                    table["rows"] += 1 + n % 7
    (out / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2))
    return True


DAMAGES = {
    "swap": _swap,
    "truncate": _truncate,
    "delete": _delete,
    "edit a value": _edit_value,
    "edit a count": _edit_count,
}


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    damage=st.sampled_from([None, *DAMAGES]),
    first=st.integers(min_value=0),
    second=st.integers(min_value=0),
    n=st.integers(min_value=0, max_value=10**6),
)
def test_every_damage_is_detected_and_no_damage_passes(
    pristine: Path, damage: str | None, first: int, second: int, n: int
) -> None:
    with tempfile.TemporaryDirectory(prefix="wsa-damage-") as scratch:
        out = Path(shutil.copytree(pristine, Path(scratch) / "export"))
        files = _files(out)
        a, b = files[first % len(files)], files[second % len(files)]
        done = damage is not None and a != b if damage == "swap" else damage is not None
        if done:
            assert damage is not None
            done = DAMAGES[damage](out, a, b, n)
        found = verify_export(out)
        if done:
            assert not found.ok, f"{damage} of {a} went unnoticed"
        else:
            assert found.ok, found.problems
