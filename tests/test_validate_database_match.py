"""`validate` runs PostgreSQL only on the database the export was taken from: same row
counts *and* same content (the server checksum in manifest.json)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from tests import synthetic
from tests.cli_support import assert_one_line_error, run_cli
from wedsync_analytics import validate as v
from wedsync_analytics.analyses import Params
from wedsync_analytics.exits import PostgresSkipped
from wedsync_analytics.export import export_database

AS_OF = datetime(2024, 3, 31, 1, 30, tzinfo=UTC)


def _export_then_change_one_row(db: psycopg.Connection, db_dsn: str, out: Path) -> None:
    synthetic.load_dataset(db, synthetic.random_dataset(2, AS_OF, 150))
    export_database(db_dsn, out)
    # The newest error inside the window gets one more occurrence: same row counts,
    # different content (and a different avg_occurrence_per_error on PostgreSQL).
    changed = db.execute(
        "UPDATE public.error_reports SET occurrence_count = occurrence_count + 1 "
        "WHERE ctid = (SELECT ctid FROM public.error_reports WHERE created_at < %s "
        "ORDER BY created_at DESC LIMIT 1)",
        (AS_OF,),
    ).rowcount
    assert changed == 1


def test_same_counts_different_content_is_not_a_pass(
    db: psycopg.Connection, db_dsn: str, tmp_path: Path
) -> None:
    out = tmp_path / "export"
    _export_then_change_one_row(db, db_dsn, out)
    with pytest.raises(PostgresSkipped) as caught:
        v.validate(out, db_dsn, params=Params(as_of=AS_OF))
    message = str(caught.value)
    assert "postgres not compared: the database is not the exported one" in message
    assert "error_reports" in message and "checksum" in message
    assert "it changed since the export: export again" in message


def test_unchanged_database_is_the_exported_one(
    db: psycopg.Connection, db_dsn: str, tmp_path: Path
) -> None:
    synthetic.load_dataset(db, synthetic.random_dataset(2, AS_OF, 60))
    out = tmp_path / "export"
    export_database(db_dsn, out)
    report = v.validate(out, db_dsn, params=Params(as_of=AS_OF))
    assert report.engines == ["postgres", "duckdb", "polars"]
    assert not [n for n in report.notes if n.startswith("postgres skipped")]
    assert report.ok


def test_cli_exits_3_when_only_the_content_differs(
    db: psycopg.Connection, db_dsn: str, tmp_path: Path
) -> None:
    out = tmp_path / "export"
    _export_then_change_one_row(db, db_dsn, out)
    done = run_cli("validate", "--data", str(out), "--dsn", db_dsn, "--as-of", AS_OF.isoformat())
    assert done.returncode == 3, done.stdout + done.stderr
    assert_one_line_error(done, "postgres not compared", "--no-postgres")
    assert "all engines agree" not in done.stdout
