"""Tenants and operations: auth.users, organizations, user_profiles, monitoring_integrations,
third_party_services, system_maintenance_logs, system_health_checks (failing during incidents)."""

from __future__ import annotations

import numpy as np
import polars as pl

from wedsync_analytics.generate import pools as P
from wedsync_analytics.generate.columns import json_text, pooled, timestamps, uuid7
from wedsync_analytics.generate.rng import Streams
from wedsync_analytics.generate.world import PLATFORM, SUPPLIER, World, ids

_DAY = 86_400_000_000
_MIN = 60_000_000
HEALTH_INTERVAL_MIN = {"tiny": 60, "small": 30, "season": 10, "peak": 10}
CHECKS = (
    *((s, "http_endpoint") for s in P.SERVICES),
    ("booking-service", "database_connection"),
    ("notification-service", "queue_health"),
)


def users(w: World) -> pl.DataFrame:
    n = w.n_users
    k = np.arange(n)
    local = w.pools.emails_local
    email = pooled(local, k % len(local)) + "." + pl.Series(k).cast(pl.String) + "@example.com"
    kind = w.org_kind[w.user_org]
    return pl.DataFrame(
        {
            "id": w.user_id,
            "email": email,
            "raw_app_meta_data": pooled(['{"provider":"email"}'], np.zeros(n, np.int64)),
            "raw_user_meta_data": pooled(
                [json_text({"kind": x}) for x in ("staff", "supplier", "couple")], kind
            ),
            "created_at": timestamps(w.user_created),
            "updated_at": timestamps(w.user_created),
        }
    )


def organizations(w: World) -> pl.DataFrame:
    n = w.n_orgs
    kind = w.org_kind
    sur = w.pools.company_names
    firsts = w.pools.first_names
    names = []
    for i in range(n):
        if kind[i] == PLATFORM:
            names.append("WedSync Platform Operations")
        elif kind[i] == SUPPLIER:
            names.append(f"{sur[i % len(sur)]} {P.SUPPLIER_KINDS[i % len(P.SUPPLIER_KINDS)]}")
        else:
            names.append(
                f"{firsts[i % len(firsts)]} & {firsts[(i * 7 + 3) % len(firsts)]}'s wedding"
            )
    slugs = [
        f"{nm.lower().replace(' ', '-').replace('&', 'and').replace(chr(39), '')}-{i}"
        for i, nm in enumerate(names)
    ]
    return pl.DataFrame(
        {
            "id": w.org_id,
            "name": names,
            "slug": [s[:100] for s in slugs],
            "timezone": pl.Series([w.market.timezone] * n),
            "created_at": timestamps(w.org_created),
            "updated_at": timestamps(w.org_created),
        }
    )


def user_profiles(w: World) -> pl.DataFrame:
    n = w.n_users
    kind = w.org_kind[w.user_org]
    first = w.user_first
    staff_roles = np.array([4, 3, 3, 2, 3, 1, 3, 2])  # admin, on_call..., support, devops
    pos = np.arange(n) - np.searchsorted(w.user_org, w.user_org)
    role = np.where(
        kind == PLATFORM,
        staff_roles[np.minimum(pos, 7)],
        np.where(first & (kind == SUPPLIER), 4, 0),
    )
    names = w.pools.person_names
    return pl.DataFrame(
        {
            "id": ids(w.seed, "user_profiles", n),
            "user_id": w.user_id,
            "organization_id": w.org_id.gather(w.user_org),
            "app_role": pooled(
                ("member", "support", "devops", "on_call", "admin"), role, enum=True
            ),
            "display_name": pooled(names, np.arange(n) % len(names)),
            "email": users(w)["email"],
            "is_active": True,
            "created_at": timestamps(w.user_created),
            "updated_at": timestamps(w.user_created),
        }
    )


_INTEGRATIONS = (
    ("Sentry", "error_tracking"),
    ("Datadog", "apm"),
    ("PagerDuty", "incident_management"),
    ("Better Uptime", "uptime"),
    ("PostHog", "analytics"),
)


