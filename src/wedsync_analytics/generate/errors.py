"""Error tables. error_reports = background errors (calendar-shaped) followed by the
incident error storms (rows inside each incident's window, under its few fingerprints)."""

from __future__ import annotations

import numpy as np
import polars as pl

from wedsync_analytics.generate import pools as P
from wedsync_analytics.generate.columns import json_text, pg_array, pooled, timestamps, uuid4, uuid7
from wedsync_analytics.generate.events import SESSION_SLOT_US, hex16
from wedsync_analytics.generate.fingerprints import (
    KIND_FINGERPRINT,
    VAR_ENDPOINT,
    VAR_FINGERPRINT,
    VAR_KIND,
    VAR_SUFFIX,
    VAR_WEIGHT,
    VARIANTS_PER_KIND,
    request_data,
)
from wedsync_analytics.generate.rng import I64, Stream, Streams
from wedsync_analytics.generate.world import ERROR_SEVERITIES, SUPPLIER, World, ids

# background (non-incident) severity: at most the kind's typical one, drawn from these
BACKGROUND_SEVERITY = (0.55, 0.33, 0.10, 0.02)
_STACKS = tuple(
    f"{t}: {m.replace('{n}', '<n>')}\n    at handler ({s}/src/handlers/index.ts:{40 + i})\n"
    f"    at processTicksAndRejections (node:internal/process/task_queues:95:5)"
    for i, (t, s, m, _) in enumerate(P.ERROR_KINDS)
)


def error_count(w: World) -> int:
    return w.background_errors + int(w.storm_offsets[-1])


def _core(w: World, idx: I64) -> dict[str, np.ndarray]:
    """Per-row essentials for any row indices: time, user, org, kind, severity, incident."""
    s = Streams(w.seed, "error_reports")
    B = w.background_errors
    inc = w.incidents
    storm = idx >= B
    k = np.where(storm, idx - B, 0)
    j = np.searchsorted(w.storm_offsets, k, side="right") - 1
    j = np.clip(j, 0, inc.count - 1)
    u = s["t"].uniform(idx)
    bg_ts = w.grid.sample(np.where(storm, 0, idx), B, u)
    st_ts = inc.start[j] + (u * (inc.end[j] - inc.start[j])).astype(np.int64)
    ts = np.where(storm, st_ts, bg_ts)
    user = w.pick_users(s["user"].uniform(idx))
    # tenant incidents: errors come from that organization's own users
    tenant = storm & (inc.org[j] != 0)
    if tenant.any():
        first = np.searchsorted(w.user_org, inc.org[j[tenant]], side="left")
        last = np.searchsorted(w.user_org, inc.org[j[tenant]], side="right")
        picked = first + (s["tu"].uniform(idx[tenant]) * (last - first)).astype(np.int64)
        # a user who joins later than the error cannot cause it: the signing-up user does
        user[tenant] = np.where(w.user_created[picked] <= ts[tenant], picked, first)
    fp_bg = s["kind"].choice(idx, VAR_WEIGHT)
    kinds = inc.kinds[j]
    n_k = (kinds >= 0).sum(axis=1)
    pick = (s["skind"].uniform(idx) * n_k).astype(np.int64)
    fp = np.where(storm, kinds[np.arange(len(idx)), pick] * VARIANTS_PER_KIND, fp_bg)
    kind = VAR_KIND[fp]
    typical = np.array([e[3] for e in P.ERROR_KINDS])[kind]
    bg_sev = np.minimum(typical, s["bgsev"].choice(idx, BACKGROUND_SEVERITY))
    st_sev = np.where(
        s["sev"].uniform(idx) < 0.7, inc.severity[j], np.maximum(inc.severity[j] - 1, 0)
    )
    severity = np.where(storm, st_sev, bg_sev)
    org = w.user_org[user]
    count = np.where(storm, 1, 1 + s["count"].exponential(idx, 1.5).astype(np.int64))
    span = (count - 1) * (1 + s["span"].integers(idx, 0, 30)) * 1_000_000
    return {
        "idx": idx,
        "ts": ts,
        "user": user,
        "org": org,
        "kind": kind,
        "fp": fp,
        "severity": severity,
        "incident": np.where(storm, j, -1),
        # incident_id only within the incident's own organization (the foreign key is
        # (incident_id, organization_id)); other tenants' errors in a platform outage
        # carry the incident id as their correlation_id instead.
        "linked": np.where(storm & (org == inc.org[j]), j, -1),
        "count": count,
        "first": ts - span,
    }


