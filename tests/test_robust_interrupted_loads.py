"""A load killed mid-way is visible: its run is marked interrupted by the next command that
looks, and export and validate refuse the half-loaded database unless told otherwise."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import psycopg

from tests.cli_support import assert_one_line_error, run_cli
from tests.robust_support import spawn_cli
from wedsync_analytics.runs import LOAD_LOCK_KEY


def _runs(dsn: str) -> list[tuple[int, str]]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute("SELECT id, status FROM public.generation_runs ORDER BY id").fetchall()
    return [(int(r[0]), str(r[1])) for r in rows]


def _wait_until_loading(proc: subprocess.Popen[str], dsn: str) -> None:
    """Return once the load has committed rows of a later table (error_reports)."""
    deadline = time.monotonic() + 120
    with psycopg.connect(dsn, autocommit=True) as conn:
        while True:
            assert proc.poll() is None, "generate ended before it could be stopped"
            assert time.monotonic() < deadline
            row = conn.execute("SELECT EXISTS (SELECT 1 FROM public.error_reports)").fetchone()
            if row and row[0]:
                return
            time.sleep(0.05)


def _kill_generate_mid_load(dsn: str) -> None:
    proc = spawn_cli("generate", "--scale", "small", "--seed", "5", "--dsn", dsn)
    try:
        _wait_until_loading(proc, dsn)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)


def test_a_killed_load_is_marked_and_refused(db_dsn: str, tmp_path: Path) -> None:
    _kill_generate_mid_load(db_dsn)
    assert _runs(db_dsn) == [(1, "running")]
    out = tmp_path / "export"

    refused = run_cli("export", "--out", str(out), "--dsn", db_dsn)
    assert_one_line_error(
        refused,
        "the database's last load did not complete: run 1 (scale small, seed 5",
        "is interrupted",
        "--allow-incomplete",
    )
    assert _runs(db_dsn) == [(1, "interrupted")]
    assert not out.exists()

    allowed = run_cli("export", "--out", str(out), "--dsn", db_dsn, "--allow-incomplete")
    assert allowed.returncode == 0, allowed.stderr
    load = json.loads((out / "manifest.json").read_text())["load"]
    assert (load["run"], load["status"], load["scale"]) == (1, "interrupted", "small")

    checked = run_cli("validate", "--data", str(out), "--dsn", db_dsn)
    assert_one_line_error(checked, "exported from a load that did not complete: run 1")
    anyway = run_cli("validate", "--data", str(out), "--dsn", db_dsn, "--allow-incomplete")
    assert anyway.returncode in (0, 1), anyway.stderr  # compared, whatever the answer
    assert "reference" in anyway.stdout

    again = run_cli("generate", "--scale", "tiny", "--dsn", db_dsn, "--replace")
    assert again.returncode == 0, again.stderr
    assert _runs(db_dsn) == [(1, "interrupted"), (2, "completed")]


def test_a_live_load_is_not_marked_interrupted(db_dsn: str, tmp_path: Path) -> None:
    with psycopg.connect(db_dsn, autocommit=True) as loader:
        loader.execute("SELECT pg_advisory_lock(%s)", (LOAD_LOCK_KEY,))
        loader.execute(
            "INSERT INTO public.generation_runs (fingerprint, scenario) "
            """VALUES ('f', '{"scale": "tiny", "seed": 9}')"""
        )
        refused = run_cli("export", "--out", str(tmp_path / "x"), "--dsn", db_dsn)
        assert_one_line_error(refused, "is running", "wait for it to finish")
        assert _runs(db_dsn) == [(1, "running")]
    # The loader's session is gone (its lock with it): now the run is interrupted.
    refused = run_cli("export", "--out", str(tmp_path / "x"), "--dsn", db_dsn)
    assert_one_line_error(refused, "run 1 (scale tiny, seed 9", "is interrupted")
    assert _runs(db_dsn) == [(1, "interrupted")]


def test_ctrl_c_during_a_load_says_what_it_left(db_dsn: str) -> None:
    proc = spawn_cli("generate", "--scale", "small", "--dsn", db_dsn)
    try:
        _wait_until_loading(proc, db_dsn)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "load interrupted: run 1 is marked interrupted" in lines[0], stderr
    assert _runs(db_dsn) == [(1, "interrupted")]
