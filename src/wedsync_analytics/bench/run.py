"""One benchmark run: the dataset, then each variant on its own clone, every answer checked.

Order per variant: clone, apply its SQL, VACUUM ANALYZE (index-only scans, BRIN summaries),
rollup maintenance (if the variant maintains something), sizes, each query from each
viewpoint (one warm-up whose answer is compared with `index=seed`'s, N timed runs, one
EXPLAIN ANALYZE), the COPY load cost, retention (if the variant has one); then the clone
is dropped. A variant that changes an answer, or whose retention leaves other rows than
the first retention variant, is a failed run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import polars as pl

from wedsync_analytics.bench import datasets
from wedsync_analytics.bench.fingerprint import machine_fingerprint
from wedsync_analytics.bench.measure import (
    SESSION_SETTINGS,
    explain,
    fetch_frame,
    load_cost,
    session,
    sizes,
    time_query,
)
from wedsync_analytics.bench.queries import DashboardQuery, dashboard_queries
from wedsync_analytics.bench.retention import (
    measure_maintenance,
    measure_retention,
    retention_as_of,
)
from wedsync_analytics.bench.strategies import Variant, apply_variant, parse_variant
from wedsync_analytics.bench.viewpoints import Viewpoint, choose_viewpoints
from wedsync_analytics.config import connect
from wedsync_analytics.errors import UserError
from wedsync_analytics.generate import Scenario
from wedsync_analytics.table_facts import TABLE_FACTS
from wedsync_analytics.validate import compare_frames

Say = Callable[[str], None]
REFERENCE = "index=seed"
MAINTAIN_HOURS = 6


@dataclass
class BenchConfig:
    """What to run."""

    scenario: Scenario
    variants: list[Variant]
    queries: list[str] | None = None
    runs: int = 10
    load_rows: int = 20_000
    as_of: datetime | None = None


@dataclass
class BenchResult:
    """Everything measured (see `to_json`)."""

    config: BenchConfig
    as_of: datetime
    viewpoints: list[Viewpoint]
    fingerprint: dict[str, Any]
    variants: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(v["status"] == "ok" for v in self.variants)

    def to_json(self) -> dict[str, Any]:
        s = self.config.scenario
        return {
            "ok": self.ok,
            "scale": s.scale,
            "seed": s.seed,
            "market": s.market,
            "scenario": s.to_json(),
            "as_of": self.as_of.isoformat(),
            "runs": self.config.runs,
            "session_settings": SESSION_SETTINGS,
            "latency": "client wall time of execute + fetch all rows; one warm-up, then runs",
            "machine": self.fingerprint,
            "viewpoints": [v.to_json() for v in self.viewpoints],
            "variants": self.variants,
        }


def bench_as_of(dsn: str) -> datetime:
    """Half past the last hour that has performance metrics: inside the data, with an open hour."""
    with connect(dsn, autocommit=True) as conn:
        row = conn.execute(
            "SELECT date_trunc('hour', max(\"timestamp\"), 'UTC') FROM public.performance_metrics"
        ).fetchone()
    if not row or row[0] is None:
        raise UserError("the dataset has no performance_metrics rows: nothing to measure")
    return row[0] + timedelta(minutes=30)


def clone_name(dataset: str, variant: Variant) -> str:
    name = f"{dataset}__{variant.slug}"
    if len(name) <= 63:
        return name
    return f"{dataset[:40]}__{hashlib.sha256(variant.name.encode()).hexdigest()[:12]}"


def run_bench(
    admin_dsn: str,
    config: BenchConfig,
    say: Say,
    on_variant: Callable[[BenchResult], None] | None = None,
) -> BenchResult:
    """Run every variant of `config` (the reference `index=seed` first, added if missing);
    `on_variant` sees the result so far after each variant (e.g. to save it)."""
    variants = list(config.variants)
    if not any(v.name == REFERENCE for v in variants):
        variants.insert(0, parse_variant(REFERENCE))
    variants.sort(key=lambda v: v.name != REFERENCE)
    dataset_dsn = datasets.ensure_dataset(admin_dsn, config.scenario, say)
    dataset = datasets.dataset_name(config.scenario)
    as_of = config.as_of or bench_as_of(dataset_dsn)
    queries = dashboard_queries(as_of, config.queries)
    with connect(dataset_dsn, autocommit=True) as conn:
        viewpoints = choose_viewpoints(conn)
        fingerprint = machine_fingerprint(conn)
    result = BenchResult(config, as_of, viewpoints, fingerprint)
    answers: dict[tuple[str, str], pl.DataFrame] = {}
    kept: dict[str, list[int]] | None = None
    for i, variant in enumerate(variants, 1):
        say(f"[{i}/{len(variants)}] {variant.name}")
        name = clone_name(dataset, variant)
        dsn = datasets.clone(admin_dsn, dataset, name)
        try:
            entry = _run_variant(dsn, config, variant, queries, viewpoints, answers, as_of, say)
            retention = entry.get("retention")
            if retention is not None:
                if kept is None:
                    kept = retention["remaining"]
                elif retention["remaining"] != kept:
                    entry["status"] = "failed"
                    entry["failures"].append("retention left other rows than the first retention")
        finally:
            datasets.drop(admin_dsn, name)
        say(f"    {entry['status']}" + (f": {entry['failures'][0]}" if entry["failures"] else ""))
        result.variants.append(entry)
        if on_variant is not None:
            on_variant(result)
    return result


def _run_variant(
    dsn: str,
    config: BenchConfig,
    variant: Variant,
    queries: list[DashboardQuery],
    viewpoints: list[Viewpoint],
    answers: dict[tuple[str, str], pl.DataFrame],
    as_of: datetime,
    say: Say,
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "variant": variant.name,
        "strategies": [
            {"kind": s.kind, "name": s.name, "description": s.description}
            for s in variant.strategies
        ],
        "status": "ok",
        "failures": [],
        "queries": [],
    }
    with connect(dsn, autocommit=True) as conn:
        started = datetime.now()
        apply_variant(conn, variant)
        conn.execute("VACUUM ANALYZE")
        entry["apply_seconds"] = (datetime.now() - started).total_seconds()
        if conn.execute("SELECT to_regclass('bench.layout_gaps')").fetchone() != (None,):
            entry["gaps"] = [
                f"{t}.{c}: {d} (not enforced)"
                for t, c, d in conn.execute("SELECT * FROM bench.layout_gaps ORDER BY 1, 2")
            ]
    maintain = variant.run_text("maintain")
    if maintain is not None:
        say("    maintaining the rollup hour by hour")
        entry["maintenance"] = measure_maintenance(dsn, maintain, as_of, MAINTAIN_HOURS)
    with connect(dsn, autocommit=True) as conn:
        entry["sizes"] = sizes(conn)
    retention_sql = variant.run_text("retention")
    if retention_sql is None:  # retention variants measure the operation, not the queries
        for query in queries:
            text = variant.query_text(query.name) or query.sql
            for viewpoint in viewpoints:
                entry["queries"].append(
                    _measure_query(
                        dsn, query, text, viewpoint, config.runs, answers, variant, entry
                    )
                )
            say(
                f"    {query.name}: "
                + ", ".join(
                    f"{q['viewpoint']} p95 {q['latency'].get('p95_ms', 0):.1f} ms"
                    for q in entry["queries"][-len(viewpoints) :]
                )
            )
    big = [f.name for f in TABLE_FACTS.values() if f.big]
    say("    load cost (COPY one chunk, rolled back)")
    entry["load"] = load_cost(dsn, config.scenario, big, config.load_rows)
    if retention_sql is not None:
        say("    retention")
        dashboard = next((q for q in queries if q.name == "percentiles"), queries[0])
        entry["retention"] = measure_retention(
            dsn, retention_sql, retention_as_of(config.scenario), dashboard, config.runs
        )
    return entry


def _measure_query(
    dsn: str,
    query: DashboardQuery,
    text: str,
    viewpoint: Viewpoint,
    runs: int,
    answers: dict[tuple[str, str], pl.DataFrame],
    variant: Variant,
    entry: dict[str, Any],
) -> dict[str, Any]:
    with session(dsn, viewpoint) as conn:
        frame, schema = fetch_frame(conn, text, query.params)  # the warm-up
        latency = time_query(conn, text, query.params, runs)
        plan = explain(conn, text, query.params)
    key = (query.name, viewpoint.name)
    answer = "reference"
    if variant.name == REFERENCE:
        answers[key] = frame
    elif key in answers:
        same, _, message, _ = compare_frames(query.as_analysis(schema), answers[key], frame)
        answer = "same" if same else f"different: {message}"
        if not same:
            entry["status"] = "failed"
            entry["failures"].append(f"{query.name} as {viewpoint.name}: {message}")
    return {
        "query": query.name,
        "kind": query.kind,
        "viewpoint": viewpoint.name,
        "rows": frame.height,
        "answer": answer,
        "own_text": text != query.sql,
        "latency": {**latency.summary(), "runs_ms": [round(x, 3) for x in latency.runs_ms]},
        "explain": plan,
    }
