"""Alerting tables. alert_history = the alerts of each incident (triggered between the problem
start and the incident's creation, acknowledged with it, resolved with it), then background
noise alerts that auto-resolve or are suppressed."""

from __future__ import annotations

import numpy as np
import polars as pl

from wedsync_analytics.generate import pools as P
from wedsync_analytics.generate.columns import json_text, pg_array, pooled, timestamps
from wedsync_analytics.generate.rng import I64, Streams
from wedsync_analytics.generate.world import (
    ESCALATION_STEPS,
    MINUTE,
    SUPPLIER,
    World,
    ids,
)

CHANNEL_TYPES = ("email", "sms", "slack", "teams", "pagerduty", "webhook", "push", "voice")
CHANNELS = (
    ("Ops email", 0),
    ("On-call SMS", 1),
    ("#incidents Slack", 2),
    ("PagerDuty primary", 4),
    ("Status webhook", 5),
    ("Wedding-day voice", 7),
)
ALERT_STATUSES = ("triggered", "acknowledged", "resolved", "suppressed", "escalated")
_DAY = 86_400_000_000


def n_configs(w: World) -> int:
    return 2 * len(P.SERVICES) + 2 * w.s.suppliers


def _config_of_incident(w: World, j: I64, r: I64) -> I64:
    """Alert configuration index of alert r of incident j (platform or the supplier's own)."""
    inc = w.incidents
    platform = 2 * inc.service[j] + r % 2
    supplier_rank = inc.org[j] - 1
    return np.where(inc.org[j] == 0, platform, 2 * len(P.SERVICES) + 2 * supplier_rank + r % 2)


def notification_channels(w: World) -> pl.DataFrame:
    n = len(CHANNELS)
    created = w.start_us - 200 * _DAY
    return pl.DataFrame(
        {
            "id": ids(w.seed, "notification_channels", n),
            "channel_name": [c for c, _ in CHANNELS],
            "channel_type": pooled(CHANNEL_TYPES, np.array([t for _, t in CHANNELS]), enum=True),
            "configuration": [
                json_text({"target": c.lower().replace(" ", "-")}) for c, _ in CHANNELS
            ],
            "webhook_url": [
                f"https://hooks.wedsync.com/{i}" if t == 5 else None
                for i, (_, t) in enumerate(CHANNELS)
            ],
            "api_credentials_encrypted": pl.Series([None] * n, dtype=pl.String),
            "template_config": pl.Series(['{"template":"default"}'] * n),
            "rate_limit_config": pl.Series(['{"per_minute":30}'] * n),
            "wedding_emergency_override": [t in (1, 4, 7) for _, t in CHANNELS],
            "is_active": True,
            "last_used": timestamps(np.full(n, w.end_us - MINUTE)),
            "success_rate": [99.5, 98.2, 99.9, 99.99, 97.0, 95.5],
            "created_at": timestamps(np.full(n, created)),
            "updated_at": timestamps(np.full(n, created)),
        }
    )


def alert_configurations(w: World) -> pl.DataFrame:
    """Platform: error-rate and latency alerts per service; suppliers: two integration alerts."""
    n = n_configs(w)
    k = np.arange(n, dtype=np.int64)
    platform = k < 2 * len(P.SERVICES)
    supplier_rank = np.maximum(k - 2 * len(P.SERVICES), 0) // 2
    suppliers = np.flatnonzero(w.org_kind == SUPPLIER)
    org = np.where(platform, 0, suppliers[np.minimum(supplier_rank, len(suppliers) - 1)])
    svc = np.where(
        platform,
        k // 2,
        np.where(
            k % 2 == 0, P.SERVICES.index("payment-service"), P.SERVICES.index("calendar-service")
        ),
    )
    metric = k % 2
    threshold = np.where(metric == 0, 5.0, 1500.0)
    channel_ids = ids(w.seed, "notification_channels", len(CHANNELS)).to_list()
    chans = pg_array([channel_ids[2], channel_ids[3]])
    created = np.maximum(w.org_created[org], w.start_us - 150 * _DAY)
    return pl.DataFrame(
        {
            "id": ids(w.seed, "alert_configurations", n),
            "organization_id": w.org_id.gather(org),
            "alert_name": [
                f"{P.SERVICES[s]} {'error rate' if m == 0 else 'p95 latency'}"
                for s, m in zip(svc, metric, strict=True)
            ],
            "alert_type": pooled(("threshold", "anomaly"), metric, enum=True),
            "service_name": pooled(P.SERVICES, svc),
            "metric_name": pooled(("error_rate", "response_time_p95"), metric),
            "condition_type": pooled(("above_threshold",), np.zeros(n, np.int64), enum=True),
            "threshold_value": threshold,
            "base_threshold_value": threshold,
            "threshold_operator": pooled(("greater_than",), np.zeros(n, np.int64), enum=True),
            "time_window": pl.Series(["5 minutes"] * n),
            "evaluation_frequency": pl.Series(["1 minute"] * n),
            "wedding_season_adjustment": metric == 1,
            "weekend_escalation": True,
            "suppression_rules": pl.Series([None] * n, dtype=pl.String),
            "notification_channels": pl.Series([chans] * n),
            "escalation_policy_id": ids(w.seed, "escalation_policies", 4).gather(
                np.where(platform, 0, 2)
            ),
            "is_active": True,
            "created_by": w.user_id.gather(
                np.asarray(np.searchsorted(w.user_org, org), dtype=np.int64)
            ),
            "tags": pl.Series([pg_array(["generated"])] * n),
            "created_at": timestamps(created),
            "updated_at": timestamps(created),
        }
    )


