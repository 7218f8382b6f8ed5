"""Incident tables, all derived from World.incidents: incidents, incident_updates,
post_incident_analysis, auto_recovery_logs; plus the global policies and runbooks."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import polars as pl

from wedsync_analytics.generate import pools as P
from wedsync_analytics.generate.columns import json_text, pg_array, pooled, timestamps
from wedsync_analytics.generate.errors import error_ids, error_orgs
from wedsync_analytics.generate.fingerprints import KIND_FINGERPRINT
from wedsync_analytics.generate.rng import I64, Streams
from wedsync_analytics.generate.world import (
    ESCALATION_STEPS,
    INCIDENT_SEVERITIES,
    MINUTE,
    PRIORITIES,
    World,
    ids,
)

STATUSES = ("open", "investigating", "in_progress", "resolved", "closed", "cancelled")
IMPACT = ("none", "low", "medium", "high", "wedding_day_critical")
UPDATE_TYPES = (
    "status_change",
    "investigation_update",
    "resolution_update",
    "escalation",
    "assignment_change",
    "root_cause_identified",
)
ROOT_CAUSES = {
    "api-gateway": "connection pool exhaustion on the gateway after a config deploy",
    "auth-service": "expired signing key not rotated on one node",
    "booking-service": "slow availability query after an index was dropped",
    "payment-service": "payment provider API returning 502s",
    "messaging-service": "SMS provider throttling outbound messages",
    "calendar-service": "Google Calendar API quota exceeded",
    "media-service": "object storage throttling large photo uploads",
    "search-service": "search cluster shard relocation",
    "notification-service": "notification worker crash loop",
    "forms-service": "form schema migration locking responses table",
}


def _ack_ok(w: World) -> np.ndarray:
    return w.incidents.ack < w.end_us


def _closed(w: World) -> I64:
    inc = w.incidents
    return np.where((inc.resolved >= 0) & (inc.closed >= 0), inc.closed, -1)


def incident_status(w: World) -> I64:
    """Index into STATUSES of each incident at the end of the scenario."""
    inc = w.incidents
    return np.where(_closed(w) >= 0, 4, np.where(inc.resolved >= 0, 3, np.where(_ack_ok(w), 2, 0)))


def _oncall(w: World, k: I64, column: str) -> I64:
    """A platform on-call user for each incident."""
    pu = w.platform_users
    return pu[Streams(w.seed, "incidents")[column].integers(k, 0, len(pu))]


def _nullable_ts(values: I64) -> pl.Series:
    return pl.select(
        pl.when(pl.Series(values >= 0)).then(timestamps(np.maximum(values, 0)))
    ).to_series()


def incident_numbers(w: World) -> list[str]:
    inc = w.incidents
    return [
        f"INC-{datetime.fromtimestamp(c / 1e6, UTC):%Y%m%d}-{i + 1:04d}"
        for i, c in enumerate(inc.created)
    ]


def incidents(w: World) -> pl.DataFrame:
    inc = w.incidents
    K = inc.count
    k = np.arange(K, dtype=np.int64)
    s = Streams(w.seed, "incidents")
    status = incident_status(w)
    svc = [P.SERVICES[i] for i in inc.service]
    first_kind = inc.kinds[:, 0]
    season = w.grid.is_season[w.grid.hour_of(inc.start)]
    impact = np.where(
        inc.wedding_day & (inc.severity >= 3),
        4,
        np.where(inc.wedding_day, 3, np.where(season, 2, np.minimum(inc.severity, 1))),
    )
    dedup = [KIND_FINGERPRINT[f] for f in first_kind]
    seen: set[tuple[int, str]] = set()
    for i in range(K):  # at most one open incident per (organization, dedup_key)
        if status[i] in (0, 1, 2):
            key = (int(inc.org[i]), dedup[i])
            if key in seen:
                dedup[i] = f"{dedup[i]}:{i + 1}"
            seen.add(key)
    creator = np.where(inc.org == 0, _oncall(w, k, "creator"), np.searchsorted(w.user_org, inc.org))
    assignee = _oncall(w, k, "assignee")
    closed = _closed(w)
    last = np.maximum.reduce([inc.created, np.where(_ack_ok(w), inc.ack, 0), inc.resolved, closed])
    ack = np.where(_ack_ok(w), inc.ack, -1)
    return pl.DataFrame(
        {
            "id": inc.id,
            "organization_id": w.org_id.gather(inc.org),
            "incident_number": incident_numbers(w),
            "title": [
                f"{v}: {P.ERROR_KINDS[f][0]} spike" for v, f in zip(svc, first_kind, strict=True)
            ],
            "description": [f"Error rate and latency of {v} above thresholds" for v in svc],
            "severity": pooled(INCIDENT_SEVERITIES, inc.severity, enum=True),
            "status": pooled(STATUSES, status, enum=True),
            "priority": pooled(PRIORITIES, inc.severity, enum=True),
            "wedding_impact": pooled(IMPACT, impact, enum=True),
            "affected_services": [pg_array([v]) for v in svc],
            "affected_users_estimate": (inc.storm * (3 + s["users"].integers(k, 0, 20))),
            "root_cause": pl.select(
                pl.when(pl.Series(status >= 3)).then(pl.Series([ROOT_CAUSES[v] for v in svc]))
            ).to_series(),
            "resolution_summary": pl.select(
                pl.when(pl.Series(status >= 3)).then(
                    pl.Series([f"Mitigated {v}; monitoring confirmed recovery" for v in svc])
                )
            ).to_series(),
            "created_by": w.user_id.gather(creator),
            "assigned_to": w.user_id.gather(assignee),
            "acknowledged_by": pl.select(
                pl.when(pl.Series(ack >= 0)).then(w.user_id.gather(assignee))
            ).to_series(),
            "resolved_by": pl.select(
                pl.when(pl.Series(inc.resolved >= 0)).then(w.user_id.gather(assignee))
            ).to_series(),
            "escalation_level": inc.escalation,
            "escalation_policy_id": ids(w.seed, "escalation_policies", 4).gather(inc.policy),
            "auto_created": s["auto"].uniform(k) < 0.6,
            "dedup_key": dedup,
            "external_ticket_url": [
                f"https://wedsync.atlassian.net/browse/OPS-{1000 + i}" for i in k
            ],
            "context": [
                json_text(
                    {
                        "wedding_day": bool(wd),
                        "saturday": bool(sa),
                        "started_at_us": int(st),
                        "storm_errors": int(n),
                    }
                )
                for wd, sa, st, n in zip(
                    inc.wedding_day, inc.saturday, inc.start, inc.storm, strict=True
                )
            ],
            "tags": [pg_array(["wedding-day"] if wd else ["weekday"]) for wd in inc.wedding_day],
            "created_at": timestamps(inc.created),
            "updated_at": timestamps(last),
            "acknowledged_at": _nullable_ts(ack),
            "resolved_at": _nullable_ts(inc.resolved),
            "closed_at": _nullable_ts(closed),
        }
    )


def _timeline(w: World) -> dict[str, list]:
    """Timeline events of every incident, in time order per incident."""
    inc = w.incidents
    ack_ok, closed = _ack_ok(w), _closed(w)
    rows: dict[str, list] = {k: [] for k in ("j", "t", "type", "status", "sev", "msg", "auto")}

    def add(
        j: int, t: int, typ: int, st: int | None, msg: str, auto: bool, sev: int | None = None
    ) -> None:
        for key, v in zip(rows, (j, t, typ, st, sev, msg, auto), strict=True):
            rows[key].append(v)

    for j in range(inc.count):
        svc = P.SERVICES[inc.service[j]]
        add(j, int(inc.created[j]), 0, 0, f"Incident opened: {svc} alerts firing", True)
        steps = np.cumsum(ESCALATION_STEPS[int(inc.policy[j])])
        for lvl in range(int(inc.escalation[j])):
            t = int(inc.created[j] + steps[min(lvl, len(steps) - 1)] * MINUTE)
            if t < inc.ack[j] or lvl >= len(steps):
                add(
                    j,
                    min(t, int(inc.ack[j]) - 1),
                    3,
                    None,
                    f"Escalated to level {lvl + 1}",
                    True,
                    int(inc.severity[j]),
                )
        if not ack_ok[j]:
            continue
        add(j, int(inc.ack[j]), 0, 1, "Acknowledged by on-call; investigating", False)
        if inc.resolved[j] < 0:
            continue
        mid = int(inc.ack[j] + (inc.resolved[j] - inc.ack[j]) // 2)
        add(j, mid, 5, 2, f"Root cause identified: {ROOT_CAUSES[svc]}", False)
        add(j, int(inc.resolved[j]), 2, 3, "Fix deployed; error rates back to baseline", False)
        if closed[j] >= 0:
            add(j, int(closed[j]), 0, 4, "Closed after monitoring period", True)
    return rows


def incident_updates(w: World) -> pl.DataFrame:
    r = _timeline(w)
    j = np.array(r["j"], dtype=np.int64)
    n = len(j)
    inc = w.incidents
    k = np.arange(n, dtype=np.int64)
    assignee = _oncall(w, j, "assignee")
    auto = np.array(r["auto"], dtype=bool)
    status = pl.Series(r["status"], dtype=pl.Int64)
    sev = pl.Series(r["sev"], dtype=pl.Int64)
    return pl.DataFrame(
        {
            "id": ids(w.seed, "incident_updates", n),
            "organization_id": w.org_id.gather(inc.org[j]),
            "incident_id": inc.id.gather(j),
            "update_type": pooled(UPDATE_TYPES, np.array(r["type"], np.int64), enum=True),
            "message": r["msg"],
            "status_change": pl.select(
                pl.when(status.is_not_null()).then(
                    pooled(STATUSES, status.fill_null(0).to_numpy(), enum=True)
                )
            ).to_series(),
            "severity_change": pl.select(
                pl.when(sev.is_not_null()).then(
                    pooled(INCIDENT_SEVERITIES, sev.fill_null(0).to_numpy(), enum=True)
                )
            ).to_series(),
            "updated_by": pl.select(
                pl.when(pl.Series(~auto)).then(w.user_id.gather(assignee))
            ).to_series(),
            "internal_notes": pl.Series([None] * n, dtype=pl.String),
            "public_message": (k % 3) == 0,
            "automated_update": auto,
            "context": pl.Series(['{"source":"generator"}'] * n),
            "created_at": timestamps(np.array(r["t"], dtype=np.int64)),
        }
    )


def post_incident_analysis(w: World) -> pl.DataFrame:
    """One review per closed incident of medium severity or worse."""
    inc = w.incidents
    closed = _closed(w)
    j = np.flatnonzero((closed >= 0) & (inc.severity >= 1))
    n = len(j)
    svc = [P.SERVICES[i] for i in inc.service[j]]
    pub = closed[j] + 3 * 86_400_000_000
    published = pub < w.end_us
    return pl.DataFrame(
        {
            "id": ids(w.seed, "post_incident_analysis", n),
            "organization_id": w.org_id.gather(inc.org[j]),
            "incident_id": inc.id.gather(j),
            "summary": [
                f"{v} degradation affecting {int(s)} error reports"
                for v, s in zip(svc, inc.storm[j], strict=True)
            ],
            "timeline": [
                json_text(
                    [{"event": "start", "t_us": int(a)}, {"event": "resolved", "t_us": int(b)}]
                )
                for a, b in zip(inc.start[j], inc.resolved[j], strict=True)
            ],
            "root_cause": [ROOT_CAUSES[v] for v in svc],
            "contributing_factors": [
                pg_array(
                    ["alert thresholds too loose", "wedding-day load"]
                    if wd
                    else ["missing runbook step"]
                )
                for wd in inc.wedding_day[j]
            ],
            "what_went_well": pl.Series(["Fast acknowledgement by on-call"] * n),
            "what_went_wrong": pl.Series(["Detection relied on customer reports"] * n),
            "action_items": pl.Series(
                [json_text([{"title": "Add alert", "owner": "sre", "due": None, "done": False}])]
                * n
            ),
            "wedding_impact_summary": [
                "Weddings in progress affected" if wd else "No wedding-day impact"
                for wd in inc.wedding_day[j]
            ],
            "weddings_affected": np.where(inc.wedding_day[j], inc.storm[j] // 10, 0),
            "time_to_detect_seconds": ((inc.created[j] - inc.start[j]) // 1_000_000),
            "time_to_acknowledge_seconds": ((inc.ack[j] - inc.created[j]) // 1_000_000),
            "time_to_resolve_seconds": ((inc.resolved[j] - inc.created[j]) // 1_000_000),
            "status": pooled(("draft", "published"), published.astype(np.int64)),
            "author_id": w.user_id.gather(_oncall(w, j, "assignee")),
            "reviewed_by": w.user_id.gather(_oncall(w, j, "creator")),
            "published_at": _nullable_ts(np.where(published, pub, -1)),
            "created_at": timestamps(closed[j]),
            "updated_at": timestamps(np.where(published, pub, closed[j])),
        }
    )


def auto_recovery_logs(w: World) -> pl.DataFrame:
    """Self-healing attempts during incidents: a failed try, then a successful one."""
    inc = w.incidents
    tries = np.where(inc.severity >= 2, 2, 1)
    j = np.repeat(np.arange(inc.count, dtype=np.int64), tries)
    a = np.concatenate([np.arange(1, t + 1) for t in tries]).astype(np.int64)
    n = len(j)
    s = Streams(w.seed, "auto_recovery_logs")
    k = np.arange(n, dtype=np.int64)
    started = inc.created[j] + a * MINUTE
    dur = (5_000 + s["dur"].integers(k, 0, 60_000)).astype(np.int64)
    last = np.r_[a[1:] == 1, True]  # last attempt of its incident
    ok = last & (inc.resolved[j] >= 0)
    # The incident's first storm error, when it is the incident's organization's (the key is
    # (error_report_id, organization_id)): a tenant incident's storm is its own errors; a
    # platform outage's errors belong to the affected tenants, so its attempts link no error.
    first_err = w.background_errors + w.storm_offsets[j]
    own_err = error_orgs(w, first_err) == inc.org[j]
    return pl.DataFrame(
        {
            "id": ids(w.seed, "auto_recovery_logs", n),
            "organization_id": w.org_id.gather(inc.org[j]),
            "error_report_id": pl.select(
                pl.when(pl.Series(own_err)).then(error_ids(w, first_err))
            ).to_series(),
            "incident_id": inc.id.gather(j),
            "runbook_id": ids(w.seed, "runbooks", len(P.SERVICES)).gather(inc.service[j]),
            "service_name": pooled(P.SERVICES, inc.service[j]),
            "recovery_action": pooled(("restart_pods", "failover_replica", "purge_cache"), k % 3),
            "recovery_status": pooled(("failed", "succeeded"), ok.astype(np.int64)),
            "attempt_number": a,
            "started_at": timestamps(started),
            "completed_at": timestamps(started + dur * 1000),
            "duration_ms": dur,
            "details": pl.Series(['{"executor":"runbook-bot"}'] * n),
            "wedding_context": w.hour_context.gather(w.grid.hour_of(started)),
            "created_at": timestamps(started),
        }
    )


def escalation_policies(w: World) -> pl.DataFrame:
    names = ("Default on-call", "Wedding day (fast)", "Payments", "Low priority")
    steps = (ESCALATION_STEPS[0], ESCALATION_STEPS[1], (5, 10, 20), (30, 60, 120))
    created = w.start_us - 120 * 86_400_000_000
    return pl.DataFrame(
        {
            "id": ids(w.seed, "escalation_policies", 4),
            "policy_name": list(names),
            "description": [f"{n} escalation" for n in names],
            "escalation_rules": [
                json_text(
                    [{"delay_minutes": d, "targets": [f"level-{i + 1}"]} for i, d in enumerate(st)]
                )
                for st in steps
            ],
            "wedding_specific_rules": [
                json_text(
                    {
                        "escalation_rules": [
                            {"delay_minutes": d, "targets": [f"level-{i + 1}"]}
                            for i, d in enumerate(ESCALATION_STEPS[1])
                        ]
                    }
                )
            ]
            * 4,
            "default_policy": [True, False, False, False],
            "is_active": True,
            "created_by": w.user_id.gather(w.platform_users[:1].repeat(4)),
            "created_at": timestamps(np.full(4, created)),
            "updated_at": timestamps(np.full(4, created)),
        }
    )


def runbooks(w: World) -> pl.DataFrame:
    n = len(P.SERVICES)
    created = w.start_us - 100 * 86_400_000_000
    return pl.DataFrame(
        {
            "id": ids(w.seed, "runbooks", n),
            "runbook_name": [f"{s} emergency recovery" for s in P.SERVICES],
            "description": [f"Restore {s} during an outage" for s in P.SERVICES],
            "trigger_conditions": [
                json_text({"service": s, "error_rate_pct": 5}) for s in P.SERVICES
            ],
            "automation_steps": [json_text(["restart_pods", "failover_replica", "purge_cache"])]
            * n,
            "manual_steps": [json_text(["check dashboards", "page owner"])] * n,
            "success_criteria": [json_text({"error_rate_pct_below": 1})] * n,
            "rollback_procedures": [json_text(["revert last deploy"])] * n,
            "estimated_duration": pl.Series(["15 minutes"] * n),
            "requires_approval": [i % 3 == 0 for i in range(n)],
            "wedding_day_approved": True,
            "execution_count": np.bincount(w.incidents.service, minlength=n),
            "success_rate": np.round(
                80 + 19 * Streams(w.seed, "runbooks")["r"].uniform(np.arange(n)), 2
            ),
            "is_active": True,
            "created_by": w.user_id.gather(w.platform_users[:1].repeat(n)),
            "tags": [pg_array(["sre", s]) for s in P.SERVICES],
            "created_at": timestamps(np.full(n, created)),
            "updated_at": timestamps(np.full(n, created)),
        }
    )
