"""Benchmark data: a season-like scenario from the real generator, loaded by the real loader.

Sized by WSA_BENCH_ROWS (default 10,000,000 rows over all tables, the `season` preset's
size; the organizations scale with it) and WSA_BENCH_DAYS (default 180). The database
`wsa_bench` lives on the benchmark session's server (the `pg_admin_dsn` fixture: the
embedded throwaway server, or WEDSYNC_DSN), the same server every benchmark of one
`make bench` uses. It is reloaded only when it does not hold this scenario's completed load.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from wedsync_analytics import settings
from wedsync_analytics.demo import scenario_end
from wedsync_analytics.generate import build_scenario
from wedsync_analytics.generate.scenario import PRESETS, Scenario
from wedsync_analytics.load import load_scenario
from wedsync_analytics.migrations import apply_migrations

ROWS = settings.bench_rows()
DAYS = settings.bench_days() or 180
SEASON_ROWS = 10_500_000  # the season preset: 180 days, 700 suppliers, 1600 couples
DATABASE = "wsa_bench"
SERVER_SETTINGS = ("fsync", "synchronous_commit", "shared_buffers", "work_mem", "max_wal_size")


def bench_scenario(rows: int = ROWS, days: int = DAYS) -> Scenario:
    """The season preset with organizations scaled so the load is about `rows` rows."""
    season = PRESETS["season"]
    factor = rows / SEASON_ROWS * season.days / days
    return build_scenario(
        "season",
        seed=1,
        days=days,
        suppliers=max(1, round(season.suppliers * factor)),
        couples=max(1, round(season.couples * factor)),
    )


def as_of(scenario: Scenario) -> datetime:
    """The analyses' `as_of`: the end of the scenario (its last day is in every window)."""
    return scenario_end(scenario)


def _database(admin_dsn: str) -> str:
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,))
        if found.fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
    info = psycopg.conninfo.conninfo_to_dict(admin_dsn)
    info["dbname"] = DATABASE
    return psycopg.conninfo.make_conninfo(**{k: str(v) for k, v in info.items()})


def _loaded(dsn: str, scenario: Scenario) -> bool:
    with psycopg.connect(dsn) as conn:
        row = conn.execute(
            "SELECT fingerprint = %s AND status = 'completed' FROM public.generation_runs "
            "ORDER BY id DESC LIMIT 1",
            (scenario.fingerprint,),
        ).fetchone()
    return bool(row and row[0])


def server_settings(dsn: str) -> str:
    """The server configuration the figures were measured on, as one line."""
    with psycopg.connect(dsn) as conn:
        values = [
            f"{name}={conn.execute(sql.SQL('SHOW {}').format(sql.Identifier(name))).fetchone()[0]}"  # type: ignore[index]
            for name in SERVER_SETTINGS
        ]
    return ", ".join(values)


def _settle(dsn: str) -> None:
    """VACUUM the freshly loaded database (untimed), so that no autovacuum of the load's 10 M
    new rows runs during a timed section: in one run it vacuumed performance_metrics while
    the export benchmark's `COPY ... TO` ran, and the server's CPU seconds counted it."""
    started = time.perf_counter()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
    print(f"\n[bench data] VACUUM (ANALYZE) in {time.perf_counter() - started:.0f}s (untimed)")


@pytest.fixture(scope="session")
def bench_db(pg_admin_dsn: str) -> Iterator[tuple[str, Scenario]]:
    """(DSN, scenario) of the loaded benchmark database; loading is not timed by any bench."""
    dsn = _database(pg_admin_dsn)
    apply_migrations(dsn)
    scenario = bench_scenario()
    if not _loaded(dsn, scenario):
        started = time.perf_counter()
        summary = load_scenario(dsn, scenario, replace=True)
        print(
            f"\n[bench data] {sum(summary.rows.values()):,} rows ({scenario.days} days, "
            f"{scenario.suppliers} suppliers, {scenario.couples} couples) generated and loaded "
            f"in {time.perf_counter() - started:.0f}s"
        )
    _settle(dsn)
    print(f"\n[bench server] {server_settings(dsn)}")
    yield dsn, scenario


def server_cpu(postmaster: int) -> float:
    """CPU seconds of the server: the postmaster, its exited children, its live ones."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile: its times are in the postmaster's cutime now
        pid, ppid = int(entry.name), int(fields[1])
        if pid == postmaster:
            total += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
        elif ppid == postmaster:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def postmaster(dsn: str) -> int:
    """The server's postmaster process id (the server must run on this machine)."""
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SHOW data_directory").fetchone()
    assert row is not None
    return int((Path(row[0]) / "postmaster.pid").read_text().split()[0])
