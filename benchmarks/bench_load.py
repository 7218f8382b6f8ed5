"""The season load, both paths, against the server's own ceiling (run by `make bench`).

Run: `.venv/bin/pytest benchmarks/bench_load.py -s --timeout=0`; `WSA_BENCH_SCALE` /
`WSA_BENCH_DAYS` set the scenario (default: season, seed 3, ~10.5 M rows); one round (the
streaming `--no-bulk` load, several times slower, is left out).

Setup, untimed: the same rows are written as one CSV file per table. Timed, in the same run
on the same server, each into a fresh migrated database:
- ceiling: the big tables' secondary indexes and foreign keys dropped (`bulk.defer`), the
  server's `COPY table FROM '<file>'` of every table (one statement per table; the big tables
  on two connections at once, in the load's lanes, each truncated and COPYed `FREEZE` in one
  transaction, as the bulk load does), then the indexes built and keys validated as a bulk
  load does (`bulk.rebuild`);
- `generate --out` then `load --data` (the two-step path): `write_parquet` on 2 parts and 2
  workers, then `load_data` in bulk mode;
- `generate --replace` (the one-step path): `load_scenario` in bulk mode, generation and COPY
  in one process.
Rates are rows of all tables over COPY + index builds + validation, the phases the ceiling
has too; the target ratio compares them. End to end is the wall time a user waits: the whole
load call (its final ANALYZE included), plus `generate --out` for the two-step path. CPU
seconds of this process (generator, CSV, driver) and of the server (every process of the
postmaster, exited backends included) say where the time goes.
"""

from __future__ import annotations

import os
import resource
import shutil
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import psycopg
from psycopg import sql

import _targets
from _bench_data import postmaster, server_cpu, server_settings
from conftest import TEMPLATE, create_database, drop_database
from wedsync_analytics import bulk, settings
from wedsync_analytics.generate import build_scenario, write_parquet
from wedsync_analytics.generate.tables import TABLES, TableDef
from wedsync_analytics.load import (
    _file_frames,
    load_data,
    load_scenario,
    open_data,
    qualified,
    to_csv,
)

Phases = dict[str, float]
SEED = 3
ROUNDS = 1  # a season load takes minutes per mode on this machine
STREAMS = 2  # COPY connections at once, as `load_data` and `load_scenario` use


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


def _server_copy(conn: psycopg.Connection, t: TableDef, path: Path, columns: list[str]) -> None:
    """The server's `COPY t FROM '<file>'`; a big table truncated and COPYed `FREEZE` in one
    transaction, as the bulk load does."""
    if path.stat().st_size == 0:
        return
    frozen = t.table in {name.split(".")[-1] for name in bulk.big_tables()}
    stmt = sql.SQL("COPY {} ({}) FROM {} (FORMAT csv{})").format(
        qualified(t),
        sql.SQL(", ").join(map(sql.Identifier, columns)),
        sql.Literal(str(path)),
        sql.SQL(", FREEZE" if frozen else ""),
    )
    with conn.transaction():
        if frozen:
            conn.execute(sql.SQL("TRUNCATE {} CASCADE").format(qualified(t)))
        conn.execute(stmt)


def _ceiling(dsn: str, files: dict[str, tuple[Path, list[str]]], rows: dict[str, int]) -> Phases:
    """Server COPY FROM files into the bare big tables, the big ones on as many connections
    at once as the load uses (`bulk.copy_lanes`), then the bulk load's rebuild."""
    with ExitStack() as stack:
        conns = [stack.enter_context(psycopg.connect(dsn, autocommit=True)) for _ in range(STREAMS)]
        for conn in conns:
            conn.execute("SET wedsync.bulk_load = 'on'")
            conn.execute("SET synchronous_commit = off")
        conn = conns[0]
        row = conn.execute(
            "INSERT INTO generation_runs (fingerprint, scenario) VALUES ('bench', '{}') "
            "RETURNING id"
        ).fetchone()
        assert row is not None
        deferred = bulk.defer(conn, row[0])
        before, lanes, after = bulk.copy_lanes(TABLES, rows, STREAMS)

        def copy_all(c: psycopg.Connection, tables: list[TableDef]) -> None:
            for t in tables:
                _server_copy(c, t, *files[t.name])

        started = time.perf_counter()
        copy_all(conn, before)
        with ThreadPoolExecutor(max_workers=STREAMS) as pool:
            for done in [
                pool.submit(copy_all, c, lane) for c, lane in zip(conns, lanes, strict=True)
            ]:
                done.result()
        copy_all(conn, after)
        phases = {"copy": time.perf_counter() - started}
        return phases | bulk.rebuild(dsn, conn, row[0], deferred, rows)


def _measure(run: Callable[[], Phases], server_pid: int) -> tuple[Phases, dict[str, float]]:
    """The phases `run` reports, and its wall, client CPU and server CPU seconds."""
    client0 = resource.getrusage(resource.RUSAGE_SELF)
    children0 = resource.getrusage(resource.RUSAGE_CHILDREN)  # generate's worker processes
    server0 = server_cpu(server_pid)
    started = time.perf_counter()
    phases = run()
    wall = time.perf_counter() - started
    client1 = resource.getrusage(resource.RUSAGE_SELF)
    children1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    client = sum(
        getattr(b, f) - getattr(a, f)
        for a, b in ((client0, client1), (children0, children1))
        for f in ("ru_utime", "ru_stime")
    )
    return phases, {
        "wall": wall,
        "client_cpu": client,
        "server_cpu": server_cpu(server_pid) - server0,
    }


