"""Load from Parquet (`load --data`) against the server's own `COPY ... FROM` a file.

Run: `make bench` (or `.venv/bin/pytest benchmarks/bench_load.py -s --timeout=0`);
`WSA_BENCH_SCALE` / `WSA_BENCH_DAYS` set the scenario (default: season, ~10.5 M rows).

Setup, untimed: the scenario is generated to Parquet (2 parts), and the same rows are
written as one CSV file per table. Timed, in the same run on the same server: the server's
`COPY table FROM '<file>'` of every table into a fresh migrated database (one statement per
table), and `load_data` into another (read Parquet, CSV in a thread, COPY FROM STDIN, one
transaction per chunk). Both sessions set `wedsync.bulk_load` and `synchronous_commit = off`;
both tables keep their indexes, foreign keys and triggers. Ratios compare COPY time only
(the load's final ANALYZE is reported apart).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import sql

from conftest import TEMPLATE, create_database, drop_database
from wedsync_analytics import settings
from wedsync_analytics.generate import build_scenario, write_parquet
from wedsync_analytics.generate.tables import TABLES
from wedsync_analytics.load import _file_frames, load_data, open_data, qualified, to_csv

BIG = "performance_metrics"


def _write_csv(data_dir: Path, csv_dir: Path) -> dict[str, tuple[Path, list[str]]]:
    data = open_data(data_dir)
    files = {}
    for t in TABLES:
        path = csv_dir / f"{t.name}.csv"
        columns: list[str] = []
        with path.open("wb") as fh:
            for df in _file_frames(data.files(t.name), 50_000):
                columns = df.columns
                fh.write(to_csv(df))
        path.chmod(0o644)  # the server's OS user reads it
        files[t.name] = (path, list(columns))  # no rows, no columns: an empty file
    return files


def _server_copy(dsn: str, files: dict[str, tuple[Path, list[str]]]) -> dict[str, float]:
    seconds = {}
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SET wedsync.bulk_load = 'on'")
        conn.execute("SET synchronous_commit = off")
        conn.execute("CHECKPOINT")
        for t in TABLES:
            path, columns = files[t.name]
            if path.stat().st_size == 0:
                seconds[t.name] = 0.0
                continue
            stmt = sql.SQL("COPY {} ({}) FROM {} (FORMAT csv)").format(
                qualified(t),
                sql.SQL(", ").join(map(sql.Identifier, columns)),
                sql.Literal(str(path)),
            )
            started = time.perf_counter()
            conn.execute(stmt)
            seconds[t.name] = time.perf_counter() - started
    return seconds


def test_load_data_vs_server_copy(pg_admin_dsn: str, template_dsn: str, tmp_path: Path) -> None:
    scenario = build_scenario(settings.bench_scale(), seed=1, days=settings.bench_days())
    gen = tmp_path / "gen"
    csv_dir = Path(tempfile.mkdtemp(prefix="wsa-bench-load-"))  # the server reads it
    csv_dir.chmod(0o755)
    rows = write_parquet(scenario, gen, parts=2, workers=2)
    files = _write_csv(gen, csv_dir)
    server_db = create_database(pg_admin_dsn, "wsa_bench_server_copy", template=TEMPLATE)
    load_db = create_database(pg_admin_dsn, "wsa_bench_load_data", template=TEMPLATE)
    try:
        server = _server_copy(server_db, files)
        with psycopg.connect(load_db, autocommit=True) as conn:
            conn.execute("CHECKPOINT")
        started = time.perf_counter()
        summary = load_data(load_db, open_data(gen))
        wall = time.perf_counter() - started
    finally:
        drop_database(pg_admin_dsn, "wsa_bench_server_copy")
        drop_database(pg_admin_dsn, "wsa_bench_load_data")
        shutil.rmtree(csv_dir)
    assert summary.rows == rows
    total = sum(rows.values())
    ours, theirs = sum(summary.seconds.values()), sum(server.values())
    big_ours, big_theirs = rows[BIG] / summary.seconds[BIG], rows[BIG] / server[BIG]
    print(
        f"\n[load] scale {scenario.scale}, {scenario.days} days, {total:,} rows: "
        f"load --data {total / ours:,.0f} rows/s vs server COPY FROM files {total / theirs:,.0f} "
        f"rows/s = {theirs / ours:.0%} (COPY time {ours:.1f} s vs {theirs:.1f} s; "
        f"load wall incl. ANALYZE {wall:.1f} s)"
        f"\n[load] {BIG} ({rows[BIG]:,} rows): load --data {big_ours:,.0f} rows/s vs "
        f"server COPY FROM file {big_theirs:,.0f} rows/s = {big_ours / big_theirs:.0%}"
    )