def monitoring_integrations(w: World) -> pl.DataFrame:
    n = len(_INTEGRATIONS)
    t = np.full(n, w.start_us - 200 * _DAY)
    return pl.DataFrame(
        {
            "id": ids(w.seed, "monitoring_integrations", n),
            "service_name": [a for a, _ in _INTEGRATIONS],
            "integration_type": pl.Series([b for _, b in _INTEGRATIONS]),
            "configuration": [json_text({"project": a.lower()}) for a, _ in _INTEGRATIONS],
            "credentials_encrypted": pl.Series([None] * n, dtype=pl.String),
            "webhook_endpoints": pl.Series(['["https://hooks.wedsync.com/monitoring"]'] * n),
            "data_sync_enabled": True,
            "last_sync_at": timestamps(np.full(n, w.end_us - 5 * _MIN)),
            "sync_status": pl.Series(["healthy"] * n),
            "is_active": True,
            "created_at": timestamps(t),
            "updated_at": timestamps(t),
        }
    )


_THIRD = (  # (provider, type, wedding critical, our service that depends on it)
    ("Stripe", "payment", True, "payment-service"),
    ("Twilio", "sms", True, "messaging-service"),
    ("SendGrid", "email", True, "notification-service"),
    ("Google Calendar", "calendar", False, "calendar-service"),
    ("AWS S3", "storage", True, "media-service"),
    ("Auth0", "authentication", True, "auth-service"),
    ("Mapbox", "maps", False, ""),
    ("Zoom", "video", False, ""),
    ("HubSpot", "crm", False, ""),
    ("PostHog", "analytics", False, ""),
)
# share of an incident's window counted as the provider's downtime, by incident severity
_DOWNTIME_WEIGHT = (0.05, 0.1, 0.5, 1.0, 1.0)
_SERVICE_STATUS = ("operational", "degraded", "partial_outage", "major_outage")


def third_party_services(w: World) -> pl.DataFrame:
    """Providers as seen at the scenario's end: an incident of the dependent service still
    open then makes the provider degraded (low/medium), partial_outage (high) or
    major_outage (critical); uptime counts the incident windows of the scenario."""
    n = len(_THIRD)
    s = Streams(w.seed, "third_party_services")
    k = np.arange(n, dtype=np.int64)
    t = np.full(n, w.start_us - 200 * _DAY)
    inc = w.incidents
    check = w.end_us - _MIN
    status = np.zeros(n, np.int64)
    uptime = np.full(n, 100.0)
    for i, (_, _, _, svc) in enumerate(_THIRD):
        if not svc:
            continue
        mine = inc.service == P.SERVICES.index(svc)
        window = (np.minimum(inc.end, w.end_us) - inc.start)[mine]
        down = (window * np.asarray(_DOWNTIME_WEIGHT)[inc.severity[mine]]).sum()
        uptime[i] = 100.0 * (1.0 - down / (w.end_us - w.start_us))
        live = mine & (inc.start <= check) & (check < inc.end)
        if live.any():
            status[i] = (1, 1, 2, 3, 3)[int(inc.severity[live].max())]
    base = s["rt"].integers(k, 40, 400)
    return pl.DataFrame(
        {
            "id": ids(w.seed, "third_party_services", n),
            "service_name": [a for a, _, _, _ in _THIRD],
            "service_type": pl.Series([b for _, b, _, _ in _THIRD]),
            "api_endpoint": [
                f"https://api.{a.lower().replace(' ', '')}.com" for a, _, _, _ in _THIRD
            ],
            "health_check_endpoint": [
                f"https://status.{a.lower().replace(' ', '')}.com" for a, _, _, _ in _THIRD
            ],
            "current_status": pooled(_SERVICE_STATUS, status),
            "last_health_check": timestamps(np.full(n, check)),
            "response_time_ms": (base * np.array([1, 3, 8, 20])[status]).astype(np.int64),
            "uptime_percentage": np.round(np.maximum(uptime, 0.0), 2),
            "wedding_critical": [c for _, _, c, _ in _THIRD],
            "fallback_available": k % 2 == 0,
            "created_at": timestamps(t),
            "updated_at": timestamps(t),
        }
    )


