"""Output folders: `export`, `demo` and `generate --out` never delete what they did not write,
check every output path before any work, and clean up after killed runs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg

from tests.cli_support import assert_one_line_error, run_cli
from tests.robust_support import small_export, tree


def _project(folder: Path) -> dict[str, bytes]:
    """A user's project folder that happens to have its own manifest.json."""
    (folder / "src").mkdir(parents=True)
    (folder / "src" / "main.py").write_text("print('mine')\n")
    (folder / "README.md").write_text("# my project\n")
    (folder / "manifest.json").write_text('{"name": "my-project", "version": 3}\n')
    return tree(folder)


def test_export_refuses_a_project_folder_with_its_own_manifest(
    db: psycopg.Connection, db_dsn: str, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    before = _project(project)
    done = run_cli("export", "--out", str(project), "--dsn", db_dsn)
    assert_one_line_error(done, "not replaced", "did not write", "choose a new folder")
    assert tree(project) == before


def test_export_refuses_an_earlier_export_with_files_added(
    db: psycopg.Connection, db_dsn: str, tmp_path: Path
) -> None:
    out = small_export(db, db_dsn, tmp_path / "export")
    (out / "notes.txt").write_text("my notes\n")
    (out / "mywork").mkdir()
    (out / "mywork" / "a.csv").write_text("a,b\n1,2\n")
    before = tree(out)
    done = run_cli("export", "--out", str(out), "--dsn", db_dsn)
    assert_one_line_error(done, "which wedsync-analytics did not write", "mywork")
    assert tree(out) == before


def test_export_replaces_an_earlier_export_of_ours(
    db: psycopg.Connection, db_dsn: str, tmp_path: Path
) -> None:
    out = small_export(db, db_dsn, tmp_path / "export")
    victim = sorted((out / "incidents").rglob("*.parquet"))[0]
    victim.unlink()  # a damaged export is still ours
    done = run_cli("export", "--out", str(out), "--dsn", db_dsn)
    assert done.returncode == 0, done.stderr
    assert victim.is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["export"]  # no partial folder left


def test_demo_refuses_a_project_folder_before_any_work(db_dsn: str, tmp_path: Path) -> None:
    project = tmp_path / "project"
    before = _project(project)
    started = time.monotonic()
    done = run_cli("demo", "--scale", "tiny", "--dsn", db_dsn, "--out", str(project))
    assert_one_line_error(done, "not replaced", "choose a new folder")
    assert tree(project) == before
    with psycopg.connect(db_dsn) as conn:  # nothing was loaded
        row = conn.execute("SELECT count(*) FROM public.generation_runs").fetchone()
    assert row == (0,)
    assert time.monotonic() - started < 30


def test_root_as_output_is_one_line_before_any_work(db_dsn: str, tmp_path: Path) -> None:
    for args in (
        ("export", "--out", "/", "--dsn", db_dsn),
        ("demo", "--scale", "tiny", "--out", "/", "--dsn", db_dsn),
        ("generate", "--scale", "tiny", "--out", "/"),
    ):
        assert_one_line_error(run_cli(*args), "--out /", "choose a new folder")
    missing = tmp_path / "no-such-folder" / "report.json"
    done = run_cli("validate", "--data", str(tmp_path), "--json", str(missing), "--no-postgres")
    assert_one_line_error(done, "--json", "does not exist")


def test_generate_refuses_a_folder_with_other_files(tmp_path: Path) -> None:
    out = tmp_path / "gen"
    out.mkdir()
    (out / "keep.txt").write_text("mine\n")
    done = run_cli("generate", "--scale", "tiny", "--out", str(out))
    assert_one_line_error(done, "keep.txt", "did not write")
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_generate_replaces_its_own_output(tmp_path: Path) -> None:
    out = tmp_path / "gen"
    for seed in ("1", "2"):
        done = run_cli("generate", "--scale", "tiny", "--seed", seed, "--out", str(out))
        assert done.returncode == 0, done.stderr
    manifests = sorted(out.glob("part-*/manifest.json"))
    assert manifests and all('"seed": 2' in m.read_text() for m in manifests)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gen"]


SERIAL = ("--workers", "1", "--out")  # one process: a SIGKILL leaves no orphan workers


def _partials(parent: Path) -> list[Path]:
    return [p for p in parent.iterdir() if ".partial-" in p.name]


def test_a_killed_generate_leaves_a_partial_folder_that_the_next_run_removes(
    tmp_path: Path,
) -> None:
    out = tmp_path / "gen"
    env = {k: v for k, v in os.environ.items() if k != "WEDSYNC_DSN"}
    proc = subprocess.Popen(
        # season: files appear after ~4 s and the run goes on far longer, so the kill cannot
        # land near its end (with `small` it once landed while the output was installed)
        [sys.executable, "-m", "wedsync_analytics", "generate", "--scale", "season", *SERIAL, out],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not any(p.rglob("*.parquet*") for p in _partials(tmp_path)):
            assert proc.poll() is None, "generate ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    leftovers = _partials(tmp_path)
    assert len(leftovers) == 1 and not out.exists()
    done = run_cli("generate", "--scale", "tiny", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert f"removed {leftovers[0]}, left by an interrupted run" in done.stderr
    assert not _partials(tmp_path)


def test_a_partial_folder_of_a_live_or_foreign_run_is_left_alone(tmp_path: Path) -> None:
    live = tmp_path / ".gen.partial-live0001"
    live.mkdir()
    (live / ".wedsync-partial").write_text(
        json.dumps({"host": os.uname().nodename, "pid": os.getpid()})
    )
    foreign = tmp_path / ".gen.partial-0000abcd"
    foreign.mkdir()
    (foreign / "theirs.txt").write_text("x")
    done = run_cli("generate", "--scale", "tiny", "--out", str(tmp_path / "gen"))
    assert done.returncode == 0, done.stderr
    assert live.is_dir() and foreign.is_dir()
    assert f"left alone {foreign}" in done.stderr
