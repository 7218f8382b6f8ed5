"""The strategy benchmark at the tiny scale, run once through the CLI (so it cannot rot),
and the properties it relies on: same answers under every strategy, the three retention
strategies remove the same rows, the rollup equals the raw query (late rows included),
a tenant viewpoint sees only its tenant, a strategy that changes an answer fails the run."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.cli_support import assert_one_line_error, run_cli
from wedsync_analytics.bench import BenchConfig, datasets, discover, parse_variant, run_bench
from wedsync_analytics.bench.measure import fetch_frame, session
from wedsync_analytics.bench.queries import dashboard_queries
from wedsync_analytics.bench.run import bench_as_of
from wedsync_analytics.bench.strategies import apply_variant
from wedsync_analytics.bench.viewpoints import choose_viewpoints
from wedsync_analytics.generate import build_scenario
from wedsync_analytics.validate import compare_frames

SCENARIO = build_scenario("tiny", seed=3)


@pytest.fixture(scope="module")
def bench_run(pg_admin_dsn: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One `wedsync-analytics bench` at the tiny scale with every strategy folder."""
    out = tmp_path_factory.mktemp("bench") / "out"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "wedsync_analytics",
            "bench",
            "--scale",
            "tiny",
            "--seed",
            "3",
            "--runs",
            "1",
            "--load-rows",
            "500",
            "--out",
            str(out),
            "--dsn",
            pg_admin_dsn,
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    return {"out": out, "results": results, "stderr": done.stderr}


def test_every_strategy_ran_and_gave_the_seed_answers(bench_run: dict[str, Any]) -> None:
    results = bench_run["results"]
    names = [v["variant"] for v in results["variants"]]
    assert names[0] == "index=seed"
    assert set(names) == set(discover())
    assert results["ok"]
    for variant in results["variants"]:
        assert variant["status"] == "ok", variant["failures"]
        if variant["variant"] == "index=seed" or variant["queries"] == []:
            continue
        answers = {q["answer"] for q in variant["queries"]}
        assert answers == {"same"}, (variant["variant"], answers)
    seed = results["variants"][0]
    assert len(seed["queries"]) == 12 * 3  # 5 views + 7 analyses, three viewpoints
    assert any(q["rows"] > 0 for q in seed["queries"] if q["viewpoint"] == "large_tenant")


def test_outputs_and_progress(bench_run: dict[str, Any]) -> None:
    out: Path = bench_run["out"]
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "## Targets" in report and "### percentiles as large_tenant" in report
    assert (out / "latency_percentiles.png").stat().st_size > 0
    for name in ("sizes.png", "load_cost.png", "retention.png"):
        assert (out / name).is_file()
    machine = bench_run["results"]["machine"]
    assert machine["cores"] and machine["postgresql"] and machine["packages"]["psycopg"]
    assert "[1/" in bench_run["stderr"]  # progress while it runs


def test_retention_strategies_remove_the_same_rows(bench_run: dict[str, Any]) -> None:
    runs = {
        v["variant"]: v["retention"] for v in bench_run["results"]["variants"] if "retention" in v
    }
    assert set(runs) == {"retention=delete", "retention=batched", "retention=partition"}
    first = runs["retention=delete"]
    assert first["rows_removed"]["performance_metrics"] > 0
    assert first["remaining"]["performance_metrics"][0] > 0
    for name, run in runs.items():
        assert run["remaining"] == first["remaining"], name
        assert run["rows_removed"] == first["rows_removed"], name


def test_rollup_answers_come_from_the_rollup(bench_run: dict[str, Any]) -> None:
    rollup = next(v for v in bench_run["results"]["variants"] if v["variant"] == "rollup=hourly")
    own = {q["query"] for q in rollup["queries"] if q["own_text"]}
    assert own == {
        "percentiles",
        "error_trending",
        "performance_percentile_analysis",
        "error_trending_analysis",
    }
    assert rollup["maintenance"]["initial_build"]["rows"] > 0


@pytest.fixture
def dataset(pg_admin_dsn: str, bench_run: dict[str, Any]) -> Iterator[str]:
    """A clone of the bench's tiny dataset (loaded by the bench run)."""
    name = f"{datasets.dataset_name(SCENARIO)}__test"
    dsn = datasets.clone(pg_admin_dsn, datasets.dataset_name(SCENARIO), name)
    yield dsn
    datasets.drop(pg_admin_dsn, name)


