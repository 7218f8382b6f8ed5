"""Dashboards under live ingest: an open-loop mixed load on a clone of a loaded dataset.

One connection COPYs performance_metrics rows (the generator's own chunk, new ids) at
k times the dataset's busiest hour of performance metrics (its season peak, in rows/s),
in ticks of 100 ms; one connection per dashboard query issues it at a fixed rate. Requests
are scheduled at fixed times and a latency is measured from the scheduled time, so a stall
counts as the latency it causes (no coordinated omission). Percentiles: numpy's linear
percentiles over every sample (all are kept). k steps up (doubling) until a query's p95
exceeds the budget or ingest falls behind its schedule by more than 5 %; every step is
bounded in time, the whole run in steps.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from wedsync_analytics.bench import datasets
from wedsync_analytics.bench.measure import session
from wedsync_analytics.bench.queries import DashboardQuery, dashboard_queries
from wedsync_analytics.bench.run import bench_as_of
from wedsync_analytics.bench.strategies import Variant, apply_variant
from wedsync_analytics.bench.viewpoints import Viewpoint
from wedsync_analytics.config import connect
from wedsync_analytics.generate import Scenario, World, chunks, table
from wedsync_analytics.load import copy_csv, to_csv

Say = Callable[[str], None]
PLATFORM = Viewpoint("platform", "service_role")
TICK_S = 0.1
INGEST_SHORTFALL = 0.05
_PEAK_HOUR = (
    "SELECT max(n) FROM (SELECT count(*) AS n FROM public.performance_metrics "
    "GROUP BY date_trunc('hour', \"timestamp\", 'UTC')) AS h"
)


@dataclass(frozen=True)
class LiveConfig:
    """One stepped run."""

    budget_ms: float = 1000.0
    query_rate: float = 2.0  # requests/s per query
    step_seconds: float = 5.0
    k_values: tuple[float, ...] = tuple(2.0**i for i in range(17))


def peak_rows_per_s(dsn: str) -> float:
    """performance_metrics rows/s of the dataset's busiest UTC hour."""
    with connect(dsn, autocommit=True) as conn:
        row = conn.execute(_PEAK_HOUR).fetchone()
    return float(row[0] or 0) / 3600.0 if row else 0.0


def _ingest(
    dsn: str, data: bytes, columns: list[str], rate: float, seconds: float
) -> dict[str, Any]:
    """COPY at `rate` rows/s for `seconds`, in ticks; rows come from `data` (CSV lines)."""
    lines = data.splitlines(keepends=True)
    sent = 0
    started = time.perf_counter()
    with connect(dsn, autocommit=True) as conn:
        while (now := time.perf_counter() - started) < seconds:
            due = int(rate * (now + TICK_S)) - sent  # rows due by the end of this tick
            if due > 0:
                batch = b"".join(lines[(sent + i) % len(lines)] for i in range(due))
                with conn.transaction():
                    conn.execute("SET LOCAL wedsync.bulk_load = 'on'")
                    copy_csv(conn, table("performance_metrics"), columns, memoryview(batch))
                sent += due
            time.sleep(max(0.0, TICK_S - (time.perf_counter() - started - now)))
        elapsed = time.perf_counter() - started
    scheduled = rate * elapsed
    return {
        "scheduled_rows": scheduled,
        "rows": sent,
        "rows_per_s": sent / elapsed,
        "target_rows_per_s": rate,
        "lag_rows": max(0.0, scheduled - sent),
        "lag_seconds": max(0.0, scheduled - sent) / rate if rate else 0.0,
    }


def _queries(
    dsn: str, query: DashboardQuery, rate: float, seconds: float, out: list[float]
) -> None:
    """Open loop: request i is due at i / rate; latency = finish - due time (ms)."""
    with session(dsn, PLATFORM) as conn:
        encoded = query.sql.encode()
        started = time.perf_counter()
        for i in range(int(rate * seconds)):
            due = started + i / rate
            wait = due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            with conn.cursor() as cur:
                cur.execute(encoded, query.params)
                cur.fetchall()
            out.append((time.perf_counter() - due) * 1000.0)


