"""Generation in parts: disjoint slices whose union is the whole, and the folder checks."""

from __future__ import annotations

import itertools
import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wedsync_analytics.cli.main import run
from wedsync_analytics.errors import UserError
from wedsync_analytics.generate import build_scenario, frames, plan, write_parquet
from wedsync_analytics.generate.output import part_chunks, write_part
from wedsync_analytics.generate.parts import part_name, part_range
from wedsync_analytics.generate.tables import TABLES
from wedsync_analytics.generate.world import World
from wedsync_analytics.load import open_data
from wedsync_analytics.output_dir import OUTPUT_LIST


@given(total=st.integers(0, 10**7), parts=st.integers(1, 500))
def test_part_ranges_tile_the_table(total: int, parts: int) -> None:
    ranges = [part_range(total, i, parts) for i in range(parts)]
    assert ranges[0][0] == 0 and ranges[-1][1] == total
    for (_, b), (c, _) in itertools.pairwise(ranges):
        assert b == c
    assert all(0 <= b - a <= total // parts + 1 for a, b in ranges)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    parts=st.integers(1, 6),
    seed=st.integers(0, 2**63 - 1),
    days=st.integers(1, 4),
    suppliers=st.integers(1, 4),
    couples=st.integers(1, 4),
    chunk_rows=st.sampled_from([7, 300, 10**6]),
)
def test_union_of_parts_is_the_whole(  # type: ignore[no-untyped-def]
    parts, seed, days, suppliers, couples, chunk_rows
) -> None:
    s = build_scenario("tiny", seed=seed, days=days, suppliers=suppliers, couples=couples)
    w = World(s)
    for t in TABLES:
        total = t.count(w)
        whole = t.build(w, 0, total, total)
        pieces = [df for i in range(parts) for df in part_chunks(w, t, i, parts, chunk_rows, total)]
        union = pl.concat(pieces) if pieces else whole
        assert union.equals(whole), (t.name, parts)


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        run(list(args))
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err.strip()


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gen") / "data"
    write_parquet(build_scenario("tiny", seed=9, days=3), out, chunk_rows=500, parts=3, workers=2)
    return out


def test_parts_written_by_processes_read_back_whole(generated: Path) -> None:
    s = build_scenario("tiny", seed=9, days=3)
    data = open_data(generated)
    assert data.scenario == s and len(data.manifests) == 3
    assert sorted(p.name for p in generated.iterdir()) == [OUTPUT_LIST] + [
        part_name(i, 3) for i in range(3)
    ]
    for name, n in plan(s).items():
        union = pl.concat([pl.read_parquet(f) for f in data.files(name)])
        assert union.height == n == data.table_rows(name)
        whole = pl.concat(list(frames(s, name, 10**9)))
        cast = whole.with_columns(pl.col(c).cast(union.schema[c]) for c in whole.columns)
        assert union.equals(cast)


