"""Engine errors are captured in the runner's result, never raised as tracebacks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import psycopg

from tests import synthetic
from wedsync_analytics.analyses import Params, run_all
from wedsync_analytics.engines.base import Source
from wedsync_analytics.export import export_database, open_export

AS_OF = datetime(2024, 6, 20, 12, 0, tzinfo=UTC)


def test_duckdb_error_is_a_result_not_a_traceback(
    db: psycopg.Connection, db_dsn: str, tmp_path: Path
) -> None:
    frame = pl.DataFrame(
        {
            "organization_id": synthetic.ORG_ID,
            "error_type": "db",
            "severity": "low",
            "service_name": "api",
            "error_message": "x",
            "fingerprint": "f",
            "wedding_context": '{"is_weekend": true}',
            "created_at": [AS_OF - timedelta(hours=1)],
        },
        schema_overrides={"created_at": pl.Datetime("us", "UTC")},
    )
    synthetic.load_dataset(db, {"error_reports": frame})
    out = tmp_path / "export"
    export_database(db_dsn, out, ["error_reports"])
    # Damage the export the way no PostgreSQL jsonb could: malformed JSON, same type and rows.
    for part in (out / "error_reports").rglob("*.parquet"):
        data = pl.read_parquet(part, hive_partitioning=False)
        data.with_columns(pl.lit("{not json").alias("wedding_context")).write_parquet(part)
    results = run_all(
        Params(as_of=AS_OF),
        Source(reader=open_export(out)),
        analyses=["error_trending"],
        engines=("duckdb",),
    )
    assert [(r.analysis, r.engine, r.frame) for r in results] == [
        ("error_trending", "duckdb", None)
    ]
    assert results[0].error is not None and "JSON" in results[0].error, results[0].error