def latency_summary(samples: list[float], budget_ms: float) -> dict[str, Any]:
    arr = np.asarray(samples, dtype=float)
    return {
        "requests": int(arr.size),
        "p50_ms": float(np.percentile(arr, 50)),
        "p95_ms": float(np.percentile(arr, 95)),
        "p99_ms": float(np.percentile(arr, 99)),
        "max_ms": float(arr.max()),
        "over_budget": int((arr > budget_ms).sum()),
    }


def run_step(
    dsn: str,
    queries: list[DashboardQuery],
    data: tuple[bytes, list[str]],
    rate: float,
    config: LiveConfig,
) -> dict[str, Any]:
    """One step: ingest and every query's load at once, for `config.step_seconds`."""
    samples: dict[str, list[float]] = {q.name: [] for q in queries}
    ingest: dict[str, Any] = {}
    threads = [
        threading.Thread(
            target=_queries, args=(dsn, q, config.query_rate, config.step_seconds, samples[q.name])
        )
        for q in queries
    ]

    def ingest_target() -> None:
        ingest.update(_ingest(dsn, data[0], data[1], rate, config.step_seconds))

    threads.append(threading.Thread(target=ingest_target))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    per_query = {n: latency_summary(s, config.budget_ms) for n, s in samples.items() if s}
    broke = [
        f"{n} p95 {v['p95_ms']:.1f} ms > budget {config.budget_ms:g} ms"
        for n, v in per_query.items()
        if v["p95_ms"] > config.budget_ms
    ]
    if ingest["rows"] + 1 < (1 - INGEST_SHORTFALL) * ingest["scheduled_rows"]:
        broke.append(f"ingest {ingest['rows_per_s']:,.0f} rows/s < schedule {rate:,.0f} rows/s")
    return {"queries": per_query, "ingest": ingest, "broke": broke}


def run_live(
    admin_dsn: str,
    scenario: Scenario,
    variant: Variant,
    names: list[str] | None,
    config: LiveConfig,
    say: Say,
) -> dict[str, Any]:
    """On a clone of the dataset with `variant` applied: step k up until something breaks
    (or the steps run out); the clone is dropped after."""
    dataset_dsn = datasets.ensure_dataset(admin_dsn, scenario, say)
    dataset = datasets.dataset_name(scenario)
    queries = dashboard_queries(bench_as_of(dataset_dsn), names)
    name = f"{dataset}__live"
    dsn = datasets.clone(admin_dsn, dataset, name)
    try:
        with connect(dsn, autocommit=True) as conn:
            apply_variant(conn, variant)
            conn.execute("VACUUM ANALYZE")
        result = _steps(dsn, scenario, queries, config, say)
    finally:
        datasets.drop(admin_dsn, name)
    return {"scale": scenario.scale, "seed": scenario.seed, "variant": variant.name, **result}


def _steps(
    dsn: str, scenario: Scenario, queries: list[DashboardQuery], config: LiveConfig, say: Say
) -> dict[str, Any]:
    frame = next(chunks(World(scenario), table("performance_metrics"), 20_000))
    frame = frame.drop("id") if "id" in frame.columns else frame
    data = (bytes(to_csv(frame)), list(frame.columns))
    peak = peak_rows_per_s(dsn)
    steps: list[dict[str, Any]] = []
    sustained: float | None = None
    for k in config.k_values:
        rate = max(1.0, k * peak)
        step = {"k": k, **run_step(dsn, queries, data, rate, config)}
        steps.append(step)
        say(
            f"    k={k:g}: ingest {step['ingest']['rows_per_s']:,.0f} rows/s; "
            + ("; ".join(step["broke"]) or "within budget")
        )
        if step["broke"]:
            break
        sustained = k
    return {
        "queries_measured": [q.name for q in queries],
        "peak_rows_per_s": peak,
        "budget_ms": config.budget_ms,
        "query_rate": config.query_rate,
        "step_seconds": config.step_seconds,
        "percentiles": "numpy linear percentiles over every sample (no histogram)",
        "latency": "from each request's scheduled time to its last row (open loop)",
        "steps": steps,
        "highest_k_sustained": sustained,
        "first_break": steps[-1]["broke"] if steps and steps[-1]["broke"] else None,
    }
