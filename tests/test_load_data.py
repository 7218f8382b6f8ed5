"""`load --data`: what `generate --out` wrote loads into the database a streaming load gives."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from conftest import create_database, drop_database
from tests.cli_support import run_cli
from wedsync_analytics.cli.main import run
from wedsync_analytics.errors import UserError
from wedsync_analytics.export.manifest import server_checksum
from wedsync_analytics.generate import build_scenario, write_parquet
from wedsync_analytics.generate.tables import TABLES
from wedsync_analytics.load import load_data, load_scenario, open_data
from wedsync_analytics.runs import LOAD_LOCK_KEY


def checksums(dsn: str) -> dict[str, tuple[int, str]]:
    """Row count and server checksum of every generated table (the export's definition;
    auth.users, outside `public`, by the same sum of 64-bit hashes over its rows' text)."""
    out = {}
    with psycopg.connect(dsn) as conn:
        for t in TABLES:
            if t.schema == "public":
                out[t.name] = server_checksum(conn, t.table)
                continue
            row = conn.execute(
                sql.SQL(
                    "SELECT count(*), coalesce(sum(hashtextextended(r::text, 0)), 0)::text "
                    "FROM {} AS r"
                ).format(sql.Identifier(t.schema, t.table))
            ).fetchone()
            assert row is not None
            out[t.name] = (int(row[0]), str(row[1]))
        seq = conn.execute("SELECT last_value FROM public.incident_number_seq").fetchone()
        out["incident_number_seq"] = (int(seq[0]) if seq else -1, "")
    return out


@pytest.fixture(scope="module")
def scenario():  # type: ignore[no-untyped-def]
    return build_scenario("tiny", seed=21, market="uk", days=5)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory, scenario) -> Path:  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("load") / "data"
    write_parquet(scenario, out, chunk_rows=900, parts=3, workers=2)
    return out


def test_load_data_equals_streaming_load(  # type: ignore[no-untyped-def]
    db_dsn: str, pg_admin_dsn: str, scenario, data_dir: Path
) -> None:
    summary = load_data(db_dsn, open_data(data_dir), chunk_rows=250)
    other = create_database(pg_admin_dsn, "wsa_test_streamed", template="wsa_test_template")
    try:
        streamed = load_scenario(other, scenario, chunk_rows=5000)
        assert summary.rows == streamed.rows
        mine, theirs = checksums(db_dsn), checksums(other)
        # the check can fail: one changed value changes its table's checksum
        with psycopg.connect(other, autocommit=True) as conn:
            conn.execute("SET wedsync.bulk_load = 'on'")
            conn.execute(
                "UPDATE performance_metrics SET metric_value = metric_value + 1 "
                "WHERE id = (SELECT id FROM performance_metrics ORDER BY id LIMIT 1)"
            )
        changed = checksums(other)
    finally:
        drop_database(pg_admin_dsn, "wsa_test_streamed")
    assert mine == theirs
    assert all(n > 0 for n, _ in mine.values())
    assert changed["performance_metrics"] != mine["performance_metrics"]
    assert {k for k in mine if changed[k] != mine[k]} == {"performance_metrics"}


def test_load_data_records_run_refuses_rerun_and_replaces(  # type: ignore[no-untyped-def]
    db_dsn: str, db: psycopg.Connection, scenario, data_dir: Path
) -> None:
    data = open_data(data_dir)
    load_data(db_dsn, data)
    runs = db.execute("SELECT fingerprint, status, row_counts FROM generation_runs").fetchall()
    assert [(f, s) for f, s, _ in runs] == [(scenario.fingerprint, "completed")]
    assert sum(runs[0][2].values()) == sum(data.table_rows(t.name) for t in TABLES)
    with pytest.raises(UserError, match=r"already loaded.*--replace"):
        load_data(db_dsn, data)
    # the refused load released its lock before returning, not when the server noticed
    # its closed connection: a load that follows at once is not told another one runs
    assert db.execute("SELECT pg_try_advisory_lock(%s)", (LOAD_LOCK_KEY,)).fetchone() == (True,)
    db.execute("SELECT pg_advisory_unlock(%s)", (LOAD_LOCK_KEY,))
    load_scenario(db_dsn, build_scenario("tiny", seed=1, days=1), replace=True)
    with pytest.raises(UserError, match=r"tables already have rows.*--replace"):
        load_data(db_dsn, data)
    load_data(db_dsn, data, replace=True)
    assert (
        db.execute("SELECT status FROM generation_runs ORDER BY id").fetchall()
        == [("completed",)] * 3
    )


def test_cli_load(db_dsn: str, data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["load", "--data", str(data_dir), "--dsn", db_dsn]
    with pytest.raises(SystemExit) as exc:
        run(args)
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "performance_metrics" in out and "rows/s" in out and "from 3 parts" in out
    with pytest.raises(SystemExit) as exc:
        run(args)
    err = capsys.readouterr().err.strip()
    assert exc.value.code == 2 and "already loaded" in err and len(err.splitlines()) == 1


def test_cli_generate_on_workers_then_load(db_dsn: str, tmp_path: Path) -> None:
    """As a user runs it: `generate --out` on 2 processes, then `load --data`."""
    out = tmp_path / "gen"
    done = run_cli(
        "generate", "--scale", "tiny", "--seed", "2", "--days", "2", "--out", str(out),
        "--workers", "2", "--parts", "3",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "3 parts, 2 processes" in done.stdout
    done = run_cli("load", "--data", str(out), "--dsn", db_dsn)
    assert done.returncode == 0, done.stderr
    with psycopg.connect(db_dsn) as conn:
        row = conn.execute("SELECT scenario->>'seed', status FROM generation_runs").fetchone()
    assert row == ("2", "completed")
