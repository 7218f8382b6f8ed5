"""Benchmark data: N performance_metrics rows made with numpy and loaded by COPY, cached.

The database `wsa_bench` (on $WEDSYNC_DSN's server, else the embedded server) is
rebuilt only when its performance_metrics row count differs from WSA_BENCH_ROWS
(default 10,000,000). Rows are spread over the 24 hours before AS_OF, so the
percentile view's window covers the whole table (the worst case: a full scan).
"""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime

import numpy as np
import polars as pl
import psycopg
from psycopg import sql

from wedsync_analytics import settings
from wedsync_analytics.analyses import sample_data
from wedsync_analytics.config import resolve_dsn
from wedsync_analytics.generate.performance import METRIC_TYPES
from wedsync_analytics.migrations import apply_migrations

AS_OF = datetime(2025, 6, 14, 12, 0, tzinfo=UTC)
ROWS = settings.bench_rows()
DATABASE = "wsa_bench"
METRICS = list(METRIC_TYPES)  # the performance_metric_type enum's labels
SERVICES = [f"service-{i:03d}" for i in range(56)]  # 8 x 56 x 24 = 10,752 groups


def bench_dsn() -> str:
    """DSN of the benchmark database, created and migrated if missing."""
    base = resolve_dsn(None)
    info = psycopg.conninfo.conninfo_to_dict(base)
    with psycopg.connect(base, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)
        ).fetchone()
        if exists is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
    info["dbname"] = DATABASE
    dsn = psycopg.conninfo.make_conninfo(**{k: str(v) for k, v in info.items()})
    apply_migrations(dsn)
    return dsn


def _chunk(rng: np.random.Generator, n: int) -> pl.DataFrame:
    start = int(AS_OF.timestamp() * 1_000_000) - 24 * 3600 * 1_000_000
    micros = start + rng.integers(0, 24 * 3600 * 1_000_000, n)
    value = np.round(rng.lognormal(4.0, 1.0, n), 3).clip(0, 9_999_999)
    return pl.DataFrame(
        {
            "organization_id": np.full(n, sample_data.ORG_ID),
            "metric_type": np.array(METRICS)[rng.integers(0, len(METRICS), n)],
            "service_name": np.array(SERVICES)[rng.integers(0, len(SERVICES), n)],
            "metric_value": value,
            "metric_unit": np.full(n, "ms"),
            "wedding_context": np.full(n, '{"is_weekend": true, "is_wedding_season": true}'),
            "timestamp": micros,
        }
    ).with_columns(pl.col("timestamp").cast(pl.Datetime("us", "UTC")))


def ensure_data(dsn: str, rows: int = ROWS) -> float:
    """Make performance_metrics hold `rows` rows (plus small other tables); load seconds."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        have = conn.execute("SELECT count(*) FROM performance_metrics").fetchone()
        if have is not None and have[0] == rows:
            return 0.0
        started = time.perf_counter()
        conn.execute(
            "TRUNCATE performance_metrics, error_reports, system_health_checks, "
            "business_events, incidents, core_web_vitals, error_groups CASCADE"
        )
        small = sample_data.random_dataset(1, AS_OF, 20_000)
        small.pop("performance_metrics")
        sample_data.load_dataset(conn, small)
        rng = np.random.default_rng(42)
        done = 0
        query = sql.SQL(
            "COPY performance_metrics (organization_id, metric_type, service_name, "
            'metric_value, metric_unit, wedding_context, "timestamp") '
            "FROM STDIN (FORMAT csv)"
        )
        while done < rows:
            n = min(1_000_000, rows - done)
            buffer = io.BytesIO()
            _chunk(rng, n).write_csv(
                buffer, include_header=False, datetime_format="%Y-%m-%d %H:%M:%S%.6f%z"
            )
            with conn.cursor() as cur, cur.copy(query) as copy:
                copy.write(buffer.getvalue())
            done += n
        conn.execute("VACUUM ANALYZE performance_metrics")
        return time.perf_counter() - started
