"""Capacity curve: each dashboard query at several volumes, a fitted growth, the breach volume.

Volumes: the dataset of the scale and seed (loaded once) and copies of it trimmed to its
first days (`bench.volumes`), each built once and reused. Per volume
and variant: a clone, the variant's SQL, VACUUM ANALYZE, rollup maintenance up to `as_of`
if the variant has some, then each query platform-wide (`service_role`): one warm-up, N timed
runs (p95 of client wall time) and one EXPLAIN (ANALYZE, BUFFERS): pages = shared hit + read.
Growth models and the prediction check: `bench.fit`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from wedsync_analytics.bench import datasets, volumes
from wedsync_analytics.bench.fingerprint import machine_fingerprint
from wedsync_analytics.bench.fit import Growth, growth
from wedsync_analytics.bench.measure import (
    SESSION_SETTINGS,
    explain,
    fetch_frame,
    session,
    time_query,
)
from wedsync_analytics.bench.queries import dashboard_queries
from wedsync_analytics.bench.run import REFERENCE, bench_as_of, clone_name
from wedsync_analytics.bench.strategies import Variant, apply_variant, parse_variant
from wedsync_analytics.bench.viewpoints import Viewpoint
from wedsync_analytics.config import connect
from wedsync_analytics.errors import UserError
from wedsync_analytics.generate import Scenario

Say = Callable[[str], None]
DEFAULT_FRACTIONS = (0.1, 0.25, 0.5, 1.0)
PLATFORM = Viewpoint("platform", "service_role")
VOLUME_TABLE = "performance_metrics"
EXTRAPOLATION_LIMIT = 10.0  # a breach point further than this x the largest volume is not given


@dataclass
class CapacityConfig:
    """What to measure."""

    scenario: Scenario
    variants: list[Variant]
    queries: list[str] | None = None
    budget_ms: float = 1000.0
    fractions: tuple[float, ...] = DEFAULT_FRACTIONS
    runs: int = 5
    tolerance: float = 0.3


def volume_days(scenario: Scenario, fractions: tuple[float, ...]) -> list[int]:
    """Distinct day counts of the volumes (at least one day each), smallest first."""
    if any(not 0 < f <= 1 for f in fractions):
        raise UserError("invalid --volumes: each is a fraction of the scale's days in (0, 1]")
    days = sorted({max(1, round(scenario.days * f)) for f in fractions})
    if len(days) < 4:
        raise UserError(
            f"--volumes give {len(days)} distinct day counts at scale {scenario.scale} "
            f"({scenario.days} days): the curve needs 4 or more; give more or other fractions"
        )
    return days


def check_queries(names: list[str] | None) -> None:
    """UserError naming the first unknown query (before any work)."""
    dashboard_queries(datetime(2025, 1, 1, tzinfo=UTC), names)


def check_variants(variants: list[Variant]) -> list[Variant]:
    """`index=seed` first; retention strategies are refused (they measure an operation)."""
    for variant in variants:
        if variant.run_text("retention") is not None:
            raise UserError(
                f"--strategy {variant.name}: a retention strategy has no dashboard curve; "
                "use `wedsync-analytics bench` for it"
            )
    out = list(variants)
    if not any(v.name == REFERENCE for v in out):
        out.insert(0, parse_variant(REFERENCE))
    out.sort(key=lambda v: v.name != REFERENCE)
    return out


@dataclass
class CapacityResult:
    """Every point measured and every fit (see `to_json`)."""

    config: CapacityConfig
    fingerprint: dict[str, Any]
    volumes: list[dict[str, Any]] = field(default_factory=list)
    points: list[dict[str, Any]] = field(default_factory=list)

    def curves(self) -> list[dict[str, Any]]:
        """Per query and variant: the time and pages fits, the check and the breach volume."""
        keys = sorted({(p["query"], p["variant"]) for p in self.points})
        return [self._curve(q, v) for q, v in keys]

    def _curve(self, query: str, variant: str) -> dict[str, Any]:
        pts = sorted(
            (p for p in self.points if p["query"] == query and p["variant"] == variant),
            key=lambda p: p["rows"],
        )
        rows = [float(p["rows"]) for p in pts]
        time = growth("power", rows, [max(p["p95_ms"], 1e-3) for p in pts])
        pages = growth("linear", rows, [max(float(p["pages"]), 1.0) for p in pts])
        rows_per_day = self.volumes[-1]["rows"] / self.volumes[-1]["days"]
        out: dict[str, Any] = {
            "query": query,
            "variant": variant,
            "time": _growth_json(time, "power"),
            "pages": _growth_json(pages, "linear"),
            "budget_ms": self.config.budget_ms,
            "tolerance": self.config.tolerance,
        }
        if not time.trusted(self.config.tolerance):
            out["breach"] = None
            out["verdict"] = (
                f"fit predicts badly: largest volume off by {100 * time.prediction_error:.0f} % "
                f"(tolerance {100 * self.config.tolerance:.0f} %); no breach point"
            )
            return out
        breach = time.model.breach(self.config.budget_ms)  # type: ignore[union-attr]
        reach = EXTRAPOLATION_LIMIT * rows[-1]
        if breach is None:
            out["breach"] = None
            out["verdict"] = "time does not grow with volume: no breach point"
        elif breach > reach:
            out["breach"] = None
            finite = math.isfinite(breach)
            out["breach_beyond_reach"] = (
                {"rows": breach, "days": breach / rows_per_day} if finite else None
            )
            out["verdict"] = (
                f"no breach within {EXTRAPOLATION_LIMIT:g}x the largest measured volume "
                f"({reach:,.0f} {VOLUME_TABLE} rows): the model would put it at "
                + (f"{breach / rows[-1]:,.0f}x" if finite else "a volume beyond any float")
                + ", too far to trust"
            )
        else:
            out["breach"] = {"rows": breach, "days": breach / rows_per_day}
            where = (
                f"{breach / rows[-1]:,.1f}x the largest measured volume"
                if breach > rows[-1]
                else "within the measured range"
            )
            out["verdict"] = (
                f"crosses {self.config.budget_ms:g} ms at {breach:,.0f} {VOLUME_TABLE} rows "
                f"(~{breach / rows_per_day:,.0f} days), {where}"
            )
        return out

    def to_json(self) -> dict[str, Any]:
        s = self.config.scenario
        return {
            "scale": s.scale,
            "seed": s.seed,
            "market": s.market,
            "budget_ms": self.config.budget_ms,
            "runs": self.config.runs,
            "tolerance": self.config.tolerance,
            "viewpoint": PLATFORM.name,
            "session_settings": SESSION_SETTINGS,
            "latency": "p95 of client wall time (execute + fetch all rows), one warm-up first",
            "pages": "shared buffers hit + read of one EXPLAIN (ANALYZE, BUFFERS)",
            "models": {
                "time": "t = a * V^b, least squares on (log V, log t)",
                "pages": "p = c + d * V, least squares",
                "volume": f"V = {VOLUME_TABLE} rows of the dataset",
                "error_on_points": "max |model - measured| / measured over the points",
                "prediction_error": "fit on all volumes but the largest, predict the largest: "
                "|predicted - measured| / measured",
                "reach": f"a breach point beyond {EXTRAPOLATION_LIMIT:g}x the largest volume "
                "is not given",
            },
            "machine": self.fingerprint,
            "volumes": self.volumes,
            "points": self.points,
            "curves": self.curves() if self.points else [],
        }


def _growth_json(g: Growth, kind: str) -> dict[str, Any]:
    params = (
        {"a": g.model.a, "b": g.model.b}  # type: ignore[union-attr]
        if kind == "power"
        else {"intercept": g.model.intercept, "slope": g.model.slope}  # type: ignore[union-attr]
    )
    return {
        "model": kind,
        **params,
        "error_on_points": g.error_on_points,
        "predicted_largest": g.predicted_largest,
        "measured_largest": g.measured_largest,
        "prediction_error": g.prediction_error,
    }


def _volume(dsn: str, days: int) -> dict[str, Any]:
    with connect(dsn, autocommit=True) as conn:
        row = conn.execute(f"SELECT count(*) FROM public.{VOLUME_TABLE}").fetchone()
    rows = int(row[0]) if row else 0
    if rows == 0:
        raise UserError(f"the {days}-day volume has no {VOLUME_TABLE} rows")
    return {"days": days, "rows": rows, "as_of": bench_as_of(dsn).isoformat()}


def run_capacity(admin_dsn: str, config: CapacityConfig, say: Say) -> CapacityResult:
    """Measure every volume x variant x query; the fits are computed by the result."""
    variants = check_variants(config.variants)
    days = volume_days(config.scenario, config.fractions)
    check_queries(config.queries)
    result: CapacityResult | None = None
    databases = volumes.ensure_volumes(admin_dsn, config.scenario, days, say)
    for d in days:
        dataset = databases[d]
        dataset_dsn = datasets.with_database(admin_dsn, dataset)
        volume = _volume(dataset_dsn, d)
        if result is None:
            with connect(dataset_dsn, autocommit=True) as conn:
                result = CapacityResult(config, machine_fingerprint(conn))
        result.volumes.append(volume)
        as_of = datetime.fromisoformat(volume["as_of"])
        queries = dashboard_queries(as_of, config.queries)
        for variant in variants:
            name = clone_name(dataset, variant)
            dsn = datasets.clone(admin_dsn, dataset, name)
            try:
                with connect(dsn, autocommit=True) as conn:
                    apply_variant(conn, variant)
                    conn.execute("VACUUM ANALYZE")
                    maintain = variant.run_text("maintain")
                    if maintain is not None:
                        conn.execute(maintain.encode(), {"upto": as_of})
                for query in queries:
                    text = variant.query_text(query.name) or query.sql
                    with session(dsn, PLATFORM) as conn:
                        fetch_frame(conn, text, query.params)  # the warm-up
                        latency = time_query(conn, text, query.params, config.runs).summary()
                        plan = explain(conn, text, query.params)
                    result.points.append(
                        {
                            "query": query.name,
                            "variant": variant.name,
                            "days": d,
                            "rows": volume["rows"],
                            "p95_ms": latency["p95_ms"],
                            "pages": plan["shared_buffers"],
                        }
                    )
            finally:
                datasets.drop(admin_dsn, name)
            say(f"    {d} days, {volume['rows']:,} rows, {variant.name}: measured")
    assert result is not None
    return result
