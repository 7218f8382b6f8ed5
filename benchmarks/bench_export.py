"""Export speed: rows/s of `export` against the server's own `COPY ... TO` file, same run.

Run: `make bench` (or `.venv/bin/pytest benchmarks/bench_export.py --benchmark-enable -s`);
the data is `_bench_data`'s season-like scenario (WSA_BENCH_ROWS, default 10,000,000 rows
over all tables), on the server every benchmark of the run uses.

Reported separately: the data pass (COPY TO STDOUT, parse, day-partitioned zstd Parquet)
and the total, which adds the server's checksum query (run after the data pass, in the
same snapshot) and writing the manifest. The server's `COPY ... TO '<file>'` is timed
before and after the export and the faster of the two is the reference (a warm cache
favours the server, so the ratio is not flattered).
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

from _bench_data import bench_db  # noqa: F401 - bench_db is a fixture
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


def test_export_vs_server_copy(
    benchmark: Any,
    tmp_path: Path,
    bench_db: tuple[str, Any],  # noqa: F811
) -> None:
    dsn = bench_db[0]
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT count(*) FROM performance_metrics").fetchone()
    rows = int(row[0]) if row else 0
    copy_before = _server_copy_seconds(dsn, "performance_metrics")
    timings: dict[str, float] = {}

    def run() -> None:
        started = time.perf_counter()
        manifest = export_database(dsn, tmp_path / "export", ["performance_metrics"])
        timings["total"] = time.perf_counter() - started
        entry = manifest.tables["performance_metrics"]
        timings["data"], timings["checksum"] = entry.seconds, entry.checksum_seconds

    benchmark.pedantic(run, rounds=1, iterations=1)
    copy_seconds = min(copy_before, _server_copy_seconds(dsn, "performance_metrics"))
    copy_rate = rows / copy_seconds
    print(
        f"\nserver COPY ... TO file:        {rows:,} rows in {copy_seconds:.2f}s = "
        f"{copy_rate:,.0f} rows/s (best of before/after the export)"
    )
    for label, key, what in (
        ("export data pass", "data", "COPY TO STDOUT, parse, zstd Parquet by month"),
        ("export total", "total", "data pass + server checksum + manifest"),
    ):
        rate = rows / timings[key]
        print(
            f"{label + ':':31s} {rows:,} rows in {timings[key]:.2f}s = {rate:,.0f} rows/s "
            f"= {rate / copy_rate:.0%} of server COPY TO ({what})"
        )
    share = rows / timings["total"] / copy_rate
    print(
        f"server checksum query: {timings['checksum']:.2f}s; {os.cpu_count()} CPUs; "
        f"target export total >= 70% of COPY TO: {'met' if share >= 0.70 else 'not met'} "
        f"({share:.1%})"
    )
