"""Export speed: rows/s of `export` against the server's own `COPY ... TO` file, same run.

Run: `make bench` (or `.venv/bin/pytest benchmarks/bench_export.py -s -p no:randomly`);
WSA_BENCH_ROWS sets the size (default 10,000,000 performance_metrics rows).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from _bench_data import bench_dsn, ensure_data
from wedsync_analytics.export import export_database


def _server_copy_seconds(dsn: str, table: str) -> float:
    directory = Path(tempfile.mkdtemp(prefix="wsa-copy-"))
    directory.chmod(0o777)
    target = directory / f"{table}.csv"
    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            started = time.perf_counter()
            conn.execute(
                sql.SQL("COPY {} TO {} (FORMAT csv)").format(
                    sql.Identifier("public", table), sql.Literal(str(target))
                )
            )
            return time.perf_counter() - started
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def test_export_vs_server_copy(benchmark: Any, tmp_path: Path) -> None:
    dsn = bench_dsn()
    ensure_data(dsn)
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT count(*) FROM performance_metrics").fetchone()
    rows = int(row[0]) if row else 0
    copy_seconds = _server_copy_seconds(dsn, "performance_metrics")
    timings: dict[str, float] = {}

    def run() -> None:
        started = time.perf_counter()
        export_database(dsn, tmp_path / "export", ["performance_metrics"])
        timings["export"] = time.perf_counter() - started

    benchmark.pedantic(run, rounds=1, iterations=1)
    export_rate = rows / timings["export"]
    copy_rate = rows / copy_seconds
    print(
        f"\nexport performance_metrics: {rows:,} rows in {timings['export']:.1f}s = "
        f"{export_rate:,.0f} rows/s (with server checksum, Parquet zstd, day partitions)"
    )
    print(
        f"server COPY ... TO file:    {rows:,} rows in {copy_seconds:.1f}s = "
        f"{copy_rate:,.0f} rows/s"
    )
    print(
        f"export / server COPY = {export_rate / copy_rate:.0%} (target >= 70%); "
        f"{os.cpu_count()} CPUs"
    )
