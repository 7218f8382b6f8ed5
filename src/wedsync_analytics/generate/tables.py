"""Every generated table, in load order (parents before children), with its row count."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import polars as pl

from wedsync_analytics.generate import (
    alerting,
    business,
    errors,
    incidents,
    ops,
    performance,
    vitals,
)
from wedsync_analytics.generate.world import World

Builder = Callable[[World, int, int, int], pl.DataFrame]

# event rows per organization per day (times the preset's volume)
RATES = {
    "performance_metrics": 12.0,
    "api_performance": 3.5,
    "core_web_vitals": 2.5,
    "business_events": 2.5,
    "feature_usage": 1.0,
    "database_performance": 0.8,
    "user_journey_performance": 0.6,
}


@dataclass(frozen=True)
class TableDef:
    """One table: schema-qualified name, row count and chunk builder."""

    name: str
    count: Callable[[World], int]
    build: Builder

    @property
    def schema(self) -> str:
        return self.name.split(".")[0] if "." in self.name else "public"

    @property
    def table(self) -> str:
        return self.name.split(".")[-1]


def _small(name: str, fn: Callable[[World], pl.DataFrame]) -> TableDef:
    """A table built whole in memory (bounded by organizations and incidents), then sliced."""

    def frame(w: World) -> pl.DataFrame:
        key = f"_frame_{name}"
        if key not in w.__dict__:
            w.__dict__[key] = fn(w)
        df: pl.DataFrame = w.__dict__[key]
        return df

    return TableDef(
        name, lambda w: frame(w).height, lambda w, a, b, total: frame(w).slice(a, b - a)
    )


def _events(name: str, fn: Builder, extra: Callable[[World], int] | None = None) -> TableDef:
    def count(w: World) -> int:
        base = round(RATES[name] * w.s.organizations * w.s.days * w.s.volume)
        return base + (extra(w) if extra else 0)

    return TableDef(name, count, fn)


TABLES: tuple[TableDef, ...] = (
    _small("auth.users", ops.users),
    _small("organizations", ops.organizations),
    _small("user_profiles", ops.user_profiles),
    _small("escalation_policies", incidents.escalation_policies),
    _small("runbooks", incidents.runbooks),
    _small("notification_channels", alerting.notification_channels),
    _small("monitoring_integrations", ops.monitoring_integrations),
    _small("third_party_services", ops.third_party_services),
    _small("system_maintenance_logs", ops.system_maintenance_logs),
    _small("incidents", incidents.incidents),
    TableDef("error_reports", errors.error_count, errors.error_reports),
    _small("error_groups", errors.error_groups),
    _small("error_correlations", errors.error_correlations),
    _small("error_patterns", errors.error_patterns),
    _small("auto_recovery_logs", incidents.auto_recovery_logs),
    _small("error_suppression_rules", errors.error_suppression_rules),
    _small("alert_configurations", alerting.alert_configurations),
    _small("alert_history", alerting.alert_history),
    _small("notification_queue", alerting.notification_queue),
    _small("suppression_rules", alerting.suppression_rules),
    _small("escalation_contacts", alerting.escalation_contacts),
    _small("incident_updates", incidents.incident_updates),
    _small("post_incident_analysis", incidents.post_incident_analysis),
    _events("performance_metrics", performance.performance_metrics),
    _events("core_web_vitals", vitals.core_web_vitals),
    _events("api_performance", performance.api_performance),
    _events("database_performance", performance.database_performance),
    _events("user_journey_performance", performance.user_journey_performance),
    _events("business_events", business.business_events, business.funnel_count),
    _small("conversion_funnels", business.conversion_funnels),
    _events("feature_usage", business.feature_usage),
    _small("revenue_metrics", business.revenue_metrics),
    _small("user_segments", business.user_segments),
    TableDef("system_health_checks", ops.health_count, ops.system_health_checks),
)
BY_NAME = {t.name: t for t in TABLES}


def table(name: str) -> TableDef:
    """The table called `name` (KeyError if not generated)."""
    return BY_NAME[name]


def chunks(
    w: World, t: TableDef, chunk_rows: int, total: int | None = None
) -> Iterator[pl.DataFrame]:
    """The rows of table `t` in chunks of at most `chunk_rows`; identical for any chunk size."""
    total = t.count(w) if total is None else total
    for a in range(0, total, chunk_rows):
        yield t.build(w, a, min(total, a + chunk_rows), total)
