"""The machine a benchmark ran on: CPU, cores, memory, PostgreSQL version and settings,
package versions. Figures from different fingerprints are not compared."""

from __future__ import annotations

import os
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

import psycopg

PACKAGES = ("wedsync-analytics", "psycopg", "polars", "numpy", "duckdb", "matplotlib")
PG_SETTINGS = (
    "shared_buffers",
    "work_mem",
    "maintenance_work_mem",
    "effective_cache_size",
    "random_page_cost",
    "jit",
    "max_parallel_workers_per_gather",
    "max_wal_size",
    "fsync",
    "synchronous_commit",
    "full_page_writes",
    "autovacuum",
    "default_statistics_target",
)


def _cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _memory_bytes() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def machine_fingerprint(conn: psycopg.Connection) -> dict[str, Any]:
    """The fingerprint, with the server's version and planner/IO settings."""
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    row = conn.execute("SELECT version()").fetchone()
    settings: dict[str, str] = dict(
        conn.execute(
            "SELECT name, setting || coalesce(unit, '') FROM pg_settings WHERE name = ANY(%s)",
            (list(PG_SETTINGS),),
        ).fetchall()
    )
    return {
        "cpu_model": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_bytes": _memory_bytes(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "postgresql": row[0] if row else None,
        "postgresql_settings": settings,
        "packages": versions,
    }