def error_orgs(w: World, idx: I64) -> I64:
    """Organization (index) of the error rows `idx`."""
    return _core(w, idx)["org"]


def error_ids(w: World, idx: I64) -> pl.Series:
    c = _core(w, idx)
    return uuid7(c["ts"], Stream(w.seed, "error_reports", "id").bits(idx))


def error_reports(w: World, start: int, stop: int, total: int) -> pl.DataFrame:
    """Error events; storm rows carry their incident's id as correlation_id, and as
    incident_id when the error is the incident's organization's."""
    idx = np.arange(start, stop, dtype=np.int64)
    c = _core(w, idx)
    s = Streams(w.seed, "error_reports")
    ts, kind, fp, inc_j, linked = c["ts"], c["kind"], c["fp"], c["incident"], c["linked"]
    inc = w.incidents
    in_storm = inc_j >= 0
    jj = np.maximum(inc_j, 0)
    pre = pooled([m.split("{n}")[0] for _, _, m, _ in P.ERROR_KINDS], kind)
    post = pooled([m.split("{n}")[1] for _, _, m, _ in P.ERROR_KINDS], kind) + pooled(
        VAR_SUFFIX, fp
    )
    number = pl.Series(s["n"].integers(idx, 100, 30_000)).cast(pl.String)
    resolved_inc = inc.resolved[jj] >= 0
    status = np.where(
        in_storm,
        np.where(resolved_inc, 2, 1),
        s["status"].choice(idx, (0.6, 0.05, 0.25, 0.0, 0.10)),
    )
    status_pool = ("open", "investigating", "resolved", "closed", "auto_resolved")
    hour = w.grid.hour_of(ts)
    session_key = c["user"] * 1_000_003 + ts // SESSION_SLOT_US
    has_corr = s["corr"].uniform(idx) < 0.5
    corr = uuid4(s["corr.hi"].bits(idx), s["corr.lo"].bits(idx))
    user_ids = w.user_id.gather(c["user"])
    return pl.DataFrame(
        {
            "id": uuid7(ts, s["id"].bits(idx)),
            "organization_id": w.org_id.gather(c["org"]),
            "error_type": pooled([e[0] for e in P.ERROR_KINDS], kind),
            "severity": pooled(ERROR_SEVERITIES, c["severity"], enum=True),
            "service_name": pooled([e[1] for e in P.ERROR_KINDS], kind),
            "endpoint_path": pooled(VAR_ENDPOINT, fp),
            "error_message": pre + number + post,
            "stack_trace": pooled(_STACKS, kind),
            "user_id": user_ids,
            "session_id": "sess_" + hex16(Stream(w.seed, "sessions", "id").bits(session_key)),
            "request_data": request_data(fp, s["req"].integers(idx, 1, 99_999)),
            "user_agent": pooled(P.USER_AGENTS, s["ua"].integers(idx, 0, len(P.USER_AGENTS))),
            "ip_address": pooled(w.pools.ips, s["ip"].integers(idx, 0, len(w.pools.ips))),
            "wedding_context": w.hour_context.gather(hour),
            "correlation_id": pl.select(
                pl.when(pl.Series(in_storm))
                .then(inc.id.gather(jj))
                .when(pl.Series(has_corr))
                .then(corr)
            ).to_series(),
            "fingerprint": pooled(VAR_FINGERPRINT, fp),
            "incident_id": pl.select(
                pl.when(pl.Series(linked >= 0)).then(inc.id.gather(np.maximum(linked, 0)))
            ).to_series(),
            "auto_recovery_attempted": in_storm & (s["auto"].uniform(idx) < 0.3),
            "resolution_status": pooled(status_pool, status, enum=True),
            "first_occurrence": timestamps(c["first"]),
            "occurrence_count": c["count"],
            "last_occurrence": timestamps(ts),
            "created_at": timestamps(ts),
        }
    )


