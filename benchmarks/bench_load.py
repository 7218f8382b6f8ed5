"""Load from Parquet (`load --data`), bulk and streaming, against the server's own ceiling.

Run: `make bench` (or `.venv/bin/pytest benchmarks/bench_load.py -s --timeout=0`);
`WSA_BENCH_SCALE` / `WSA_BENCH_DAYS` set the scenario (default: season, ~10.5 M rows).

Setup, untimed: the scenario is generated to Parquet (2 parts), and the same rows are
written as one CSV file per table. Timed, in the same run on the same server, twice in
alternating order, each into a fresh migrated database:
- ceiling: the big tables' secondary indexes and foreign keys dropped (`bulk.defer`), the
  server's `COPY table FROM '<file>'` of every table (one statement per table), then the
  indexes built and keys validated as a bulk load does (`bulk.rebuild`);
- bulk: `load_data(bulk=True)` (read Parquet, CSV in a thread, COPY FROM STDIN, one
  transaction per chunk, then the same rebuild);
- streaming: `load_data(bulk=False)`: the tables keep their indexes and keys throughout.
Every session sets `wedsync.bulk_load` and `synchronous_commit = off`. Rates are rows of
all tables over COPY + index builds + validation (the load's final ANALYZE is apart); the
best of the two rounds of each is compared.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import sql

from conftest import TEMPLATE, create_database, drop_database
from wedsync_analytics import bulk, settings
from wedsync_analytics.generate import build_scenario, write_parquet
from wedsync_analytics.generate.tables import TABLES
from wedsync_analytics.load import _file_frames, load_data, open_data, qualified, to_csv

Phases = dict[str, float]


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


def _ceiling(dsn: str, files: dict[str, tuple[Path, list[str]]], rows: dict[str, int]) -> Phases:
    """Server COPY FROM files into the bare big tables, then the bulk load's rebuild."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SET wedsync.bulk_load = 'on'")
        conn.execute("SET synchronous_commit = off")
        conn.execute("CHECKPOINT")
        row = conn.execute(
            "INSERT INTO generation_runs (fingerprint, scenario) VALUES ('bench', '{}') "
            "RETURNING id"
        ).fetchone()
        assert row is not None
        deferred = bulk.defer(conn, row[0])
        started = time.perf_counter()
        for t in TABLES:
            path, columns = files[t.name]
            if path.stat().st_size == 0:
                continue
            stmt = sql.SQL("COPY {} ({}) FROM {} (FORMAT csv)").format(
                qualified(t),
                sql.SQL(", ").join(map(sql.Identifier, columns)),
                sql.Literal(str(path)),
            )
            conn.execute(stmt)
        phases = {"copy": time.perf_counter() - started}
        return phases | bulk.rebuild(dsn, conn, row[0], deferred, rows)


def _load(dsn: str, gen: Path, rows: dict[str, int], bulk_mode: bool) -> Phases:
    """The phases of `load_data` in bulk or streaming mode (its final ANALYZE apart)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CHECKPOINT")
    summary = load_data(dsn, open_data(gen), bulk=bulk_mode)
    assert summary.rows == rows and summary.bulk == bulk_mode
    return summary.phases


def test_load_bulk_and_streaming_vs_ceiling(
    pg_admin_dsn: str, template_dsn: str, tmp_path: Path
) -> None:
    scenario = build_scenario(settings.bench_scale(), seed=1, days=settings.bench_days())
    gen = tmp_path / "gen"
    csv_dir = Path(tempfile.mkdtemp(prefix="wsa-bench-load-"))  # the server reads it
    csv_dir.chmod(0o755)
    rows = write_parquet(scenario, gen, parts=2, workers=2)
    files = _write_csv(gen, csv_dir)
    runs: dict[str, list[Phases]] = {"ceiling": [], "bulk": [], "streaming": []}
    try:
        # two rounds in alternating order (the first COPY after a clone pays for new WAL
        # segments; a shared machine's load varies); each load into a fresh database
        for order in (("ceiling", "bulk", "streaming"), ("streaming", "bulk", "ceiling")):
            for what in order:
                dsn = create_database(pg_admin_dsn, f"wsa_bench_{what}", template=TEMPLATE)
                try:
                    if what == "ceiling":
                        runs[what].append(_ceiling(dsn, files, rows))
                    else:
                        runs[what].append(_load(dsn, gen, rows, what == "bulk"))
                finally:
                    drop_database(pg_admin_dsn, f"wsa_bench_{what}")
    finally:
        shutil.rmtree(csv_dir)
    total = sum(rows.values())
    best = {what: min(phases, key=lambda p: sum(p.values())) for what, phases in runs.items()}
    rate = {what: total / sum(p.values()) for what, p in best.items()}
    print(f"\n[load] scale {scenario.scale}, {scenario.days} days, {total:,} rows, best of 2:")
    for what, phases in best.items():
        split = ", ".join(f"{k} {v:.1f} s" for k, v in phases.items())
        every = [round(total / sum(p.values())) for p in runs[what]]
        print(f"[load] {what:9} {rate[what]:>9,.0f} rows/s ({split}; runs {every} rows/s)")
    print(
        f"[load] bulk / ceiling {rate['bulk'] / rate['ceiling']:.0%} (target >= 80%: "
        f"{'met' if rate['bulk'] >= 0.8 * rate['ceiling'] else 'not met'}); "
        f"bulk / streaming {rate['bulk'] / rate['streaming']:.2f}x"
    )
