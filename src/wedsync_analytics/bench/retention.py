"""Retention and rollup maintenance, measured on a clone.

Retention: the strategy's `run/retention.sql` at a retention `as_of` whose horizons cut the
loaded data (90 days before it is a UTC midnight a third of the way into the data): wall
time, WAL bytes (`pg_current_wal_lsn()` before and after), dead tuples, sizes after, the
VACUUM that follows (time and WAL), p95 of a dashboard query run meanwhile on another
connection against its idle p95, and a fingerprint of the rows left in each table
(count and an order-independent hash sum of the ids) that must be the same for every
retention strategy.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from wedsync_analytics.bench.measure import Latency, session, sizes, time_query
from wedsync_analytics.bench.queries import DashboardQuery
from wedsync_analytics.generate import Scenario
from wedsync_analytics.table_facts import TABLE_FACTS

RETENTION_KEEP_DAYS = 90  # the shortest horizon of public.cleanup_monitoring_data
# Tables whose remaining rows are fingerprinted: the time series and what cascades from them.
CHECKED_TABLES = (*TABLE_FACTS, "error_groups", "error_correlations", "auto_recovery_logs")


def retention_as_of(scenario: Scenario) -> datetime:
    """An as_of whose 90-day horizon is the UTC midnight a third of the way into the data."""
    horizon = datetime.combine(scenario.start, datetime.min.time(), UTC) + timedelta(
        days=max(1, scenario.days // 3)
    )
    return horizon + timedelta(days=RETENTION_KEEP_DAYS)


def _wal(conn: psycopg.Connection) -> int:
    row = conn.execute("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn").fetchone()
    assert row is not None
    return int(row[0])


def remaining_rows(conn: psycopg.Connection) -> dict[str, list[int]]:
    """Per table: [rows, sum of the first 60 bits of md5(id)] (order-independent)."""
    out: dict[str, list[int]] = {}
    for name in CHECKED_TABLES:
        row = conn.execute(
            psycopg.sql.SQL(
                "SELECT count(*), coalesce(sum(('x' || substr(md5(id::text), 1, 15))::bit(60)"
                "::bigint), 0) FROM public.{}"
            ).format(psycopg.sql.Identifier(name))
        ).fetchone()
        assert row is not None
        out[name] = [int(row[0]), int(row[1])]
    return out


def _dead_tuples(conn: psycopg.Connection) -> int:
    conn.execute("SELECT pg_stat_clear_snapshot()")
    row = conn.execute(
        "SELECT coalesce(sum(n_dead_tup), 0) FROM pg_stat_user_tables WHERE schemaname = 'public'"
    ).fetchone()
    return int(row[0]) if row else 0


class _Dashboard(threading.Thread):
    """Runs one dashboard query on its own connection until stopped (at least once)."""

    def __init__(self, dsn: str, query: DashboardQuery) -> None:
        super().__init__(daemon=True)
        self.conn = session(dsn)
        self.query = query
        self.stop = threading.Event()
        self.latency = Latency()

    def run(self) -> None:
        while True:
            self.latency.runs_ms += time_query(
                self.conn, self.query.sql, self.query.params, 1
            ).runs_ms
            if self.stop.is_set():
                break
        self.conn.close()


def measure_retention(
    dsn: str, operation_sql: str, as_of: datetime, dashboard: DashboardQuery, runs: int
) -> dict[str, Any]:
    """Run the retention operation once and measure it (see the module docstring)."""
    with session(dsn) as probe:
        before_rows = remaining_rows(probe)
        idle = time_query(probe, dashboard.sql, dashboard.params, runs + 1)
        idle.runs_ms = idle.runs_ms[1:]  # first run warms up
        size_before = sizes(probe)
    op = session(dsn)
    watcher = _Dashboard(dsn, dashboard)
    try:
        wal0 = _wal(op)
        watcher.start()
        started = time.perf_counter()
        op.execute(operation_sql.encode(), {"as_of": as_of})
        seconds = time.perf_counter() - started
        wal1 = _wal(op)
        watcher.stop.set()
        watcher.join()
        op.execute("SELECT pg_stat_force_next_flush()")
        time.sleep(0.2)
        dead = _dead_tuples(op)
        size_after = sizes(op)
        vac_started = time.perf_counter()
        op.execute("VACUUM")
        vacuum_seconds = time.perf_counter() - vac_started
        wal2 = _wal(op)
        size_vacuumed = sizes(op)
        after_rows = remaining_rows(op)
    finally:
        op.close()
    removed = {t: before_rows[t][0] - after_rows[t][0] for t in CHECKED_TABLES}
    return {
        "as_of": as_of.isoformat(),
        "seconds": seconds,
        "wal_bytes": wal1 - wal0,
        "dead_tuples": dead,
        "rows_removed": removed,
        "remaining": after_rows,
        "total_bytes_before": size_before["table_bytes"] + size_before["index_bytes"],
        "total_bytes_after": size_after["table_bytes"] + size_after["index_bytes"],
        "vacuum_seconds": vacuum_seconds,
        "vacuum_wal_bytes": wal2 - wal1,
        "total_bytes_after_vacuum": size_vacuumed["table_bytes"] + size_vacuumed["index_bytes"],
        "dashboard_query": dashboard.name,
        "dashboard_idle": idle.summary(),
        "dashboard_during": {**watcher.latency.summary(), "runs": len(watcher.latency.runs_ms)},
    }


def measure_maintenance(dsn: str, maintain_sql: str, as_of: datetime, hours: int) -> dict[str, Any]:
    """Build the rollup up to `hours` before as_of, then maintain it hour by hour to as_of.

    Per hour: seconds and rollup rows written (the cost of keeping up with one hour of
    ingest). Staleness: the watermark trails the newest data by up to the open hour plus
    the refresh period; dashboard answers are not stale (they read the open hour raw).
    """
    top = as_of.replace(minute=0, second=0, microsecond=0)
    per_hour: list[dict[str, float]] = []
    with session(dsn) as conn:
        started = time.perf_counter()
        row = conn.execute(maintain_sql.encode(), {"upto": top - timedelta(hours=hours)}).fetchone()
        build = {"seconds": time.perf_counter() - started, "rows": int(row[0]) if row else 0}
        for h in range(hours - 1, -1, -1):
            started = time.perf_counter()
            row = conn.execute(maintain_sql.encode(), {"upto": top - timedelta(hours=h)}).fetchone()
            per_hour.append(
                {"seconds": time.perf_counter() - started, "rows": int(row[0]) if row else 0}
            )
        conn.execute("ANALYZE")
    secs = [p["seconds"] for p in per_hour]
    return {
        "initial_build": build,
        "per_hour": per_hour,
        "mean_seconds_per_hour": sum(secs) / len(secs) if secs else 0.0,
        "max_seconds_per_hour": max(secs) if secs else 0.0,
        "watermark": top.isoformat(),
        "staleness_at_as_of_seconds": (as_of - top).total_seconds(),
        "max_staleness": "the open hour plus the refresh period (answers add the raw open hour)",
    }
