"""Dashboards under live ingest: open-loop latency counts a stall; one stepped run at tiny."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli_support import assert_one_line_error, run_cli
from wedsync_analytics.bench.live import _queries, latency_summary
from wedsync_analytics.bench.queries import DashboardQuery


def test_open_loop_latency_counts_the_queue_a_stall_causes(db_dsn: str) -> None:
    slow = DashboardQuery("slow", "view", "SELECT pg_sleep(0.2)", {}, (), ())
    samples: list[float] = []
    _queries(db_dsn, slow, rate=10.0, seconds=1.0, out=samples)
    assert len(samples) == 10
    # each takes 200 ms but is due every 100 ms: the queue grows, and so does the latency
    assert samples[-1] > samples[0] + 700
    assert samples[0] >= 200
    summary = latency_summary(samples, budget_ms=500)
    assert summary["p50_ms"] <= summary["p95_ms"] <= summary["p99_ms"] <= summary["max_ms"]
    assert summary["over_budget"] == sum(s > 500 for s in samples)


def test_live_run_steps_k_and_reports_ingest(pg_admin_dsn: str, tmp_path: Path) -> None:
    out = tmp_path / "live"
    done = run_cli(
        "live",
        "--scale",
        "tiny",
        "--seed",
        "5",
        "--queries",
        "percentiles",
        "--queries",
        "system_health_overview",
        "--query-rate",
        "5",
        "--step-seconds",
        "1",
        "--max-k",
        "2",
        "--budget-ms",
        "5000",
        "--out",
        str(out),
        "--dsn",
        pg_admin_dsn,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads((out / "live.json").read_text("utf-8"))
    assert result["peak_rows_per_s"] > 0
    assert [s["k"] for s in result["steps"]] == [1, 2]
    for step in result["steps"]:
        assert step["ingest"]["rows"] > 0
        assert set(step["queries"]) == {"percentiles", "system_health_overview"}
        assert all(q["requests"] == 5 for q in step["queries"].values())
    # a 5 s budget and a few rows/s of ingest: nothing breaks, both steps are sustained
    assert result["first_break"] is None
    assert result["highest_k_sustained"] == 2


def test_live_bad_input_is_one_line() -> None:
    assert_one_line_error(run_cli("live", "--query-rate", "0"), "--query-rate")
    assert_one_line_error(run_cli("live", "--strategy", "retention=delete"), "retention strategy")