def error_groups(w: World) -> pl.DataFrame:
    """One row per (organization, fingerprint), aggregated from every error_reports row.

    A group is resolved with its last incident; a later error of the group reopens it (a
    regression, as in Sentry), and each further incident storm under the same fingerprint
    after the first counts as one too: regression_count = storms - 1 + reopened.
    """
    total = error_count(w)
    keys = ("org", "fp", "linked")
    aggs = (
        pl.col("count").sum(),
        pl.col("first").min(),
        pl.col("ts").max(),
        pl.col("severity").max(),
    )
    parts = []
    for a in range(0, total, 1_000_000):
        c = _core(w, np.arange(a, min(total, a + 1_000_000), dtype=np.int64))
        df = pl.DataFrame({k: c[k] for k in (*keys, "count", "first", "ts", "severity")})
        parts.append(df.group_by(keys).agg(*aggs))
    inc = w.incidents
    per_incident = pl.concat(parts).group_by(keys).agg(*aggs)
    g = (
        per_incident.group_by("org", "fp")
        .agg(
            *aggs,
            pl.col("linked").max(),
            (pl.col("linked") >= 0).sum().alias("storms"),
        )
        .sort("org", "fp")
    )
    org, fp = g["org"].to_numpy(), g["fp"].to_numpy()
    kind = VAR_KIND[fp]
    j = g["linked"].to_numpy()
    jj = np.maximum(j, 0)
    last_seen = g["ts"].to_numpy()
    resolved = (j >= 0) & (inc.resolved[jj] >= 0)
    reopened = resolved & (last_seen > inc.resolved[jj])
    resolved &= ~reopened
    status = np.where(j < 0, 0, np.where(resolved, 2, np.where(reopened, 0, 1)))
    regressions = np.maximum(g["storms"].cast(pl.Int64).to_numpy() - 1, 0) + reopened
    n = len(g)
    titles = [f"{t}: {m.replace('{n}', '<n>')}" for t, _, m, _ in P.ERROR_KINDS]
    return pl.DataFrame(
        {
            "id": ids(w.seed, "error_groups", n),
            "organization_id": w.org_id.gather(org),
            "fingerprint": pooled(VAR_FINGERPRINT, fp),
            "service_name": pooled([e[1] for e in P.ERROR_KINDS], kind),
            "error_type": pooled([e[0] for e in P.ERROR_KINDS], kind),
            "title": pooled(titles, kind) + pooled(VAR_SUFFIX, fp),
            "max_severity": pooled(ERROR_SEVERITIES, g["severity"].to_numpy(), enum=True),
            "status": pooled(
                ("open", "investigating", "resolved", "closed", "auto_resolved"), status, enum=True
            ),
            "times_seen": g["count"],
            "first_seen": timestamps(g["first"].to_numpy()),
            "last_seen": timestamps(last_seen),
            "incident_id": pl.select(
                pl.when(pl.Series(j >= 0)).then(inc.id.gather(jj))
            ).to_series(),
            "regression_count": regressions.astype(np.int64),
            "resolved_at": pl.select(
                pl.when(pl.Series(resolved)).then(timestamps(inc.resolved[jj]))
            ).to_series(),
            "created_at": timestamps(g["first"].to_numpy()),
            "updated_at": timestamps(last_seen),
        }
    )


_CORR_TYPES = ("cascade", "same_fingerprint", "temporal", "root_cause")


def _storm_orgs(w: World) -> I64:
    """Organization (index) of every storm error row, in storm row order."""
    B, total = w.background_errors, error_count(w)
    parts = [np.zeros(0, np.int64)]
    for a in range(B, total, 1_000_000):
        parts.append(error_orgs(w, np.arange(a, min(total, a + 1_000_000), dtype=np.int64)))
    return np.concatenate(parts)