def _damaged(generated: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "copy"
    shutil.copytree(generated, copy)
    return copy


def _break_missing_part(d: Path) -> None:
    shutil.rmtree(d / part_name(1, 3))


def _break_extra_file(d: Path) -> None:
    (d / part_name(0, 3) / "notes.txt").write_text("mine")


def _break_foreign_entry(d: Path) -> None:
    (d / "README.md").write_text("mine")


def _break_corrupt(d: Path) -> None:
    path = d / part_name(2, 3) / "performance_metrics.parquet"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def _break_missing_file(d: Path) -> None:
    (d / part_name(0, 3) / "incidents.parquet").unlink()


def _break_manifest(d: Path) -> None:
    (d / part_name(1, 3) / "manifest.json").write_text("{")


def _break_other_scenario(d: Path) -> None:
    path = d / part_name(1, 3) / "manifest.json"
    data = json.loads(path.read_text())
    data["scenario"]["seed"] = 10
    path.write_text(json.dumps(data))


def _break_row_count(d: Path) -> None:
    path = d / part_name(1, 3) / "manifest.json"
    data = json.loads(path.read_text())
    for name in ("auth.users", "organizations"):  # counts edited consistently: ranges still tile
        t = data["tables"][name]
        t["rows"] += 1
        t["table_rows"] += 1
    path.write_text(json.dumps(data))


def _break_mixed_generations(d: Path) -> None:
    shutil.copytree(d / part_name(0, 3), d / part_name(0, 1))


def _break_leftover(d: Path) -> None:
    (d / ".partial-part-00000-of-00003-1234").mkdir()


DAMAGE = {
    _break_missing_part: "missing, part 1 of 3",
    _break_extra_file: "notes.txt: not listed in its part's manifest",
    _break_foreign_entry: "README.md: not written by `generate --out`",
    _break_corrupt: "performance_metrics.parquet: content differs from its manifest",
    _break_missing_file: "incidents.parquet: missing",
    _break_manifest: "manifest.json: unreadable manifest",
    _break_other_scenario: "does not match its fingerprint",
    _break_row_count: "its manifest says",
    _break_mixed_generations: "parts of different generations (of 1 and 3 parts)",
    _break_leftover: "interrupted generate",
}


@pytest.mark.parametrize("damage", list(DAMAGE), ids=lambda f: f.__name__)
def test_load_refuses_incomplete_data_in_one_line(  # type: ignore[no-untyped-def]
    damage, generated: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = _damaged(generated, tmp_path)
    open_data(copy)  # the copy itself is complete
    damage(copy)
    # no --dsn and no server: the folder is refused before any database is looked for
    code, _, err = _run(capsys, "load", "--data", str(copy), "--dsn", "postgresql://nobody@0/x")
    assert code == 2 and len(err.splitlines()) == 1
    assert DAMAGE[damage] in err and "Traceback" not in err


def test_generate_out_refuses_foreign_folder_and_replaces_its_own(tmp_path: Path) -> None:
    s = build_scenario("tiny", seed=1, days=1)
    out = tmp_path / "data"
    out.mkdir()
    (out / "mine.txt").write_text("keep me")
    with pytest.raises(UserError, match=r"not replaced, it holds mine\.txt"):
        write_parquet(s, out, parts=2, workers=1)
    assert sorted(p.name for p in out.iterdir()) == ["mine.txt"]
    (out / "mine.txt").unlink()
    write_parquet(s, out, parts=2, workers=1)
    # a whole generation into its own folder replaces it, old parts included
    write_parquet(build_scenario("tiny", seed=2, days=1), out, parts=3, workers=1)
    assert sorted(p.name for p in out.iterdir()) == [OUTPUT_LIST] + [
        part_name(i, 3) for i in range(3)
    ]
    assert open_data(out).scenario.seed == 2
    # a single part replaces only its own folder, and only when it is ours
    (out / part_name(1, 3) / "extra.txt").write_text("mine")
    with pytest.raises(UserError, match="was not written by `generate --out`"):
        write_part(s, out, 1, 3, 1000)
    assert (out / part_name(1, 3) / "extra.txt").exists()


def test_cli_part_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "d"
    base = ["generate", "--scale", "tiny", "--seed", "3", "--days", "1"]
    for args, message in [
        (["--parts", "2"], "apply to --out"),
        (["--out", str(out), "--part", "1"], "--part I needs --parts N"),
        (["--out", str(out), "--part", "2", "--parts", "2"], "numbered 0 to 1"),
        (["--out", str(out), "--part", "0", "--parts", "2", "--workers", "2"], "one part"),
        (["--out", str(out), "--parts", "0"], "invalid --parts 0"),
        (["--out", str(out), "--workers", "0"], "invalid --workers 0"),
    ]:
        code, _, err = _run(capsys, *base, *args)
        assert code == 2 and message in err and len(err.splitlines()) == 1, args
    assert not out.exists()
    for i in (1, 0):
        code, out_text, _ = _run(capsys, *base, "--out", str(out), "--part", str(i), "--parts", "2")
        assert code == 0 and f"part {i} of 2" in out_text
    assert open_data(out).scenario.days == 1


def test_parts_with_no_rows_keep_the_columns(tmp_path: Path) -> None:
    """More parts than a small table has rows: empty files with the table's schema."""
    s = build_scenario("tiny", seed=5, days=1, suppliers=1, couples=1)
    write_parquet(s, tmp_path, chunk_rows=50, parts=9, workers=1)
    data = open_data(tmp_path)
    empty = 0
    for name, n in plan(s).items():
        pieces = [pl.read_parquet(f) for f in data.files(name)]
        empty += sum(p.height == 0 for p in pieces)
        assert len({tuple(p.schema.items()) for p in pieces}) == 1, name
        assert sum(p.height for p in pieces) == n
    assert empty > 0
