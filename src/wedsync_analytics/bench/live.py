"""Dashboards under live ingest: k stepped up until something breaks, and a retention
operation run while the load continues. The load itself: `bench.live_load`.

Each strategy runs on its own clone of the loaded dataset (strategy SQL, VACUUM ANALYZE;
dropped after). Stepping: k = the given values in order; each step is one replay of the
busiest day (`step_seconds`); a step breaks when a query's p95 exceeds the budget or the
ingest sends less than 95 % of its schedule. The run stops at the first broken step.

Retention: on a fresh clone with the strategy plus a retention strategy, the load runs at
the highest k sustained (1 if none) for `step_seconds` ("before"), then the retention
operation (the strategy's `run/retention.sql`) starts on its own connection ("during",
until it returns; bounded by a statement timeout), then `step_seconds` more ("after").
Its as_of puts the 90-day horizon one month (30 days) after the data's first day: the big
time series lose their first month. Each request is counted in the phase of its due time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from psycopg import sql

from wedsync_analytics.bench import datasets
from wedsync_analytics.bench.live_load import (
    INGEST_TABLES,
    IngestData,
    Schedule,
    busiest_day,
    ingest_data,
    ingest_summary,
    latency_summary,
    run_load,
)
from wedsync_analytics.bench.queries import DashboardQuery, dashboard_queries
from wedsync_analytics.bench.retention import RETENTION_KEEP_DAYS
from wedsync_analytics.bench.run import bench_as_of, clone_name
from wedsync_analytics.bench.strategies import Variant, apply_variant, parse_variant
from wedsync_analytics.config import connect
from wedsync_analytics.errors import UserError
from wedsync_analytics.generate import Scenario
from wedsync_analytics.table_facts import TABLE_FACTS

Say = Callable[[str], None]
INGEST_SHORTFALL = 0.05
RETENTION_MONTH_DAYS = 30
RETENTION_TIMEOUT_S = 600
LOOPBACK = {"", "localhost", "127.0.0.1", "::1"}


@dataclass(frozen=True)
class LiveConfig:
    """One run: its bounds and rates."""

    budget_ms: float = 1000.0
    query_rate: float = 2.0  # requests/s per query
    step_seconds: float = 5.0
    k_values: tuple[float, ...] = tuple(2.0**i for i in range(17))
    connections: int = 2  # ingest connections
    retention: tuple[Variant, ...] = ()


@dataclass(frozen=True)
class _Load:
    dsn: str
    queries: list[DashboardQuery]
    data: list[IngestData]
    schedule: Schedule
    config: LiveConfig

    def run(self, k: float, running: Callable[[float], bool]) -> Any:
        return run_load(
            self.dsn,
            self.queries,
            self.data,
            self.schedule,
            k,
            query_rate=self.config.query_rate,
            replay_s=self.config.step_seconds,
            connections=self.config.connections,
            running=running,
            grace_s=max(self.config.step_seconds, 2 * self.config.budget_ms / 1000.0),
        )


def run_step(load: _Load, k: float) -> dict[str, Any]:
    """One replay of the busiest day at k: per query latency, ingest, what broke."""
    seconds = load.config.step_seconds
    result = load.run(k, lambda t: t < seconds)
    budget = load.config.budget_ms
    per_query = {n: latency_summary(s, budget) for n, s in result.samples.items() if s}
    ingest = ingest_summary(result.ticks, 0.0, seconds)
    broke = [
        f"{n} p95 {v['p95_ms']:.1f} ms > budget {budget:g} ms"
        for n, v in per_query.items()
        if v["p95_ms"] > budget
    ]
    broke += result.errors
    total = ingest["total"]
    if total["rows"] + 1 < (1 - INGEST_SHORTFALL) * total["scheduled_rows"]:
        broke.append(
            f"ingest {total['rows_per_s']:,.0f} rows/s < schedule "
            f"{total['scheduled_rows_per_s']:,.0f} rows/s"
        )
    return {"k": k, "queries": per_query, "ingest": ingest, "broke": broke}


def check_loopback(dsn: str) -> None:
    """UserError unless the server is on this machine (loopback address or a local socket)."""
    hosts = str(psycopg.conninfo.conninfo_to_dict(dsn).get("host") or "").split(",")
    if not all(h in LOOPBACK or h.startswith("/") for h in hosts):
        raise UserError(
            f"live loads a server on this machine only (loopback or a local socket), not "
            f"{','.join(hosts)}: nothing done; use the embedded server or a local --dsn"
        )


def retention_as_of(scenario: Scenario) -> datetime:
    """as_of whose 90-day horizon is the UTC midnight 30 days after the first day."""
    first = datetime.combine(scenario.start, datetime.min.time(), UTC)
    month = min(RETENTION_MONTH_DAYS, max(1, scenario.days // 3))
    return first + timedelta(days=month + RETENTION_KEEP_DAYS)


def _past_horizon(dsn: str, horizon: datetime) -> dict[str, int]:
    out = {}
    with connect(dsn, autocommit=True) as conn:
        for name in INGEST_TABLES:
            row = conn.execute(
                sql.SQL("SELECT count(*) FROM public.{} WHERE {} < %s").format(
                    sql.Identifier(name), sql.Identifier(TABLE_FACTS[name].event_time)
                ),
                (horizon,),
            ).fetchone()
            out[name] = int(row[0]) if row else 0
    return out


def run_retention(load: _Load, operation: str, as_of: datetime, k: float) -> dict[str, Any]:
    """The load at k, with the retention operation in its middle (see the module doc)."""
    seconds = load.config.step_seconds
    horizon = as_of - timedelta(days=RETENTION_KEEP_DAYS)
    before_rows = _past_horizon(load.dsn, horizon)
    marks: dict[str, float] = {}
    stop_at = [float("inf")]
    started = time.perf_counter()

    outcome = ["finished"]

    def operate() -> None:
        time.sleep(seconds)
        marks["start"] = time.perf_counter() - started
        try:
            with connect(load.dsn, autocommit=True) as conn:
                conn.execute(f"SET statement_timeout = {RETENTION_TIMEOUT_S * 1000}")
                conn.execute(operation.encode(), {"as_of": as_of})
        except psycopg.Error as exc:  # reported, and the load still stops
            outcome[0] = f"failed: {str(exc).strip().splitlines()[0]}"
        finally:
            marks["end"] = time.perf_counter() - started
            stop_at[0] = marks["end"] + seconds

    worker = threading.Thread(target=operate)
    worker.start()
    result = load.run(k, lambda t: t < stop_at[0])
    worker.join()
    start, end = marks["start"], marks["end"]
    phases = {"before": (0.0, start), "during": (start, end), "after": (end, stop_at[0])}
    budget = load.config.budget_ms
    return {
        "k": k,
        "retention_as_of": as_of.isoformat(),
        "horizon": horizon.isoformat(),
        "operation_seconds": end - start,
        "operation": outcome[0],
        "rows_past_horizon_before": before_rows,
        "rows_past_horizon_after": _past_horizon(load.dsn, horizon),
        "phases": {
            phase: {
                "seconds": b - a,
                "queries": {
                    n: latency_summary([x for x in s if a <= x[0] < b], budget)
                    for n, s in result.samples.items()
                    if any(a <= x[0] < b for x in s)
                },
                "ingest": ingest_summary(result.ticks, a, b)["total"],
            }
            for phase, (a, b) in phases.items()
        },
    }


def _clone(admin_dsn: str, dataset: str, variant: Variant) -> str:
    name = clone_name(dataset, variant)
    dsn = datasets.clone(admin_dsn, dataset, name)
    with connect(dsn, autocommit=True) as conn:
        apply_variant(conn, variant)
        conn.execute("VACUUM ANALYZE")
        maintain = variant.run_text("maintain")
        if maintain is not None:
            conn.execute(maintain.encode(), {"upto": bench_as_of(dsn)})
    return name


def run_live(
    admin_dsn: str,
    scenario: Scenario,
    variants: list[Variant],
    names: list[str] | None,
    config: LiveConfig,
    say: Say,
) -> dict[str, Any]:
    """Per strategy: the k steps, then each retention strategy under load."""
    dataset_dsn = datasets.ensure_dataset(admin_dsn, scenario, say)
    dataset = datasets.dataset_name(scenario)
    as_of = bench_as_of(dataset_dsn)
    queries = dashboard_queries(as_of, names)
    schedule = busiest_day(scenario)
    data = ingest_data(scenario, as_of, INGEST_TABLES)
    runs = []
    for variant in variants:
        name = _clone(admin_dsn, dataset, variant)
        try:
            load = _Load(datasets.with_database(admin_dsn, name), queries, data, schedule, config)
            steps = _steps(load, variant, say)
        finally:
            datasets.drop(admin_dsn, name)
        sustained = [s["k"] for s in steps if not s["broke"]]
        k_sustained = sustained[-1] if sustained else None
        retention = []
        for strategy in config.retention:
            combined = parse_variant(f"{variant.name}+{strategy.name}")
            name = _clone(admin_dsn, dataset, combined)
            try:
                load = _Load(
                    datasets.with_database(admin_dsn, name), queries, data, schedule, config
                )
                operation = combined.run_text("retention")
                assert operation is not None
                found = run_retention(load, operation, retention_as_of(scenario), k_sustained or 1)
            finally:
                datasets.drop(admin_dsn, name)
            say(
                f"    {combined.name}: retention {found['operation_seconds']:.1f} s under load "
                f"at k={found['k']:g}"
            )
            retention.append({"variant": combined.name, **found})
        runs.append(
            {
                "variant": variant.name,
                "steps": steps,
                "highest_k_sustained": k_sustained,
                "first_break": steps[-1]["broke"] if steps and steps[-1]["broke"] else None,
                "retention": retention,
            }
        )
    return {
        "scale": scenario.scale,
        "seed": scenario.seed,
        "market": scenario.market,
        "as_of": as_of.isoformat(),
        "queries_measured": [q.name for q in queries],
        "ingest_tables": list(INGEST_TABLES),
        "ingest_connections": config.connections,
        "schedule": schedule.to_json(),
        "budget_ms": config.budget_ms,
        "query_rate": config.query_rate,
        "step_seconds": config.step_seconds,
        "percentiles": "HDR histogram (hdrhistogram, microseconds, 3 significant digits)",
        "latency": "from each request's scheduled time to its last row (open loop)",
        "runs": runs,
    }


def _steps(load: _Load, variant: Variant, say: Say) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = []
    for k in load.config.k_values:
        step = run_step(load, k)
        steps.append(step)
        say(
            f"    {variant.name} k={k:g}: ingest {step['ingest']['total']['rows_per_s']:,.0f} "
            f"rows/s of {step['ingest']['total']['scheduled_rows_per_s']:,.0f} scheduled; "
            + ("; ".join(step["broke"]) or "within budget")
        )
        if step["broke"]:
            break
    return steps
