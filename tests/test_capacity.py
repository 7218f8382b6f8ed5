"""Capacity curve: the fits on synthetic points with a known exponent, the refusal of a bad
prediction, and one `wedsync-analytics capacity` run at the tiny scale through the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.cli_support import assert_one_line_error, run_cli
from wedsync_analytics.bench import datasets, volumes
from wedsync_analytics.bench.capacity import CapacityConfig, CapacityResult
from wedsync_analytics.bench.fit import PowerFit, fit_linear, fit_power, growth
from wedsync_analytics.config import connect
from wedsync_analytics.generate import build_scenario
from wedsync_analytics.table_facts import TABLE_FACTS

VOLUMES = [1_000.0, 2_500.0, 5_000.0, 10_000.0, 40_000.0]


@settings(max_examples=60, deadline=None)
@given(
    a=st.floats(1e-4, 1e3),
    b=st.floats(-0.5, 2.5),
)
def test_power_fit_recovers_a_known_exponent(a: float, b: float) -> None:
    fit = fit_power(VOLUMES, [a * v**b for v in VOLUMES])
    assert fit.b == pytest.approx(b, abs=1e-6)
    assert fit.a == pytest.approx(a, rel=1e-6)
    g = growth("power", VOLUMES, [a * v**b for v in VOLUMES])
    assert g.error_on_points < 1e-6 and g.prediction_error < 1e-6


@settings(max_examples=60, deadline=None)
@given(a=st.floats(1e-3, 10), b=st.floats(0.1, 2.0), budget=st.floats(1, 1e4))
def test_breach_is_where_the_model_reaches_the_budget(a: float, b: float, budget: float) -> None:
    breach = PowerFit(a, b).breach(budget)
    assert breach is not None
    assert PowerFit(a, b).predict(breach) == pytest.approx(budget, rel=1e-6)


@settings(max_examples=60, deadline=None)
@given(a=st.floats(1e-3, 10), b=st.floats(1e-9, 1e-3), budget=st.floats(1e3, 1e6))
def test_a_nearly_flat_curve_breaches_at_infinity_not_an_overflow(
    a: float, b: float, budget: float
) -> None:
    # CI once fitted b ~ 1e-4 on a noisy tiny run: (budget / a) ** (1 / b) overflowed
    breach = PowerFit(a, b).breach(budget)
    assert breach is not None and breach > 1e300
    curve = _result([1.0 + 1e-6 * i for i in range(len(VOLUMES))]).curves()[0]
    assert curve["breach"] is None and curve["breach_beyond_reach"] is None
    assert curve["verdict"].startswith("no breach within 10x")
    assert "beyond any float" in curve["verdict"]
    json.dumps(curve, allow_nan=False)


def test_flat_time_has_no_breach_and_linear_pages_are_exact() -> None:
    assert PowerFit(5.0, 0.0).breach(1000.0) is None
    pages = fit_linear(VOLUMES, [30 + 0.02 * v for v in VOLUMES])
    assert pages.slope == pytest.approx(0.02) and pages.intercept == pytest.approx(30)


def _result(p95: list[float]) -> CapacityResult:
    config = CapacityConfig(build_scenario("tiny"), [], budget_ms=100.0, tolerance=0.3)
    result = CapacityResult(config, {})
    result.volumes = [{"days": i + 1, "rows": int(v), "as_of": ""} for i, v in enumerate(VOLUMES)]
    result.points = [
        {
            "query": "q",
            "variant": "index=seed",
            "days": i + 1,
            "rows": int(v),
            "p95_ms": t,
            "pages": v,
        }
        for i, (v, t) in enumerate(zip(VOLUMES, p95, strict=True))
    ]
    return result


def test_a_good_fit_gives_the_breach_in_rows_and_days() -> None:
    curve = _result([0.01 * v**0.9 for v in VOLUMES]).curves()[0]
    rows = (100.0 / 0.01) ** (1 / 0.9)
    assert curve["breach"]["rows"] == pytest.approx(rows, rel=1e-6)
    assert curve["breach"]["days"] == pytest.approx(rows / (VOLUMES[-1] / len(VOLUMES)), rel=1e-6)
    assert "crosses 100 ms" in curve["verdict"]


def test_a_breach_far_beyond_the_measured_volumes_is_not_given() -> None:
    # a good fit that grows so slowly it reaches 100 ms only ~10^6 x beyond the data
    curve = _result([0.5 * v**0.1 for v in VOLUMES]).curves()[0]
    assert curve["time"]["prediction_error"] < 1e-6
    assert curve["breach"] is None
    assert curve["breach_beyond_reach"]["rows"] > 10 * VOLUMES[-1]
    assert curve["verdict"].startswith("no breach within 10x")


def test_a_bad_prediction_prints_no_breach_point() -> None:
    # flat, then a cliff at the largest volume: the held-out fit cannot see it coming
    curve = _result([2.0, 2.1, 2.0, 2.2, 90.0]).curves()[0]
    assert curve["breach"] is None
    assert curve["verdict"].startswith("fit predicts badly")
    assert curve["time"]["prediction_error"] > 0.3


@pytest.fixture(scope="module")
def capacity_run(pg_admin_dsn: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One `wedsync-analytics capacity` at the tiny scale: two queries, two strategies."""
    out = tmp_path_factory.mktemp("capacity") / "out"
    args = ["--scale", "tiny", "--seed", "5", "--runs", "2", "--budget-ms", "50"]
    args += ["--queries", "percentiles", "--queries", "system_health_overview"]
    args += ["--strategy", "index=composite", "--out", str(out), "--dsn", pg_admin_dsn]
    done = subprocess.run(
        [sys.executable, "-m", "wedsync_analytics", "capacity", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return {"out": out, "results": json.loads((out / "results.json").read_text("utf-8"))}


def test_capacity_run_measures_four_volumes_and_fits_each_curve(
    capacity_run: dict[str, Any],
) -> None:
    results = capacity_run["results"]
    days = [v["days"] for v in results["volumes"]]
    assert days == [1, 4, 7, 14]  # fractions 0.1, 0.25, 0.5, 1 of 14 days
    rows = [v["rows"] for v in results["volumes"]]
    assert rows == sorted(rows) and rows[0] < rows[-1]
    curves = {(c["query"], c["variant"]) for c in results["curves"]}
    assert curves == {
        (q, v)
        for q in ("percentiles", "system_health_overview")
        for v in ("index=seed", "index=composite")
    }
    assert len(results["points"]) == 4 * 2 * 2
    assert all(p["pages"] > 0 and p["p95_ms"] > 0 for p in results["points"])
    for c in results["curves"]:
        assert (c["breach"] is None) == (not c["verdict"].startswith("crosses"))


def test_smaller_volumes_are_the_dataset_cut_at_a_local_midnight(
    capacity_run: dict[str, Any], pg_admin_dsn: str
) -> None:
    """Each trimmed volume holds exactly the full dataset's rows before its cutoff."""
    scenario = build_scenario("tiny", seed=5)
    full = datasets.with_database(pg_admin_dsn, datasets.dataset_name(scenario))
    counted: dict[int, dict[str, int]] = {}
    for days in (1, 4, 7):
        name = volumes.volume_name(scenario, days)
        cut = volumes.cutoff(scenario, days)
        assert cut.utcoffset() is not None and (cut.hour, cut.minute) == (0, 0)
        counted[days] = {}
        for t, facts in TABLE_FACTS.items():
            time_col = facts.event_time
            query = f'SELECT count(*) FILTER (WHERE "{time_col}" < %s), count(*) FROM public.{t}'
            with connect(full, autocommit=True) as conn:
                before, _ = conn.execute(query, (cut,)).fetchone() or (0, 0)
            with connect(datasets.with_database(pg_admin_dsn, name), autocommit=True) as conn:
                kept, total = conn.execute(query, (cut,)).fetchone() or (0, 0)
            assert kept == total == before, (t, days)
            counted[days][t] = total
    pm = [counted[d]["performance_metrics"] for d in (1, 4, 7)]
    assert pm == sorted(pm) and pm[0] > 0
    rows = [v["rows"] for v in capacity_run["results"]["volumes"][:3]]
    assert rows == pm


def test_capacity_outputs(capacity_run: dict[str, Any]) -> None:
    out: Path = capacity_run["out"]
    report = (out / "report.md").read_text("utf-8")
    assert "## Curves" in report and "| percentiles | index=seed |" in report
    points = report[report.index("## Points") :]
    rows = capacity_run["results"]["volumes"]
    assert all(f"{v['rows']:,} rows" in points for v in rows)
    assert points.count("| percentiles | index=") == 2
    for query in ("percentiles", "system_health_overview"):
        assert (out / f"capacity_{query}.png").stat().st_size > 0


def test_capacity_bad_input_is_one_line(tmp_path: Path) -> None:
    assert_one_line_error(
        run_cli("capacity", "--strategy", "retention=delete"), "retention strategy"
    )
    assert_one_line_error(
        run_cli("capacity", "--scale", "tiny", "--volumes", "0.5", "--volumes", "1"), "4 or more"
    )
    (tmp_path / "mine.txt").write_text("x")
    assert_one_line_error(run_cli("capacity", "--out", str(tmp_path)), "holds other files")
