"""Helpers of the robustness tests: a small real export, and a database with a little data."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from tests import synthetic
from wedsync_analytics.export import export_database

AS_OF = datetime(2024, 3, 31, 1, 30, tzinfo=UTC)


def fill(db: psycopg.Connection, days: int = 30, seed: int = 3) -> None:
    """Load the analyses' sample data set (every table the analyses read)."""
    synthetic.load_dataset(db, synthetic.random_dataset(seed, AS_OF, days))


def small_export(db: psycopg.Connection, dsn: str, out: Path) -> Path:
    """Fill the database and export every table to `out`."""
    fill(db)
    export_database(dsn, out)
    return out


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` with its bytes (to show a folder is untouched)."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def spawn_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """Start `python -m wedsync_analytics ARGS` (to signal or kill it mid-run)."""
    full_env = {k: v for k, v in os.environ.items() if k != "WEDSYNC_DSN"}
    full_env.update(env or {})
    return subprocess.Popen(
        [sys.executable, "-m", "wedsync_analytics", *args],
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_lock_wait(admin: psycopg.Connection, application: str) -> int:
    """The backend pid of session `application` once it waits on a lock."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        row = admin.execute(
            "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND application_name = %s",
            (application,),
        ).fetchone()
        if row:
            return int(row[0])
        time.sleep(0.05)
    raise AssertionError(f"{application} never waited on a lock")


def reseal(out: Path) -> None:
    """Rewrite the manifest's digests and seal to match the files (a consistent forgery)."""
    from wedsync_analytics.export.manifest import FileEntry, seal_of, table_digest

    path = out / "manifest.json"
    data = json.loads(path.read_text())
    for table in data["tables"].values():
        for entry in table["files"]:
            body = (out / entry["path"]).read_bytes()
            entry["bytes"], entry["sha256"] = len(body), hashlib.sha256(body).hexdigest()
        files = [FileEntry(f["path"], f["rows"], f["sha256"], f["bytes"]) for f in table["files"]]
        table["digest"] = table_digest(files)
    data["seal"] = seal_of(data)
    path.write_text(json.dumps(data, indent=2))
