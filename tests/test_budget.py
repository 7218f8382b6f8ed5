"""The budget guard at the CI scale: the repository's budgets.toml holds through the CLI,
buffers and plan shapes repeat (runs and fresh loads of the seed), a dropped index fails
the guard naming query, budget and plan, and bad budget files are one line."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import psycopg
import pytest

from tests.cli_support import assert_one_line_error, run_cli
from wedsync_analytics.bench import datasets
from wedsync_analytics.budget.run import query_names, run_guard
from wedsync_analytics.budget.spec import BudgetFile, parse_budgets
from wedsync_analytics.errors import UserError
from wedsync_analytics.generate import PRESETS, build_scenario

ROOT = Path(__file__).resolve().parents[1]
BUDGETS = ROOT / "budgets.toml"


def _spec(tmp_path: Path | None = None) -> BudgetFile:
    spec = parse_budgets(BUDGETS, query_names(), list(PRESETS))
    if tmp_path is None:
        return spec
    return dataclasses.replace(
        spec, runs=1, snapshots=tmp_path / "plans", baseline=tmp_path / "baseline.json"
    )


def _dataset(admin_dsn: str) -> str:
    spec = _spec()
    scale, seed = spec.budgets[0].scale, spec.budgets[0].seed
    return datasets.with_database(
        admin_dsn, datasets.dataset_name(build_scenario(scale, seed=seed, market=spec.market))
    )


def test_the_repository_budgets_hold_through_the_cli(pg_admin_dsn: str, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    done = run_cli("budget", "--dsn", pg_admin_dsn, "--json", str(out), env={"COLUMNS": "200"})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "48 of 48 checks within budget" in done.stderr
    assert "time c" in done.stderr  # the time note: compared, or skipped and why
    report = out.read_text(encoding="utf-8")
    assert '"ok": true' in report and '"plan_mode": "generic"' in report
    assert '"plan_cache_mode": "force_generic_plan"' in report
    assert '"jit": "off"' in report


def _figures(admin_dsn: str, spec: BudgetFile) -> list[tuple[str, int, int, str]]:
    result = run_guard(admin_dsn, spec, lambda _: None)
    return [(c.name, c.shared_buffers, c.temp_buffers, c.shape) for c in result.checks]


def test_buffers_and_shapes_repeat_across_runs_and_fresh_loads(
    pg_admin_dsn: str, tmp_path: Path
) -> None:
    spec = _spec(tmp_path)
    written = run_guard(pg_admin_dsn, spec, lambda _: None, update_snapshots=True)
    assert {c.shape for c in written.checks} == {"written"}
    first = _figures(pg_admin_dsn, spec)
    assert {shape for *_, shape in first} == {"same"}
    assert _figures(pg_admin_dsn, spec) == first
    name = _dataset(pg_admin_dsn).rsplit("/", 1)[-1].split("?")[0]
    datasets.drop(pg_admin_dsn, name)  # the next run generates and loads the seed afresh
    assert _figures(pg_admin_dsn, spec) == first
    buffers = {c.name: c.shared_buffers for c in written.checks}
    assert buffers == {n: b for n, b, _, _ in first}


def test_a_dropped_index_fails_the_guard_and_restoring_it_passes(pg_admin_dsn: str) -> None:
    before = hashlib.sha256(BUDGETS.read_bytes()).hexdigest()
    spec = _spec()
    scenario = build_scenario(spec.budgets[0].scale, seed=spec.budgets[0].seed)
    dataset = datasets.ensure_dataset(pg_admin_dsn, scenario, lambda _: None)
    with psycopg.connect(dataset, autocommit=True) as conn:
        row = conn.execute(
            "SELECT pg_get_indexdef('public.idx_performance_metrics_timestamp'::regclass)"
        ).fetchone()
        assert row is not None
        conn.execute("DROP INDEX public.idx_performance_metrics_timestamp")
    try:
        broken = run_cli("budget", "--dsn", pg_admin_dsn)
    finally:
        with psycopg.connect(dataset, autocommit=True) as conn:
            conn.execute(row[0])
    assert broken.returncode == 1, broken.stderr[-2000:]
    report = broken.stdout
    assert "BREACH percentiles.platform.custom (scale tiny, seed 3)" in report
    assert "uses none of idx_performance_metrics_timestamp" in report
    assert "Seq Scan on performance_metrics" in report
    assert "max_shared_buffers=" in report and "no_seq_scan_on=['performance_metrics']" in report
    assert "<-- breach" in report and "plan shape changed" in report
    restored = run_cli("budget", "--dsn", pg_admin_dsn)
    assert restored.returncode == 0, restored.stdout[-3000:]
    assert hashlib.sha256(BUDGETS.read_bytes()).hexdigest() == before  # no budget loosened


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (
            '[[budget]]\nquery = "nope"\nviewpoint = "platform"\nmax_shared_buffers = 1\n',
            "unknown query 'nope'",
        ),
        (
            '[[budget]]\nquery = "percentiles"\nviewpoint = "platform"\nmax_shared_buffers = 1\n'
            "max_buffers = 3\n",
            "unknown key 'max_buffers'",
        ),
        (
            '[[budget]]\nquery = "percentiles"\nviewpoint = "platform"\nmax_shared_buffers = "x"\n',
            "max_shared_buffers = 'x' is not int",
        ),
        (
            '[[budget]]\nquery = "percentiles"\nviewpoint = "moon"\nmax_shared_buffers = 1\n',
            "unknown viewpoint 'moon'",
        ),
        (
            '[settings]\nscale = "huge"\n[[budget]]\nquery = "percentiles"\n'
            'viewpoint = "platform"\nmax_shared_buffers = 1\n',
            "unknown scale 'huge'",
        ),
        (
            '[[budget]]\nquery = "percentiles"\nviewpoint = "platform"\nmax_shared_buffers = 1\n'
            'plans = ["cached"]\n',
            "unknown plan 'cached'",
        ),
        (
            '[[budget]]\nquery = "percentiles"\nviewpoint = "platform"\n',
            "max_shared_buffers is missing",
        ),
        ("[budget\n", "not valid TOML"),
    ],
)
def test_a_bad_budgets_file_is_one_clear_line(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "budgets.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UserError) as caught:
        parse_budgets(path, query_names(), list(PRESETS))
    message = str(caught.value)
    assert fragment in message and "\n" not in message and message.startswith(str(path))


def test_the_cli_reports_a_bad_budgets_file_in_one_line_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "budgets.toml"
    path.write_text(
        '[[budget]]\nquery = "nope"\nviewpoint = "platform"\nmax_shared_buffers = 1\n',
        encoding="utf-8",
    )
    done = run_cli("budget", "--budgets", str(path), "--dsn", "postgresql://nowhere.invalid/x")
    assert done.returncode == 2
    assert_one_line_error(done, "unknown query 'nope'", "choose from")


def test_a_json_target_the_guard_did_not_write_is_left_alone(tmp_path: Path) -> None:
    target = tmp_path / "notes.json"
    target.write_text('{"mine": 1}', encoding="utf-8")
    done = run_cli("budget", "--json", str(target), "--dsn", "postgresql://nowhere.invalid/x")
    assert_one_line_error(done, "is not a budget report")
    assert target.read_text(encoding="utf-8") == '{"mine": 1}'


def test_time_is_a_band_compared_only_on_the_baseline_machine(
    pg_admin_dsn: str, tmp_path: Path
) -> None:
    full = _spec(tmp_path)
    one = dataclasses.replace(full.budgets[0], p95_ms=0.000001, plans=("custom",))
    spec = dataclasses.replace(full, budgets=[one])
    skipped = run_guard(pg_admin_dsn, spec, lambda _: None, strict_time=True)
    assert skipped.checks[0].time == "skipped" and "no baseline" in skipped.time_note
    assert any("--strict-time" in b for b in skipped.checks[0].breaches)
    run_guard(pg_admin_dsn, spec, lambda _: None, update_snapshots=True)
    warned = run_guard(pg_admin_dsn, spec, lambda _: None)
    assert warned.ok and warned.checks[0].time == "over band"
    assert "band" in warned.checks[0].warnings[0]
    strict = run_guard(pg_admin_dsn, spec, lambda _: None, strict_time=True)
    assert not strict.ok and "band" in strict.checks[0].breaches[0]
    stored = json.loads(spec.baseline.read_text(encoding="utf-8"))
    stored["machine"]["cores"] = -1
    spec.baseline.write_text(json.dumps(stored), encoding="utf-8")
    elsewhere = run_guard(pg_admin_dsn, spec, lambda _: None)
    assert elsewhere.ok and elsewhere.checks[0].time == "skipped"
    assert "another machine (cores differ)" in elsewhere.time_note