def _alerts(w: World) -> dict[str, np.ndarray]:
    """All alert_history rows as arrays: incident alerts first, then noise."""
    inc = w.incidents
    per = 1 + (inc.severity >= 2) + (inc.severity >= 3)
    j = np.repeat(np.arange(inc.count), per)
    r = np.concatenate([np.arange(p) for p in per]) if len(per) else np.zeros(0, np.int64)
    s = Streams(w.seed, "alert_history")
    m = np.arange(len(j), dtype=np.int64)
    trig = inc.start[j] + (
        (inc.created[j] - inc.start[j]) * (0.3 + 0.6 * s["t"].uniform(m))
    ).astype(np.int64)
    ack_ok = inc.ack[j] < w.end_us
    ack = np.where(ack_ok, inc.ack[j] + s["a"].integers(m, 0, 60) * 1_000_000, -1)
    res = inc.resolved[j]
    status = np.where(res >= 0, 2, np.where(ack_ok, 1, np.where(inc.escalation[j] > 0, 4, 0)))
    cfg = _config_of_incident(w, j, r)
    # noise: short auto-resolving alerts on platform configurations, a third suppressed
    n_noise = round(w.s.days * (2 + w.s.organizations / 500))
    q = np.arange(n_noise, dtype=np.int64)
    nt = (
        w.grid.start_us
        + w.grid.random_hours(s["nh"].uniform(q)) * 3_600_000_000
        + (s["nm"].uniform(q) * 3_600_000_000).astype(np.int64)
    )
    nsup = s["ns"].uniform(q) < 0.33
    nres = nt + (1 + s["nd"].integers(q, 0, 10)) * MINUTE
    nres = np.where(nres < w.end_us, nres, -1)
    n_status = np.where(nsup, 3, np.where(nres >= 0, 2, 0))
    return {
        "j": np.r_[j, np.full(n_noise, -1)],
        "org": np.r_[inc.org[j], np.zeros(n_noise, np.int64)],
        "cfg": np.r_[cfg, s["nc"].integers(q, 0, 2 * len(P.SERVICES))],
        "trig": np.r_[trig, nt],
        "ack": np.r_[ack, np.full(n_noise, -1)],
        "res": np.r_[res, np.where(nsup, -1, nres)],
        "status": np.r_[status, n_status],
        "esc": np.r_[inc.escalation[j], np.zeros(n_noise, np.int64)],
        "suppressed": np.r_[np.zeros(len(j), bool), nsup],
        "policy": np.r_[inc.policy[j], np.zeros(n_noise, np.int64)],
    }


def _ts_or_null(v: np.ndarray) -> pl.Series:
    return pl.select(pl.when(pl.Series(v >= 0)).then(timestamps(np.maximum(v, 0)))).to_series()