def system_maintenance_logs(w: World) -> pl.DataFrame:
    """A nightly retention run per day (03:00 UTC)."""
    n = w.s.days
    t = w.start_us + np.arange(n) * _DAY + 3 * 3_600_000_000
    s = Streams(w.seed, "system_maintenance_logs")
    return pl.DataFrame(
        {
            "id": ids(w.seed, "system_maintenance_logs", n),
            "activity_type": pl.Series(["monitoring_data_cleanup"] * n),
            "status": pl.Series(["completed"] * n),
            "records_affected": s["n"].integers(np.arange(n), 0, 5000),
            "details": pl.Series(['{"retention_days":90}'] * n),
            "as_of": timestamps(t),
            "started_at": timestamps(t),
            "completed_at": timestamps(t + 2_000_000),
            "performed_by": pl.Series(["postgres"] * n),
            "created_at": timestamps(t),
        }
    )


def health_count(w: World) -> int:
    interval = HEALTH_INTERVAL_MIN.get(w.s.scale, 30) * _MIN
    return len(CHECKS) * int((w.end_us - w.start_us) // interval)


def system_health_checks(w: World, start: int, stop: int, total: int) -> pl.DataFrame:
    """Checks of the platform on a fixed schedule; failing inside incident windows."""
    interval = HEALTH_INTERVAL_MIN.get(w.s.scale, 30) * _MIN
    idx = np.arange(start, stop, dtype=np.int64)
    s = Streams(w.seed, "system_health_checks")
    check = idx % len(CHECKS)
    slot = idx // len(CHECKS)
    ts = w.start_us + slot * interval + check * 2_000_000
    svc = np.array([P.SERVICES.index(a) for a, _ in CHECKS])[check]
    j = w.active_incident(ts, svc)
    inc = w.incidents
    jj = np.maximum(j, 0)
    failing = j >= 0
    flap = ~failing & (s["flap"].uniform(idx) < 0.003)
    status = np.where(failing, np.where(inc.severity[jj] >= 2, 2, 1), np.where(flap, 1, 0))
    since = np.where(failing, (ts - inc.start[jj]) // interval + 1, np.where(flap, 1, 0))
    last_ok = ts - since * interval
    deg = w.degradation(ts, svc)
    rt = (s["rt"].lognormal(idx, 80.0, 0.4) * deg).astype(np.int64)
    bad = status > 0
    types = (
        "http_endpoint",
        "database_connection",
        "third_party_api",
        "queue_health",
        "disk_space",
        "memory_usage",
    )
    return pl.DataFrame(
        {
            "id": uuid7(ts, s["id"].bits(idx)),
            "organization_id": w.org_id.gather(np.zeros(len(idx), np.int64)),
            "check_name": pooled([f"{a} {b}" for a, b in CHECKS], check),
            "service_name": pooled(P.SERVICES, svc),
            "check_type": pooled(
                types, np.array([types.index(b) for _, b in CHECKS])[check], enum=True
            ),
            "status": pooled(("healthy", "degraded", "unhealthy", "unknown"), status, enum=True),
            "response_time_ms": rt,
            "error_message": pl.select(
                pl.when(pl.Series(bad)).then(
                    pooled(("", "latency above threshold", "endpoint returned 503"), status)
                )
            ).to_series(),
            "check_details": pooled(['{"region":"primary"}'], np.zeros(len(idx), np.int64)),
            "wedding_critical": np.isin(svc, [2, 3, 5]),
            "last_success": timestamps(last_ok),
            "consecutive_failures": since,
            "created_at": timestamps(ts),
        }
    )
