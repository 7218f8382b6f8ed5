"""Load from Parquet (`load --data`) against the server's own `COPY ... FROM` a file.

Run: `make bench` (or `.venv/bin/pytest benchmarks/bench_load.py -s --timeout=0`);
`WSA_BENCH_SCALE` / `WSA_BENCH_DAYS` set the scenario (default: season, ~10.5 M rows).

Setup, untimed: the scenario is generated to Parquet (2 parts), and the same rows are
written as one CSV file per table. Timed, in the same run on the same server, twice in
alternating order, each into a fresh migrated database: the server's `COPY table FROM
'<file>'` of every table (one statement per table), and `load_data` (read Parquet, CSV in a
thread, COPY FROM STDIN, one transaction per chunk); the best of each is compared. Both
sessions set `wedsync.bulk_load` and `synchronous_commit = off`; the tables keep their
indexes, foreign keys and triggers. Ratios compare COPY time only (the load's final ANALYZE
is reported apart).
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


def _load_seconds(dsn: str, gen: Path) -> tuple[dict[str, float], float, dict[str, int]]:
    """Seconds per table of `load_data`, its wall time (with ANALYZE) and rows."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CHECKPOINT")
    started = time.perf_counter()
    summary = load_data(dsn, open_data(gen))
    return summary.seconds, time.perf_counter() - started, summary.rows


def test_load_data_vs_server_copy(pg_admin_dsn: str, template_dsn: str, tmp_path: Path) -> None:
    scenario = build_scenario(settings.bench_scale(), seed=1, days=settings.bench_days())
    gen = tmp_path / "gen"
    csv_dir = Path(tempfile.mkdtemp(prefix="wsa-bench-load-"))  # the server reads it
    csv_dir.chmod(0o755)
    rows = write_parquet(scenario, gen, parts=2, workers=2)
    files = _write_csv(gen, csv_dir)
    server: list[dict[str, float]] = []
    ours: list[dict[str, float]] = []
    walls: list[float] = []
    try:
        # two rounds in alternating order (the first COPY after a clone pays for new WAL
        # segments; a shared machine's load varies); each load into a fresh database
        for order in (("server", "load"), ("load", "server")):
            for what in order:
                dsn = create_database(pg_admin_dsn, f"wsa_bench_{what}", template=TEMPLATE)
                try:
                    if what == "server":
                        server.append(_server_copy(dsn, files))
                    else:
                        seconds, wall, loaded = _load_seconds(dsn, gen)
                        assert loaded == rows
                        ours.append(seconds)
                        walls.append(wall)
                finally:
                    drop_database(pg_admin_dsn, f"wsa_bench_{what}")
    finally:
        shutil.rmtree(csv_dir)
    total = sum(rows.values())

    def rates(runs: list[dict[str, float]], names: list[str]) -> list[float]:
        n = sum(rows[name] for name in names)
        return [n / sum(r[name] for name in names) for r in runs]

    everything = [t.name for t in TABLES]
    for label, names, n in (("all tables", everything, total), (BIG, [BIG], rows[BIG])):
        mine, theirs = rates(ours, names), rates(server, names)
        print(
            f"\n[load] scale {scenario.scale}, {scenario.days} days, {label} ({n:,} rows): "
            f"load --data {max(mine):,.0f} rows/s vs server COPY FROM files "
            f"{max(theirs):,.0f} rows/s = {max(mine) / max(theirs):.0%} (best of 2; runs "
            f"{[round(x) for x in mine]} vs {[round(x) for x in theirs]})"
        )
    print(f"[load] load --data wall incl. ANALYZE: {[round(w, 1) for w in walls]} s")