def alert_history(w: World) -> pl.DataFrame:
    a = _alerts(w)
    n = len(a["j"])
    inc = w.incidents
    jj = np.maximum(a["j"], 0)
    s = Streams(w.seed, "alert_history")
    m = np.arange(n, dtype=np.int64)
    threshold = np.where(a["cfg"] % 2 == 0, 5.0, 1500.0)
    dur = np.where(a["res"] >= 0, (a["res"] - a["trig"]) // 1_000_000, -1)
    steps = np.array([np.cumsum(ESCALATION_STEPS[0]), np.cumsum(ESCALATION_STEPS[1])])
    last_esc = a["trig"] + steps[a["policy"], np.clip(a["esc"] - 1, 0, 2)] * MINUTE
    oncall = w.platform_users[s["who"].integers(m, 0, len(w.platform_users))]
    return pl.DataFrame(
        {
            "id": ids(w.seed, "alert_history", n),
            "organization_id": w.org_id.gather(a["org"]),
            "alert_configuration_id": ids(w.seed, "alert_configurations", n_configs(w)).gather(
                a["cfg"]
            ),
            "alert_status": pooled(ALERT_STATUSES, a["status"], enum=True),
            "triggered_at": timestamps(a["trig"]),
            "acknowledged_at": _ts_or_null(a["ack"]),
            "acknowledged_by": pl.select(
                pl.when(pl.Series(a["ack"] >= 0)).then(w.user_id.gather(oncall))
            ).to_series(),
            "resolved_at": _ts_or_null(a["res"]),
            "duration_seconds": pl.select(
                pl.when(pl.Series(dur >= 0)).then(pl.Series(dur))
            ).to_series(),
            "trigger_value": np.round(threshold * (1.2 + 2 * s["v"].uniform(m)), 4),
            "threshold_value": threshold,
            "context": [json_text({"incident": bool(j >= 0)}) for j in a["j"]],
            "incident_id": pl.select(
                pl.when(pl.Series(a["j"] >= 0)).then(inc.id.gather(jj))
            ).to_series(),
            "notifications_sent": np.where(a["suppressed"], 0, 1 + a["esc"]),
            "escalation_level": a["esc"],
            "last_escalated_at": _ts_or_null(np.where(a["esc"] > 0, last_esc, -1)),
            "suppressed": a["suppressed"],
            "suppression_reason": pl.select(
                pl.when(pl.Series(a["suppressed"])).then(pl.lit("maintenance window"))
            ).to_series(),
            "created_at": timestamps(a["trig"]),
        }
    )


def notification_queue(w: World) -> pl.DataFrame:
    """One sent notification per (alert, escalation level) of unsuppressed alerts."""
    a = _alerts(w)
    sent = np.where(a["suppressed"], 0, 1 + a["esc"])
    alert = np.repeat(np.arange(len(sent)), sent)
    level = np.concatenate([np.arange(c) for c in sent]) if len(sent) else alert
    n = len(alert)
    steps = np.array(
        [np.r_[0, np.cumsum(ESCALATION_STEPS[0])], np.r_[0, np.cumsum(ESCALATION_STEPS[1])]]
    )
    sched = a["trig"][alert] + steps[a["policy"][alert], np.minimum(level, 3)] * MINUTE
    channel = np.where(level == 0, 2, np.where(level == 1, 3, 1))
    j = a["j"][alert]
    attempts, failed, delay = _deliveries(w, sched, channel)
    done_at = sched + delay
    pending = ~failed & (done_at >= w.end_us)  # still being retried when the scenario ends
    status = np.where(failed, 3, np.where(pending, 1, 2))
    k = np.arange(n, dtype=np.int64)
    error = Streams(w.seed, "notification_queue")["error"].integers(k, 0, len(_DELIVERY_ERRORS))
    return pl.DataFrame(
        {
            "id": ids(w.seed, "notification_queue", n),
            "organization_id": w.org_id.gather(a["org"][alert]),
            "alert_id": ids(w.seed, "alert_history", len(sent)).gather(alert),
            "incident_id": pl.select(
                pl.when(pl.Series(j >= 0)).then(w.incidents.id.gather(np.maximum(j, 0)))
            ).to_series(),
            "escalation_level": level,
            "priority": pooled(("normal", "high", "urgent"), np.minimum(level, 2)),
            "channel_id": ids(w.seed, "notification_channels", len(CHANNELS)).gather(channel),
            "channel_type": pooled(
                CHANNEL_TYPES, np.array([t for _, t in CHANNELS])[channel], enum=True
            ),
            "targets": pl.Series(['["on-call"]'] * n),
            "payload": pl.Series(['{"kind":"alert"}'] * n),
            "status": pooled(("pending", "sending", "sent", "failed"), status),
            "attempts": attempts,
            "last_error": pl.select(
                pl.when(pl.Series(attempts > 1)).then(pooled(_DELIVERY_ERRORS, error))
            ).to_series(),
            "scheduled_at": timestamps(sched),
            "sent_at": pl.select(
                pl.when(pl.Series(status == 2)).then(timestamps(np.minimum(done_at, w.end_us - 1)))
            ).to_series(),
            "created_at": timestamps(sched),
        }
    )


# probability that one delivery attempt fails, per channel of CHANNELS (our estimates:
# chat and paging APIs rarely fail, SMS and voice carriers more often), and inside an
# incident of the provider's service (SMS/voice: messaging-service, Twilio; e-mail and
# webhooks: notification-service)
ATTEMPT_FAILURE = (0.02, 0.04, 0.01, 0.005, 0.03, 0.05)
OUTAGE_FAILURE = 0.5
MAX_ATTEMPTS = 3
RETRY_BACKOFF_US = (30_000_000, 120_000_000)  # after the 1st and the 2nd failure
_CHANNEL_SERVICE = ("notification-service", "messaging-service", "", "", "notification-service",
                    "messaging-service")  # fmt: skip
_DELIVERY_ERRORS = (
    "provider returned 503 Service Unavailable",
    "timeout after 10000 ms",
    "rate limited by provider (429)",
)


def _deliveries(w: World, sched: I64, channel: I64) -> tuple[I64, np.ndarray, I64]:
    """(attempts, finally failed, delay of the successful attempt) per notification: each
    attempt fails independently; a failure is retried after a backoff, up to MAX_ATTEMPTS."""
    s = Streams(w.seed, "notification_queue")
    k = np.arange(len(sched), dtype=np.int64)
    p = np.asarray(ATTEMPT_FAILURE)[channel]
    svc = np.array([P.SERVICES.index(x) if x else -1 for x in _CHANNEL_SERVICE])[channel]
    j = w.active_incident(sched, np.maximum(svc, 0))
    outage = (svc >= 0) & (j >= 0) & (w.incidents.service[np.maximum(j, 0)] == svc)
    p = np.where(outage, OUTAGE_FAILURE, p)
    attempts = np.ones(len(k), np.int64)
    ok = s["try0"].uniform(k) >= p
    for a in range(1, MAX_ATTEMPTS):
        retry = ~ok
        attempts += retry
        ok |= retry & (s[f"try{a}"].uniform(k) >= p)
    backoff = np.r_[0, np.cumsum(RETRY_BACKOFF_US)]
    delay = backoff[attempts - 1] + 2_000_000
    return attempts, ~ok, delay.astype(np.int64)


def suppression_rules(w: World) -> pl.DataFrame:
    """Weekly maintenance silences for the platform and a few suppliers."""
    s = Streams(w.seed, "suppression_rules")
    suppliers = np.flatnonzero(w.org_kind == SUPPLIER)
    orgs = np.r_[0, suppliers[s["p"].uniform(suppliers) < 0.05]]
    n = len(orgs)
    starts = np.maximum(w.org_created[orgs], w.start_us - 7 * _DAY) + np.arange(n) * MINUTE
    return pl.DataFrame(
        {
            "id": ids(w.seed, "suppression_rules", n),
            "organization_id": w.org_id.gather(orgs),
            "rule_name": pl.Series(["Weekly maintenance window"] * n),
            "alert_configuration_id": pl.Series([None] * n, dtype=pl.String),
            "service_name": pl.Series(["api-gateway"] * n),
            "matchers": pl.Series(['{"env":"production"}'] * n),
            "starts_at": timestamps(starts),
            "ends_at": timestamps(starts + 400 * _DAY),
            "recurrence": pl.Series(['{"weekday":2,"start":"02:00","minutes":60}'] * n),
            "timezone": pl.Series([w.market.timezone] * n),
            "reason": pl.Series(["database maintenance"] * n),
            "applies_to_wedding_emergencies": False,
            "is_active": True,
            "created_by": w.user_id.gather(
                np.asarray(np.searchsorted(w.user_org, orgs), dtype=np.int64)
            ),
            "created_at": timestamps(starts),
            "updated_at": timestamps(starts),
        }
    )


def escalation_contacts(w: World) -> pl.DataFrame:
    """Platform on-call engineers and one contact per supplier."""
    users = np.r_[
        w.platform_users, np.searchsorted(w.user_org, np.flatnonzero(w.org_kind == SUPPLIER))
    ]
    n = len(users)
    org = w.user_org[users]
    s = Streams(w.seed, "escalation_contacts")
    k = np.arange(n, dtype=np.int64)
    names = w.pools.person_names
    created = np.maximum(w.user_created[users], w.start_us - 30 * _DAY)
    return pl.DataFrame(
        {
            "id": ids(w.seed, "escalation_contacts", n),
            "organization_id": w.org_id.gather(org),
            "escalation_policy_id": ids(w.seed, "escalation_policies", 4).gather(
                np.where(org == 0, 0, 2)
            ),
            "user_id": w.user_id.gather(users),
            "contact_name": pooled(names, users % len(names)),
            "contact_role": pooled(("on-call engineer", "owner"), (org != 0).astype(np.int64)),
            "email": pooled(w.pools.emails_local, users % len(w.pools.emails_local))
            + "@example.com",
            "phone": pl.Series([f"+1555{int(v):07d}" for v in s["ph"].integers(k, 0, 10**7)]),
            "preferred_channel": pooled(CHANNEL_TYPES, np.where(org == 0, 4, 0), enum=True),
            "escalation_level": 1 + k % 3,
            "available_weekends": s["wk"].uniform(k) < 0.7,
            "wedding_day_contact": org != 0,
            "timezone": pl.Series([w.market.timezone] * n),
            "is_active": True,
            "created_at": timestamps(created),
            "updated_at": timestamps(created),
        }
    )