def _answer(dsn: str, query_sql: str, params: dict[str, Any]) -> Any:
    with session(dsn) as conn:
        return fetch_frame(conn, query_sql, params)


def test_rollup_equals_raw_after_late_rows(dataset: str) -> None:
    as_of = bench_as_of(dataset)
    query = dashboard_queries(as_of, ["percentiles"])[0]
    variant = parse_variant("rollup=hourly")
    raw_before, _ = _answer(dataset, query.sql, query.params)
    with psycopg.connect(dataset, autocommit=True) as conn:
        apply_variant(conn, variant)
        conn.execute(variant.run_text("maintain").encode(), {"upto": as_of})
        # a late row: event time in a closed, rolled-up hour of the window
        conn.execute(
            "INSERT INTO public.performance_metrics (organization_id, metric_type, "
            'metric_value, metric_unit, service_name, "timestamp") '
            "SELECT organization_id, metric_type, metric_value + 1, metric_unit, "
            "service_name, %s FROM public.performance_metrics ORDER BY id LIMIT 1",
            (as_of - timedelta(hours=3),),
        )
    rolled_text = variant.query_text("percentiles")
    assert rolled_text is not None
    stale, schema = _answer(dataset, rolled_text, query.params)
    raw_after, _ = _answer(dataset, query.sql, query.params)
    assert raw_after.height >= raw_before.height
    analysis = query.as_analysis(schema)
    assert not compare_frames(analysis, raw_after, stale)[0]  # the late hour is stale...
    with psycopg.connect(dataset, autocommit=True) as conn:
        conn.execute(variant.run_text("maintain").encode(), {"upto": as_of})
    fresh, _ = _answer(dataset, rolled_text, query.params)
    same, _, message, _ = compare_frames(analysis, raw_after, fresh)
    assert same, message  # ...until the next refresh re-aggregates it


def test_tenant_viewpoint_sees_only_its_tenant(dataset: str) -> None:
    as_of = bench_as_of(dataset)
    with psycopg.connect(dataset, autocommit=True) as conn:
        viewpoints = choose_viewpoints(conn)
    tenants = [v for v in viewpoints if v.organization_id]
    assert [v.name for v in tenants] == ["large_tenant", "small_tenant"]
    seen_rows = 0
    for viewpoint in tenants:
        for query in dashboard_queries(as_of):
            with session(dataset, viewpoint) as conn:
                frame, _ = fetch_frame(conn, query.sql, query.params)
            if "organization_id" in frame.columns:
                assert set(frame["organization_id"]) <= {viewpoint.organization_id}, query.name
                seen_rows += frame.height
    with session(dataset) as conn:
        conn.execute("SET ROLE service_role")
        platform, _ = fetch_frame(
            conn,
            dashboard_queries(as_of, ["percentiles"])[0].sql,
            dashboard_queries(as_of, ["percentiles"])[0].params,
        )
    assert seen_rows > 0
    assert platform["organization_id"].n_unique() > 1


def test_a_strategy_that_changes_an_answer_fails_the_run(
    pg_admin_dsn: str, bench_run: dict[str, Any], tmp_path: Path
) -> None:
    folder = tmp_path / "rollup" / "wrong"
    (folder / "queries").mkdir(parents=True)
    (folder / "strategy.toml").write_text('description = "drops the newest hour"\n')
    original = dashboard_queries(
        bench_as_of(datasets.with_database(pg_admin_dsn, datasets.dataset_name(SCENARIO))),
        ["percentiles"],
    )[0].sql
    (folder / "queries" / "percentiles.sql").write_text(
        f"SELECT * FROM ({original}) AS q WHERE time_bucket < (SELECT max(time_bucket) FROM "
        f"({original}) AS z)"
    )
    wrong = parse_variant("rollup=wrong", discover(tmp_path))
    config = BenchConfig(SCENARIO, [wrong], ["percentiles"], runs=1, load_rows=100)
    result = run_bench(pg_admin_dsn, config, lambda _: None)
    assert not result.ok
    failed = next(v for v in result.variants if v["variant"] == "rollup=wrong")
    assert failed["status"] == "failed"
    assert any("percentiles as platform" in f for f in failed["failures"])


def test_bad_strategy_and_scale_are_one_line() -> None:
    assert_one_line_error(run_cli("bench", "--strategy", "index=nope"), "unknown strategy")
    assert_one_line_error(run_cli("bench", "--strategy", "brin"), "KIND=NAME")
    assert_one_line_error(run_cli("bench", "--scale", "huge"), "unknown scale")
