"""Export: types survive the trip PostgreSQL -> Parquet, layout, manifest and checksums."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl
import psycopg
import pytest

from tests import synthetic
from wedsync_analytics.errors import UserError
from wedsync_analytics.export import export_database, open_export
from wedsync_analytics.export.manifest import server_checksum

TRICKY_TEXT = ["plain", "", 'comma, "quote"\nnewline\\backslash', "\\N", "ünïcödé 💍", None]


def _seed_types(db: psycopg.Connection) -> None:
    synthetic.ensure_base(db, synthetic.user_ids(3))
    with db.cursor() as cur:
        for i, text in enumerate(TRICKY_TEXT):
            cur.execute(
                "INSERT INTO incidents (organization_id, title, description, severity, priority,"
                " wedding_impact, affected_services, tags, context, created_at, resolved_at)"
                " VALUES (%s, %s, %s, 'high', 'p1', 'wedding_day_critical', %s, %s, %s, %s, %s)",
                (
                    synthetic.ORG_ID,
                    f"incident {i}",
                    text,
                    ["booking", text or "x"] if text is not None else [],
                    None if i % 2 else ["a,b", 'q"uote'],
                    json.dumps({"k": text, "n": i}) if i % 3 else None,
                    datetime(2024, 2, 29, 23, 59, 59, 123456, tzinfo=UTC) + timedelta(hours=i),
                    None if i % 2 else datetime(2024, 3, 1, 12, tzinfo=UTC),
                ),
            )
            cur.execute(
                "INSERT INTO error_reports (organization_id, error_type, severity, service_name,"
                " error_message, ip_address, request_data, created_at)"
                " VALUES (%s, 'db', 'low', 'api', %s, %s, %s, %s)",
                (
                    synthetic.ORG_ID,
                    text or "-",
                    "192.168.0.1" if i % 2 else "2001:db8::1",
                    json.dumps({"nested": {"x": [1, 2.5, None]}}),
                    datetime(2024, 3, 29 + i % 3, 23, 30, tzinfo=UTC),
                ),
            )
        cur.execute(
            "INSERT INTO error_patterns (pattern_name, error_signature, pattern_type,"
            " confidence_score, time_window, affected_services)"
            " VALUES ('p', 's', 'cascade_failure', 0.95, '1 day 02:00:00.5', '{api,\"x y\"}')"
        )


def test_types_survive(db: psycopg.Connection, db_dsn: str, tmp_path: Path) -> None:
    _seed_types(db)
    out = tmp_path / "export"
    manifest = export_database(db_dsn, out, ["incidents", "error_reports", "error_patterns"])
    reader = open_export(out)
    incidents = reader.scan("incidents").collect().sort("title")
    schema = incidents.schema
    assert schema["id"] == pl.String
    assert schema["severity"] == pl.Enum(
        ["low", "medium", "high", "critical", "wedding_day_emergency"]
    )
    assert schema["created_at"] == pl.Datetime("us", "UTC")
    assert schema["affected_services"] == pl.List(pl.String)
    assert schema["auto_created"] == pl.Boolean
    assert schema["escalation_level"] == pl.Int32
    db.execute("SET TimeZone = 'UTC'")
    expected = db.execute(
        "SELECT id::text, description, affected_services, tags, context::text, created_at,"
        " resolved_at, auto_created FROM incidents ORDER BY title"
    ).fetchall()
    got = incidents.select(
        "id",
        "description",
        "affected_services",
        "tags",
        "context",
        "created_at",
        "resolved_at",
        "auto_created",
    ).rows()
    assert got == [tuple(r) for r in expected]
    errors = reader.scan("error_reports").collect().sort("error_message")
    assert set(errors["ip_address"]) == {"192.168.0.1", "2001:db8::1"}
    assert json.loads(errors["request_data"][0]) == {"nested": {"x": [1, 2.5, None]}}
    patterns = reader.scan("error_patterns").collect()
    assert patterns.schema["confidence_score"] == pl.Decimal(3, 2)
    assert patterns["confidence_score"][0] == Decimal("0.95")
    assert patterns["time_window"][0] == timedelta(days=1, hours=2, microseconds=500000)
    assert patterns["affected_services"][0].to_list() == ["api", "x y"]
    assert manifest.tables["incidents"].rows == len(TRICKY_TEXT)
    columns = {c.name: c for c in manifest.tables["incidents"].columns}
    assert columns["severity"].labels is not None
    assert columns["created_at"].pg_type == "timestamp with time zone"


def test_partitions_manifest_and_checksum(
    db: psycopg.Connection, db_dsn: str, tmp_path: Path
) -> None:
    as_of = datetime(2024, 3, 31, 1, 30, tzinfo=UTC)  # with instants in Feb, Jun, Oct too
    data = synthetic.random_dataset(3, as_of, 120)
    synthetic.load_dataset(db, {"performance_metrics": data["performance_metrics"]})
    out = tmp_path / "export"
    manifest = export_database(
        db_dsn, out, ["performance_metrics", "organizations"], chunk_bytes=2000, flush_rows=40
    )
    entry = manifest.tables["performance_metrics"]
    assert entry.partition_column == "timestamp"
    assert entry.rows == 120 and sum(f.rows for f in entry.files) == 120
    assert all("/month=" in f.path for f in entry.files)
    assert len({f.path.split("/")[1] for f in entry.files}) > 2  # several months
    assert any(f.path.endswith("part-00001.parquet") for f in entry.files)  # a full month split
    assert all(f.rows <= 40 + 120 for f in entry.files)
    for f in entry.files:  # each file sorted by the event time, so row groups prune
        assert pl.read_parquet(out / f.path)["timestamp"].is_sorted()
    assert manifest.tables["organizations"].partition_column is None
    assert [f.path for f in manifest.tables["organizations"].files] == [
        "organizations/part-00000.parquet"
    ]
    layout = json.loads((out / "manifest.json").read_text())["tables"]["performance_metrics"][
        "layout"
    ]
    assert layout["partition_key"] == "month" and layout["timezone"] == "UTC"
    assert layout["sort_by"] == ["timestamp"] and layout["target_file_rows"] == 40
    # Plain hive readers see the same rows, with the month key (the UTC month of the time).
    hive = pl.scan_parquet(out / "performance_metrics", hive_partitioning=True).collect()
    assert hive.height == 120
    assert (hive["month"].cast(pl.String) == hive["timestamp"].dt.strftime("%Y-%m")).all()
    con = duckdb.connect()
    count = con.execute(
        "SELECT count(*) FROM read_parquet($p, hive_partitioning = true) WHERE month = '2024-10'",
        {"p": str(out / "performance_metrics" / "**" / "*.parquet")},
    ).fetchone()
    assert count == (hive.filter(pl.col("timestamp").dt.month() == 10).height,)
    # The checksum is the server's, and it changes with the content.
    assert server_checksum(db, "performance_metrics") == (120, entry.checksum)
    on_disk = json.loads((out / "manifest.json").read_text())
    assert on_disk["tables"]["performance_metrics"]["checksum"] == entry.checksum
    db.execute(
        "UPDATE performance_metrics SET metric_value = metric_value + 1 "
        "WHERE id = (SELECT min(id::text)::uuid FROM performance_metrics)"
    )
    assert server_checksum(db, "performance_metrics")[1] != entry.checksum
    # A second export replaces the first one.
    again = export_database(db_dsn, out, ["performance_metrics"])
    assert list(again.tables) == ["performance_metrics"]
    assert not (out / "organizations").exists()


def test_empty_table_has_a_typed_file(db_dsn: str, tmp_path: Path) -> None:
    manifest = export_database(db_dsn, tmp_path / "e", ["core_web_vitals"])
    assert manifest.tables["core_web_vitals"].rows == 0
    frame = open_export(tmp_path / "e").scan("core_web_vitals").collect()
    assert frame.height == 0 and frame.schema["lcp_value"] == pl.Decimal(8, 2)


def test_failed_export_leaves_nothing(db_dsn: str, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no such table"):
        export_database(db_dsn, tmp_path / "out", ["performance_metrics", "nope"])
    assert list(tmp_path.iterdir()) == []


def test_refuses_to_replace_other_directories(db_dsn: str, tmp_path: Path) -> None:
    target = tmp_path / "precious"
    target.mkdir()
    (target / "thesis.txt").write_text("do not delete")
    with pytest.raises(UserError, match="which wedsync-analytics did not write"):
        export_database(db_dsn, target, ["organizations"])
    assert (target / "thesis.txt").read_text() == "do not delete"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["precious"]