def error_correlations(w: World) -> pl.DataFrame:
    """Within each storm, one organization's errors: its first error linked to its next few
    (up to 4).

    Both errors of a correlation belong to its organization (the foreign keys are
    (error id, organization_id)). A tenant incident's storm is all that tenant's errors, so
    its first error is linked to the next four. A platform outage's storm mixes tenants: the
    organization taken is the one whose first storm error comes earliest among those with at
    least two (a storm with no such organization gets no correlations).
    """
    inc = w.incidents
    B = w.background_errors
    orgs = _storm_orgs(w)
    prim, rel, typ, j_of = [], [], [], []
    for j in range(inc.count):
        a, b = int(w.storm_offsets[j]), int(w.storm_offsets[j + 1])
        o = orgs[a:b]
        _, first_at, seen = np.unique(o, return_index=True, return_counts=True)
        if not (seen >= 2).any():
            continue
        head = int(first_at[seen >= 2].min())
        same = np.flatnonzero(o == o[head])
        for r, q in enumerate(same[1:5], start=1):
            prim.append(B + a + head)
            rel.append(B + a + int(q))
            typ.append((r - 1) % 4)
            j_of.append(j)
    p, r_, jj = np.array(prim, np.int64), np.array(rel, np.int64), np.array(j_of, np.int64)
    s = Streams(w.seed, "error_correlations")
    k = np.arange(len(p), dtype=np.int64)
    rel_ts = _core(w, r_)["ts"]
    return pl.DataFrame(
        {
            "id": ids(w.seed, "error_correlations", len(p)),
            "organization_id": w.org_id.gather(_core(w, p)["org"]),
            "primary_error_id": error_ids(w, p),
            "related_error_id": error_ids(w, r_),
            "correlation_type": pooled(_CORR_TYPES, np.array(typ, np.int64)),
            "correlation_score": np.round(0.5 + 0.49 * s["score"].uniform(k), 2),
            "is_root_cause": np.array(typ) == 3,
            "context": pooled([json_text({"incident_window": True})], np.zeros(len(p), np.int64)),
            "detected_at": timestamps(np.maximum(inc.created[jj], rel_ts)),
            "created_at": timestamps(np.maximum(inc.created[jj], rel_ts)),
        }
    )


def error_patterns(w: World) -> pl.DataFrame:
    """Global catalogue: one recurring-error pattern per error kind."""
    n = len(P.ERROR_KINDS)
    created = w.start_us - 90 * 86_400_000_000
    return pl.DataFrame(
        {
            "id": ids(w.seed, "error_patterns", n),
            "pattern_name": [f"{t} in {s}" for t, s, _, _ in P.ERROR_KINDS],
            "error_signature": list(KIND_FINGERPRINT),
            "pattern_type": pooled(
                (
                    "recurring_error",
                    "cascade_failure",
                    "performance_degradation",
                    "user_behavior_anomaly",
                ),
                np.arange(n) % 3,
                enum=True,
            ),
            "confidence_score": np.round(
                0.6 + 0.39 * Streams(w.seed, "error_patterns")["c"].uniform(np.arange(n)), 2
            ),
            "occurrence_threshold": 5 + np.arange(n) % 4 * 5,
            "time_window": pl.Series(["1 hour"] * n),
            "affected_services": [pg_array([s]) for _, s, _, _ in P.ERROR_KINDS],
            "common_context": [json_text({"service": s}) for _, s, _, _ in P.ERROR_KINDS],
            "suggested_resolution": [f"See runbook for {s}" for _, s, _, _ in P.ERROR_KINDS],
            "auto_escalate": [e[3] >= 3 for e in P.ERROR_KINDS],
            "is_active": True,
            "created_at": timestamps(np.full(n, created)),
            "updated_at": timestamps(np.full(n, created)),
        }
    )


def error_suppression_rules(w: World) -> pl.DataFrame:
    """Some suppliers silence noisy low-severity validation errors."""
    s = Streams(w.seed, "error_suppression_rules")
    orgs = np.flatnonzero(w.org_kind == SUPPLIER)
    orgs = orgs[s["pick"].uniform(orgs) < 0.15]
    orgs = orgs if len(orgs) else np.flatnonzero(w.org_kind == SUPPLIER)[:1]
    n = len(orgs)
    first_user = np.searchsorted(w.user_org, orgs)
    v = P.ERROR_KINDS[4]
    return pl.DataFrame(
        {
            "id": ids(w.seed, "error_suppression_rules", n),
            "organization_id": w.org_id.gather(orgs),
            "rule_name": pl.Series(["Mute form validation noise"] * n),
            "fingerprint": pl.Series([KIND_FINGERPRINT[4]] * n),
            "service_name": pl.Series([v[1]] * n),
            "error_type": pl.Series([v[0]] * n),
            "message_pattern": pl.Series([r"^field [0-9]+ failed validation"] * n),
            "max_severity": pooled(ERROR_SEVERITIES, np.ones(n, np.int64), enum=True),
            "suppress_until": pl.Series([None] * n, dtype=pl.Datetime("us", "UTC")),
            "reason": pl.Series(["known client-side validation, tracked in product backlog"] * n),
            "is_active": True,
            "created_by": w.user_id.gather(first_user),
            "created_at": timestamps(np.maximum(w.org_created[orgs], w.start_us - 86_400_000_000)),
            "updated_at": timestamps(np.maximum(w.org_created[orgs], w.start_us - 86_400_000_000)),
        }
    )