def test_season_load_vs_ceiling(pg_admin_dsn: str, template_dsn: str, tmp_path: Path) -> None:
    scenario = build_scenario(settings.bench_scale(), seed=SEED, days=settings.bench_days())
    gen = tmp_path / "gen"
    csv_dir = Path(tempfile.mkdtemp(prefix="wsa-bench-load-"))  # the server reads it
    csv_dir.chmod(0o755)
    server_pid = postmaster(pg_admin_dsn)
    started = time.perf_counter()
    rows = write_parquet(scenario, gen, parts=2, workers=2)  # untimed setup of the ceiling
    generate_out = time.perf_counter() - started  # ... and the two-step path's first step
    files = _write_csv(gen, csv_dir)
    total = sum(rows.values())
    modes: dict[str, Callable[[str], Phases]] = {
        "ceiling": lambda dsn: _ceiling(dsn, files, rows),
        "load --data": lambda dsn: load_data(dsn, open_data(gen), bulk=True).phases,
        "generate": lambda dsn: load_scenario(dsn, scenario, bulk=True).phases,
    }
    runs: dict[str, list[tuple[Phases, dict[str, float]]]] = {m: [] for m in modes}
    load = os.getloadavg()
    try:
        # rounds in alternating order (a shared machine's load varies); each load into a
        # fresh database, checkpointed before the timing
        for r in range(ROUNDS):
            for mode in list(modes)[:: 1 if r % 2 == 0 else -1]:
                name = "wsa_bench_load"
                dsn = create_database(pg_admin_dsn, name, template=TEMPLATE)
                try:
                    with psycopg.connect(dsn, autocommit=True) as conn:
                        conn.execute("CHECKPOINT")
                    runs[mode].append(_measure(lambda: modes[mode](dsn), server_pid))  # noqa: B023
                    phases, cost = runs[mode][-1]  # said at once: a later failure keeps it
                    print(f"\n[load] round {r + 1}, {mode}: {phases}, {cost}", flush=True)
                finally:
                    drop_database(pg_admin_dsn, name)
    finally:
        shutil.rmtree(csv_dir)
    season = scenario.scale == "season" and settings.bench_days() is None
    _report(scenario.scale, scenario.days, total, runs, generate_out, load, pg_admin_dsn, season)


def _report(
    scale: str,
    days: int,
    total: int,
    runs: dict[str, list[tuple[Phases, dict[str, float]]]],
    generate_out: float,
    load: tuple[float, float, float],
    dsn: str,
    season: bool,
) -> None:
    best = {m: min(r, key=lambda x: sum(x[0].values())) for m, r in runs.items()}
    rate = {m: total / sum(p.values()) for m, (p, _) in best.items()}
    print(
        f"\n[load] scale {scale}, seed {SEED}, {days} days, {total:,} rows, best of {ROUNDS}; "
        f"load average at start {load[0]:.1f} (shared machine), now {os.getloadavg()[0]:.1f}"
    )
    print(f"[load] server: {server_settings(dsn)}")
    print(f"[load] generate --out (2 parts, 2 workers): {generate_out:.1f} s")
    for mode, (phases, cost) in best.items():
        split = ", ".join(f"{k} {v:.1f} s" for k, v in phases.items())
        every = [round(total / sum(p.values())) for p, _ in runs[mode]]
        print(
            f"[load] {mode:12} {rate[mode]:>9,.0f} rows/s ({split}); wall {cost['wall']:.1f} s, "
            f"CPU: client {cost['client_cpu']:.1f} s, server {cost['server_cpu']:.1f} s; "
            f"runs {every} rows/s"
        )
    steps = (("load --data", generate_out), ("generate", 0.0))
    for (mode, extra), target_mode in zip(steps, _targets.LOAD_MODES, strict=True):
        share = rate[mode] / rate["ceiling"]
        wall = best[mode][1]["wall"] + extra
        share_met = _targets.record(
            _targets.LOAD_RATE.format(mode=target_mode),
            f">= {_targets.LOAD_SHARE:.0%}",
            f"{share:.1%}",
            share >= _targets.LOAD_SHARE,
        )
        if season:
            wall_met = _targets.record(
                _targets.LOAD_TIME.format(mode=target_mode),
                f"<= {_targets.LOAD_SECONDS:.0f} s",
                f"{wall:.1f} s",
                wall <= _targets.LOAD_SECONDS,
            )
            wall_text = f"for the whole season: {wall_met})"
        else:
            wall_text = "for the whole season: not measured, this is a smaller scenario)"
        print(
            f"[load] {mode}: {share:.1%} of the ceiling (target >= {_targets.LOAD_SHARE:.0%}: "
            f"{share_met}); end to end {wall:.1f} s{' with generate --out' if extra else ''} "
            f"(target <= {_targets.LOAD_SECONDS:.0f} s {wall_text}"
        )
