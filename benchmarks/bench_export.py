"""Export speed: rows/s of `export` against the server's own `COPY ... TO` a file, same run.

Run: `make bench` (or `.venv/bin/pytest benchmarks/bench_export.py --benchmark-enable -s
--timeout=0`): the data is `_bench_data`'s season-like scenario on the server every
benchmark of the run uses. On a database you already loaded (e.g. the season, seed 3):
`.venv/bin/python benchmarks/bench_export.py DSN`.

Setup (untimed): the row counts; the export directory. Timed, in the same run on the same
server: the server's `COPY performance_metrics TO '<file>'` and the export of
performance_metrics alone, alternately, ROUNDS times (this machine's load changes by tens
of percent between runs a minute apart: one round each gave 68.6 % and 88.4 % on the same
code and data), each reported as its median round; the export as its data pass (ADBC's
binary COPY into Arrow with each row's checksum hash, Polars types, monthly sorted zstd
Parquet, SHA-256) and its total (connecting, the snapshot, the manifest); then the export
of every table. CPU seconds of the export's process and of the server say where the time
goes; so does the export's query read through ADBC and discarded, without and with its
checksum column (the server's share of the export, and what the checksum costs it).
Each export runs in a fresh child process (its import time not counted) that reports its
own peak RSS (VmHWM: ru_maxrss would count the parent's RSS at fork), so the memory figure
is the export's alone.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

import _targets
from _bench_data import bench_db, postmaster, server_cpu  # noqa: F401 - bench_db: a fixture
from wedsync_analytics import arrow_transfer
from wedsync_analytics.export.arrow_stream import record_batches
from wedsync_analytics.export.pg_types import table_columns
from wedsync_analytics.export.writer import SESSION_SETTINGS, table_query

TABLE = "performance_metrics"
STREAMS = ("without", "with")  # the export's query read and discarded, without/with checksum
ROUNDS = 3  # the server's COPY TO and the export alternately: the median of each
STREAM_ROUNDS = 2  # each stream's fastest round is reported
_CHILD = """
import json, resource, sys, time
from wedsync_analytics.export import export_database
dsn, out, *tables = sys.argv[1:]
started = time.perf_counter()
manifest = export_database(dsn, out, tables or None)
total = time.perf_counter() - started
print(json.dumps({
    "total": total,
    "data": sum(t.seconds for t in manifest.tables.values()),
    "rows": manifest.total_rows,
    "files": sum(len(t.files) for t in manifest.tables.values()),
    # VmHWM belongs to this exec'd image; ru_maxrss also counts the parent's RSS at fork
    "peak_rss_mb": int(next(line.split()[1] for line in open("/proc/self/status")
                            if line.startswith("VmHWM:"))) / 1024,
    "cpu": resource.getrusage(resource.RUSAGE_SELF).ru_utime
    + resource.getrusage(resource.RUSAGE_SELF).ru_stime,
}))
"""


def export_in_child(dsn: str, out: Path, tables: list[str]) -> dict[str, Any]:
    """Export `tables` (all when empty) in a fresh Python; its timings and peak RSS."""
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, dsn, str(out), *tables],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"export failed: {done.stderr.strip()}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def server_copy(dsn: str, table: str, server: int) -> tuple[float, float]:
    """The server's own `COPY table TO '<file>'` (CSV): seconds, and the server's CPU seconds."""
    directory = Path(tempfile.mkdtemp(prefix="wsa-copy-"))
    directory.chmod(0o777)
    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            cpu, started = server_cpu(server), time.perf_counter()
            conn.execute(
                sql.SQL("COPY {} TO {} (FORMAT csv)").format(
                    sql.Identifier("public", table), sql.Literal(str(directory / "out.csv"))
                )
            )
            return time.perf_counter() - started, server_cpu(server) - cpu
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _alternately(export: Callable[[], None], copy: Callable[[], None]) -> None:
    for _ in range(ROUNDS):
        copy()
        export()


def server_stream(dsn: str, table: str, server: int, checksum: bool) -> dict[str, float]:
    """The export's own query of `table` (with or without the checksum column) read through
    ADBC and discarded: seconds, the server's CPU seconds and this process's (the decoding)."""
    with psycopg.connect(dsn) as conn, arrow_transfer.adbc_connect(dsn) as arrow:
        query = table_query(table, table_columns(conn, table), checksum).as_string(conn)
        for statement in SESSION_SETTINGS:
            arrow_transfer.run(arrow, statement)
        cpu, own, started = server_cpu(server), _own_cpu(), time.perf_counter()
        for _ in record_batches(arrow, query, 16 << 20):
            pass
        return {
            "seconds": time.perf_counter() - started,
            "server_cpu": server_cpu(server) - cpu,
            "client_cpu": _own_cpu() - own,
        }


def measure(dsn: str, work: Path, run: Any = None) -> dict[str, Any]:
    """Every figure of the report; `run(export, copy)` runs the ROUNDS rounds of the server's
    COPY TO (untimed by pytest-benchmark) and then the performance_metrics export (timed)."""
    with psycopg.connect(dsn) as conn:
        row = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(TABLE)))
        rows = int(row.fetchone()[0])  # type: ignore[index]
    server = postmaster(dsn)
    copies: list[tuple[float, float]] = []
    exports: list[dict[str, Any]] = []

    def copy_round() -> None:
        copies.append(server_copy(dsn, TABLE, server))

    def export_one() -> None:
        cpu = server_cpu(server)
        exports.append(export_in_child(dsn, work / "one", [TABLE]))
        exports[-1]["server_cpu"] = server_cpu(server) - cpu

    (run or _alternately)(export_one, copy_round)
    single = sorted(exports, key=lambda e: e["total"])[len(exports) // 2]
    copy_seconds, copy_cpu = sorted(copies)[len(copies) // 2]
    whole = export_in_child(dsn, work / "all", [])
    runs: dict[str, list[dict[str, float]]] = {kind: [] for kind in STREAMS}
    for _ in range(STREAM_ROUNDS):  # alternating, so a change of load touches both alike
        for kind in STREAMS:
            runs[kind].append(server_stream(dsn, TABLE, server, kind == "with"))
    streams = {kind: min(r, key=lambda x: x["seconds"]) for kind, r in runs.items()}
    return {
        "rows": rows,
        "copy": copy_seconds,
        "copy_cpu": copy_cpu,
        "one": single,
        "all": whole,
        "streams": streams,
    }


def report(figures: dict[str, Any]) -> str:
    """The printed lines: rates, ratios, the target met or not, the whole export, memory."""
    rows, copy_seconds, one, whole = (figures[k] for k in ("rows", "copy", "one", "all"))
    copy_rate = rows / copy_seconds
    lines = [
        f"server COPY {TABLE} TO file: {rows:,} rows in {copy_seconds:.2f}s = "
        f"{copy_rate:,.0f} rows/s (median of {ROUNDS}, alternating with the export's)"
    ]
    for label, seconds, what in (
        ("export data pass", one["data"], "binary COPY with row hashes -> sorted zstd Parquet"),
        ("export total", one["total"], "data pass + connecting, snapshot, manifest"),
    ):
        rate = rows / seconds
        lines.append(
            f"{label + ':':18s} {rows:,} rows in {seconds:.2f}s = {rate:,.0f} rows/s = "
            f"{rate / copy_rate:.1%} of server COPY TO ({what})"
        )
    share = rows / one["total"] / copy_rate
    verdict = _targets.record(
        _targets.EXPORT,
        f">= {_targets.EXPORT_SHARE:.0%}",
        f"{share:.1%}",
        share >= _targets.EXPORT_SHARE,
    )
    lines.append(
        f"CPU: export process {one['cpu']:.1f}s, server {one['server_cpu']:.1f}s (COPY TO: "
        f"server {figures['copy_cpu']:.1f}s); peak RSS {one['peak_rss_mb']:.0f} MB; "
        f"target export total >= {_targets.EXPORT_SHARE:.0%} of COPY TO: {verdict} ({share:.1%})"
    )
    lines.append(
        f"whole database: {whole['rows']:,} rows, {whole['files']} files in "
        f"{whole['total']:.1f}s = {whole['rows'] / whole['total']:,.0f} rows/s (data pass "
        f"{whole['data']:.1f}s); peak RSS {whole['peak_rss_mb']:.0f} MB"
    )
    bare, hashed = figures["streams"]["without"], figures["streams"]["with"]
    lines.append(
        f"where the server's time goes: the export's query read through ADBC and discarded "
        f"(fastest of {STREAM_ROUNDS}), without the checksum {bare['seconds']:.2f}s "
        f"(server CPU {bare['server_cpu']:.1f}s, "
        f"decoding {bare['client_cpu']:.1f}s), with it {hashed['seconds']:.2f}s (server CPU "
        f"{hashed['server_cpu']:.1f}s, decoding {hashed['client_cpu']:.1f}s): the checksum "
        f"costs the server {hashed['server_cpu'] - bare['server_cpu']:.1f}s; read alone, the "
        f"export's stream reaches {copy_seconds / hashed['seconds']:.1%} of COPY TO"
    )
    lines.append(f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f} at the end")
    return "\n".join(lines)


def test_export_vs_server_copy(
    benchmark: Any,
    tmp_path: Path,
    bench_db: Any,  # noqa: F811
) -> None:
    figures = measure(
        bench_db[0],
        tmp_path,
        lambda export, copy: benchmark.pedantic(export, setup=copy, rounds=ROUNDS),
    )
    print("\n" + report(figures))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python benchmarks/bench_export.py DSN")
    with tempfile.TemporaryDirectory(prefix="wsa-bench-export-") as tmp:
        print(report(measure(sys.argv[1], Path(tmp))))
