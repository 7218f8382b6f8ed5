"""Faults from outside, each one clear line: Ctrl-C, a full disk, a port in use, two
`migrate` at once."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.cli_support import assert_one_line_error, run_cli
from tests.robust_support import fill, small_export, spawn_cli, tree, wait_for_lock_wait
from wedsync_analytics.export.verify import verify_export


def _interrupt_while_blocked(
    db: psycopg.Connection, dsn: str, *args: str, sig: int = signal.SIGINT
) -> tuple[int, str]:
    """Run the CLI until it waits on a locked table, then press Ctrl-C (or send `sig`)."""
    with psycopg.connect(dsn) as holder:
        holder.execute("LOCK TABLE public.performance_metrics IN ACCESS EXCLUSIVE MODE")
        proc = spawn_cli(*args, env={"PGAPPNAME": "wsa-ctrl-c-under-test"})
        try:
            wait_for_lock_wait(db, "wsa-ctrl-c-under-test")
            proc.send_signal(sig)
            _, stderr = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
        holder.rollback()
    return proc.returncode, stderr


def test_ctrl_c_during_export_says_what_it_left(
    db: psycopg.Connection, db_dsn: str, tmp_path: Path
) -> None:
    out = small_export(db, db_dsn, tmp_path / "export")
    before = tree(out)
    code, stderr = _interrupt_while_blocked(
        db, db_dsn, "export", "--out", str(out), "--dsn", db_dsn
    )
    assert code == 130, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "export interrupted while writing table performance_metrics" in lines[0]
    assert f"nothing was written to {out}" in lines[0]
    assert "any earlier export there is unchanged" in lines[0]
    assert tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export"]


def test_ctrl_c_during_validate_says_what_it_left(
    db: psycopg.Connection, db_dsn: str, tmp_path: Path
) -> None:
    out = small_export(db, db_dsn, tmp_path / "export")
    code, stderr = _interrupt_while_blocked(
        db, db_dsn, "validate", "--data", str(out), "--dsn", db_dsn
    )
    assert code == 130, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "validate interrupted" in lines[0], stderr
    assert "unchanged" in lines[0]


def test_a_killed_export_leaves_a_partial_folder_that_the_next_export_removes(
    db: psycopg.Connection, db_dsn: str, tmp_path: Path
) -> None:
    out = small_export(db, db_dsn, tmp_path / "export")
    code, _ = _interrupt_while_blocked(
        db, db_dsn, "export", "--out", str(out), "--dsn", db_dsn, sig=signal.SIGKILL
    )
    assert code == -signal.SIGKILL
    leftovers = [p for p in tmp_path.iterdir() if ".partial-" in p.name]
    assert len(leftovers) == 1 and any(leftovers[0].rglob("*.parquet"))
    done = run_cli("export", "--out", str(out), "--dsn", db_dsn)
    assert done.returncode == 0, done.stderr
    assert f"removed {leftovers[0]}, left by an interrupted run" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export"]


def test_port_in_use_names_wedsync_pg_port(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {"WEDSYNC_HOME": str(tmp_path / "home"), "WEDSYNC_PG_PORT": str(port)}
        done = run_cli("db", "start", env=env)
    assert_one_line_error(done, f"port {port}", "address already in use", "WEDSYNC_PG_PORT")


def test_two_migrates_at_once_on_a_fresh_database(empty_db_dsn: str) -> None:
    procs = [spawn_cli("migrate", "--dsn", empty_db_dsn) for _ in range(2)]
    results = [(p.wait(timeout=300), *p.communicate()) for p in procs]
    assert all(code == 0 for code, _, _ in results), results
    outputs = [out for _, out, _ in results]
    assert sum("migration(s) applied" in out for out in outputs) == 1, outputs
    assert sum("nothing to apply" in out for out in outputs) == 1, outputs


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real, tiny file system (tmpfs of 4 MiB): needs root, as CI runs."""
    if os.geteuid() != 0:
        pytest.fail("this test mounts a tmpfs and needs root (as CI runs)")
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


def test_a_second_export_on_a_full_disk_says_no_space(
    db: psycopg.Connection, db_dsn: str, small_disk: Path
) -> None:
    fill(db, days=60)
    out = small_disk / "export"
    first = run_cli("export", "--out", str(out), "--dsn", db_dsn)
    assert first.returncode == 0, first.stderr
    used = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    filler = small_disk / "filler"
    filler.write_bytes(b"\0" * (4 * 2**20 - used - used // 2))  # leave half an export free
    before = tree(out)
    second = run_cli("export", "--out", str(out), "--dsn", db_dsn)
    assert_one_line_error(
        second, "no space left on device while writing", f"nothing was written to {out}"
    )
    assert tree(out) == before and verify_export(out).ok
    assert sorted(p.name for p in small_disk.iterdir()) == ["export", "filler"]


def test_generate_on_a_full_disk_leaves_no_half_written_folder(small_disk: Path) -> None:
    out = small_disk / "gen"
    done = run_cli("generate", "--scale", "small", "--out", str(out))
    assert_one_line_error(done, "no space left on device", str(out))
    assert list(small_disk.iterdir()) == []
