"""Dashboards under live ingest: open-loop latency counts a stall, the calendar-shaped
schedule, HDR percentiles, and one stepped run with retention under load at tiny."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.cli_support import assert_one_line_error, run_cli
from wedsync_analytics.bench.live_load import (
    INGEST_TABLES,
    _queries,
    busiest_day,
    ingest_data,
    ingest_summary,
    latency_summary,
)
from wedsync_analytics.bench.queries import DashboardQuery
from wedsync_analytics.config import connect
from wedsync_analytics.generate import build_scenario, plan, table
from wedsync_analytics.load import copy_csv, load_scenario
from wedsync_analytics.table_facts import TABLE_FACTS


def test_open_loop_latency_counts_the_queue_a_stall_causes(db_dsn: str) -> None:
    slow = DashboardQuery("slow", "view", "SELECT pg_sleep(0.2)", {}, (), ())
    samples: list[tuple[float, float, str]] = []
    _queries(db_dsn, slow, rate=10.0, running=lambda t: t < 1.0, grace_s=5.0, out=samples)
    assert len(samples) == 10
    latencies = [ms for _, ms, _ in samples]
    # each takes 200 ms but is due every 100 ms: the queue grows, and so does the latency
    assert latencies[-1] > latencies[0] + 700
    assert latencies[0] >= 200
    summary = latency_summary(samples, budget_ms=500)
    assert summary["p50_ms"] <= summary["p95_ms"] <= summary["p99_ms"] <= summary["max_ms"]
    assert summary["over_budget"] == sum(ms > 500 for ms in latencies)


def test_requests_past_the_grace_period_are_not_sent_but_counted(db_dsn: str) -> None:
    slow = DashboardQuery("slow", "view", "SELECT pg_sleep(0.5)", {}, (), ())
    samples: list[tuple[float, float, str]] = []
    _queries(db_dsn, slow, rate=20.0, running=lambda t: t < 1.0, grace_s=0.4, out=samples)
    assert len(samples) == 20
    # the 400 ms statement timeout cancels each 500 ms query; the queue past 400 ms is skipped
    assert sum(s == "timed out" for _, _, s in samples) > 0
    assert sum(s == "not sent" for _, _, s in samples) > 0
    assert latency_summary(samples, 100)["not_sent"] == sum(s == "not sent" for *_, s in samples)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0.01, 1e5), min_size=1, max_size=300))
def test_hdr_percentiles_are_ranked_samples_within_three_digits(ms: list[float]) -> None:
    summary = latency_summary([(0.0, v, "ok") for v in ms], budget_ms=1.0)
    ranked = sorted(ms)
    for q in (50, 95, 99):
        rank = q * len(ms) / 100  # a nearest-rank percentile: between these two samples
        low = ranked[max(0, math.floor(rank) - 1)]
        high = ranked[min(len(ms) - 1, math.ceil(rank))]
        assert low * (1 - 2e-3) - 2e-3 <= summary[f"p{q}_ms"] <= high * (1 + 2e-3) + 2e-3
    assert summary["max_ms"] == pytest.approx(max(ms), rel=2e-3, abs=2e-3)
    assert summary["over_budget"] == sum(v > 1.0 for v in ms)


@pytest.mark.parametrize("market", ["us", "uk"])
def test_the_schedule_replays_a_saturday_peaking_in_the_evening(market: str) -> None:
    scenario = build_scenario("small", seed=3, market=market)
    schedule = busiest_day(scenario)
    assert schedule.isoweekday == 6  # ISO: Saturday
    total = np.sum([schedule.rates[t] for t in INGEST_TABLES], axis=0)
    assert 17 <= schedule.local_hours[int(np.argmax(total))] <= 22
    counts = plan(scenario)
    for name in INGEST_TABLES:  # a busy day: above the scenario's mean rate
        assert sum(schedule.rates[name]) * 3600 > counts[name] / scenario.days
        # one replay delivers k times the day's rows; time within the replay is monotone
        day_rows = sum(schedule.rates[name]) * 3600
        replay = 24.0
        assert schedule.due(name, 3.0, replay, replay) == pytest.approx(
            3.0 * day_rows * replay / (24 * 3600)
        )
        points = [schedule.due(name, 1.0, t, replay) for t in np.linspace(0, 2 * replay, 97)]
        assert points == sorted(points)


def test_ingest_batches_wrap_and_copy_every_big_table(db_dsn: str) -> None:
    """Batches cycle the chunk (wrapping at its end) and PostgreSQL's COPY reads them, quoted
    fields with line breaks (error_reports' stack traces) included."""
    scenario = build_scenario("tiny", seed=5)
    load_scenario(db_dsn, scenario)  # the organizations the rows belong to
    as_of = datetime(2025, 6, 30, 12, tzinfo=UTC)  # after the data: the new rows are the newest
    data = ingest_data(scenario, as_of, INGEST_TABLES)
    with connect(db_dsn, autocommit=True) as conn:
        conn.execute("SET wedsync.bulk_load = 'on'")
        for d in data:
            count = f"SELECT count(*) FROM public.{d.name}"
            before = (conn.execute(count).fetchone() or (0,))[0]
            height = d.frame.height
            copy_csv(conn, table(d.name), d.frame.columns, d.batch(height - 2, height + 5))
            column = TABLE_FACTS[d.name].event_time
            row = conn.execute(f'SELECT count(*), max("{column}") FROM public.{d.name}').fetchone()
            assert row == (before + height + 5, as_of), d.name


def test_ingest_summary_counts_rows_and_lag_in_a_window() -> None:
    ticks = [(t, "a", 10.0 * t, int(8 * t)) for t in (0.0, 1.0, 2.0, 3.0)]
    window = ingest_summary(ticks, 1.0, 3.0)
    assert window["a"]["scheduled_rows"] == 20.0 and window["a"]["rows"] == 16
    assert window["a"]["lag_rows"] == 30.0 - 24
    assert window["total"]["rows_per_s"] == 8.0
    assert window["total"]["lag_seconds"] == pytest.approx(6 / 10.0)


def test_a_stalled_copy_spreads_the_schedule_over_the_gap() -> None:
    # ticks at 0 s and 10 s only (one COPY stalled 10 s); the schedule runs at 100 rows/s
    ticks = [(0.0, "a", 0.0, 0), (10.0, "a", 1000.0, 1000)]
    window = ingest_summary(ticks, 2.0, 6.0)
    assert window["a"]["scheduled_rows"] == pytest.approx(400.0)
    assert window["total"]["scheduled_rows_per_s"] == pytest.approx(100.0)
    assert window["a"]["rows"] == 0 and window["a"]["lag_rows"] == pytest.approx(600.0)


def test_live_run_steps_k_and_measures_retention_under_load(
    pg_admin_dsn: str, tmp_path: Path
) -> None:
    out = tmp_path / "live"
    args = ["--scale", "tiny", "--seed", "5", "--queries", "percentiles"]
    args += ["--queries", "system_health_overview", "--query-rate", "5", "--step-seconds", "1"]
    args += ["--max-k", "2", "--budget-ms", "5000", "--retention", "retention=delete"]
    args += ["--connections", "2", "--out", str(out), "--dsn", pg_admin_dsn]
    done = subprocess.run(
        [sys.executable, "-m", "wedsync_analytics", "live", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads((out / "live.json").read_text("utf-8"))
    assert result["schedule"]["isoweekday"] == 6
    assert result["schedule"]["timezone"] == "America/New_York"
    (run,) = result["runs"]
    assert [s["k"] for s in run["steps"]] == [1, 2]
    for step in run["steps"]:
        assert set(step["ingest"]) == {*INGEST_TABLES, "total"}
        assert set(step["queries"]) == {"percentiles", "system_health_overview"}
        assert all(q["requests"] == 5 for q in step["queries"].values())
    # a 5 s budget and a few rows/s of ingest: nothing breaks, both steps are sustained
    assert run["first_break"] is None and run["highest_k_sustained"] == 2
    (found,) = run["retention"]
    assert found["operation"] == "finished" and found["k"] == 2
    assert found["rows_past_horizon_before"]["performance_metrics"] > 0
    assert found["rows_past_horizon_after"]["performance_metrics"] == 0
    assert set(found["phases"]) == {"before", "during", "after"}
    assert found["phases"]["before"]["queries"]["percentiles"]["requests"] >= 4
    assert "retention=delete" in (out / "live.md").read_text("utf-8")


def test_live_bad_input_is_one_line() -> None:
    assert_one_line_error(run_cli("live", "--query-rate", "0"), "--query-rate")
    assert_one_line_error(run_cli("live", "--strategy", "retention=delete"), "retention strategy")
    assert_one_line_error(run_cli("live", "--retention", "index=brin"), "not a retention")
    assert_one_line_error(run_cli("live", "--connections", "0"), "--connections")
    remote = "postgresql://u@db.example.org:5432/x"
    assert_one_line_error(run_cli("live", "--dsn", remote), "this machine only")
