"""Performance tables: performance_metrics, core_web_vitals, api_performance,
database_performance, user_journey_performance. Latencies degrade inside incident windows."""

from __future__ import annotations

import numpy as np
import polars as pl

from wedsync_analytics.generate import pools as P
from wedsync_analytics.generate.columns import json_text, pooled, rounded, timestamps
from wedsync_analytics.generate.events import (
    base,
    endpoint_choice,
    endpoints,
    ingest_lag,
    services,
)
from wedsync_analytics.generate.world import World

METRIC_TYPES = (
    "response_time",
    "throughput",
    "error_rate",
    "cpu_usage",
    "memory_usage",
    "database_query_time",
    "core_web_vitals",
    "user_journey_time",
)
METRIC_WEIGHTS = (0.35, 0.08, 0.08, 0.08, 0.08, 0.15, 0.10, 0.08)
METRIC_UNITS = ("ms", "rpm", "percent", "percent", "percent", "ms", "ms", "ms")
# metric types measured per request (have a user and an endpoint)
_PER_REQUEST = np.array([True, False, False, False, False, True, True, True])
# value of each metric type from (standard normal, degradation factor, relative traffic)
_METRIC_VALUE = (
    lambda z, d, t: 180.0 * np.exp(0.6 * z) * d,
    lambda z, d, t: 1200.0 * t * np.exp(0.2 * z),
    lambda z, d, t: np.minimum(0.4 * np.exp(0.5 * z) * d**2, 100.0),
    lambda z, d, t: np.clip(35 + 10 * z * d, 1, 100),
    lambda z, d, t: np.clip(55 + 8 * z, 5, 100),
    lambda z, d, t: 25.0 * np.exp(0.9 * z) * d,
    lambda z, d, t: 1800.0 * np.exp(0.45 * z) * np.sqrt(d),
    lambda z, d, t: 45_000.0 * np.exp(0.5 * z) * d,
)
# share of a tenant's gateway requests refused with HTTP 429, growing with tenant size
RATE_LIMIT_BASE = 0.002
_LOAD_POOL = [
    json_text(
        {
            "cpu_pct": 20 + (i * 7) % 70,
            "mem_pct": 40 + (i * 11) % 50,
            "db_connections": 10 + (i * 13) % 90,
            "region": ("us-east-1", "eu-west-2")[i % 2],
            "instance": f"web-{i % 8}",
        }
    )
    for i in range(64)
]


def performance_metrics(w: World, start: int, stop: int, total: int) -> pl.DataFrame:
    """One row per measurement."""
    b = base(w, "performance_metrics", start, stop, total)
    mt = b.s("metric_type").choice(b.idx, METRIC_WEIGHTS)
    ep, svc = endpoint_choice(b)
    deg = w.degradation(b.ts, svc)
    z = b.s("value").normal(b.idx)
    traffic = w.grid.weight[b.hour] / w.grid.weight.mean()
    value = np.empty(b.n)
    for t, f in enumerate(_METRIC_VALUE):
        sel = np.flatnonzero(mt == t)
        value[sel] = f(z[sel], deg[sel], traffic[sel])
    per_request = _PER_REQUEST[mt]
    return pl.DataFrame(
        {
            "id": b.ids(),
            "organization_id": b.org_ids(),
            "metric_type": pooled(METRIC_TYPES, mt, enum=True),
            "service_name": services(svc),
            "endpoint_path": pl.select(
                pl.when(pl.Series(per_request)).then(endpoints(ep))
            ).to_series(),
            "metric_value": rounded(value, 3, 9_999_999.0),
            "metric_unit": pooled(METRIC_UNITS, mt),
            "user_id": b.user_ids(per_request),
            "session_id": b.sessions(),
            "device_type": b.devices(),
            "connection_type": b.connections(),
            "user_segment": b.segments(),
            "wedding_context": b.context(),
            "system_load_context": pooled(
                _LOAD_POOL, b.s("load").integers(b.idx, 0, len(_LOAD_POOL))
            ),
            "timestamp": b.times(),
            "created_at": b.times(ingest_lag(b)),
        }
    )


def api_performance(w: World, start: int, stop: int, total: int) -> pl.DataFrame:
    """One row per API request."""
    b = base(w, "api_performance", start, stop, total)
    ep, svc = endpoint_choice(b)
    j = w.active_incident(b.ts, svc)
    deg = w.degradation(b.ts, svc)
    rt = b.s("rt").lognormal(b.idx, 140.0, 0.7) * deg
    err_p = np.where(j >= 0, 0.25, 0.008)
    failed = b.u("fail") < err_p
    status = np.where(
        failed, np.where(b.u("code") < 0.7, 503, 500), np.where(b.u("code") < 0.03, 404, 200)
    )
    # the gateway rate-limits busy tenants (HTTP 429, as error_reports' RateLimitError)
    p429 = np.minimum(RATE_LIMIT_BASE * (1.0 + w.org_size[b.org] / 20.0), 0.05)
    limited = (svc == P.SERVICES.index("api-gateway")) & (b.u("limit") < p429) & ~failed
    status = np.where(limited, 429, status)
    rt = np.where(limited, rt * 0.05, rt)
    method = b.s("method").choice(b.idx, (0.62, 0.25, 0.06, 0.05, 0.02))
    return pl.DataFrame(
        {
            "id": b.ids(),
            "organization_id": b.org_ids(),
            "service_name": services(svc),
            "endpoint_path": endpoints(ep),
            "http_method": pooled(P.HTTP_METHODS, method),
            "status_code": pl.Series(status, dtype=pl.Int16),
            "response_time_ms": rounded(rt, 3, 9_999_999.0),
            "db_time_ms": rounded(rt * (0.1 + 0.5 * b.u("db")), 3, 9_999_999.0),
            "request_size_bytes": (b.s("req").lognormal(b.idx, 600.0, 1.0)).astype(np.int64),
            "response_size_bytes": (b.s("resp").lognormal(b.idx, 4000.0, 1.2)).astype(np.int64),
            "user_id": b.user_ids(),
            "session_id": b.sessions(),
            "device_type": b.devices(),
            "wedding_context": b.context(),
            "recorded_at": b.times(),
            "created_at": b.times(ingest_lag(b)),
        }
    )


QUERIES = (
    ("booking-service", "SELECT * FROM bookings WHERE supplier_id = $1 AND wedding_date >= $2"),
    ("booking-service", "UPDATE bookings SET status = $1 WHERE id = $2"),
    (
        "search-service",
        "SELECT id, name FROM suppliers WHERE region = $1 ORDER BY rating DESC LIMIT $2",
    ),
    ("messaging-service", "INSERT INTO messages (thread_id, body) VALUES ($1, $2)"),
    ("messaging-service", "SELECT * FROM messages WHERE thread_id = $1 ORDER BY created_at"),
    ("payment-service", "SELECT * FROM invoices WHERE organization_id = $1 AND status = $2"),
    (
        "calendar-service",
        "SELECT * FROM events WHERE calendar_id = $1 AND starts_at BETWEEN $2 AND $3",
    ),
    ("forms-service", "SELECT * FROM form_responses WHERE form_id = $1"),
    ("media-service", "SELECT * FROM photos WHERE gallery_id = $1 LIMIT $2"),
    ("auth-service", "SELECT * FROM sessions WHERE token_hash = $1"),
)
_WAITS = ("", "Lock:transactionid", "IO:DataFileRead", "LWLock:BufferMapping", "Client:ClientRead")


def database_performance(w: World, start: int, stop: int, total: int) -> pl.DataFrame:
    """One row per sampled query statistic."""
    b = base(w, "database_performance", start, stop, total)
    q = b.s("query").integers(b.idx, 0, len(QUERIES))
    svc = np.array([P.SERVICES.index(s) for s, _ in QUERIES])[q]
    deg = w.degradation(b.ts, svc)
    exe = b.s("exe").lognormal(b.idx, 4.0, 1.1) * deg
    slow = exe > 250
    wait = np.where(deg > 1, b.s("wait").integers(b.idx, 1, len(_WAITS)), 0)
    fp = pl.Series([f"{0x5A17 + i * 7919:016x}" for i in range(len(QUERIES))])
    return pl.DataFrame(
        {
            "id": b.ids(),
            "organization_id": b.org_ids(),
            "service_name": services(svc),
            "database_name": pl.Series(["wedsync"] * b.n),
            "query_fingerprint": fp.gather(q),
            "query_text": pooled([t for _, t in QUERIES], q),
            "calls": 1 + b.s("calls").integers(b.idx, 0, 50),
            "execution_time_ms": rounded(exe, 3, 999_999_999.0),
            "rows_examined": b.s("rows").lognormal(b.idx, 200.0, 1.5).astype(np.int64),
            "rows_returned": b.s("ret").lognormal(b.idx, 20.0, 1.0).astype(np.int64),
            "lock_wait_ms": rounded(np.where(wait == 1, exe * 0.4, 0.0), 3, 999_999_999.0),
            "wait_event": pl.select(
                pl.when(pl.Series(wait > 0)).then(pooled(_WAITS, wait))
            ).to_series(),
            "is_slow_query": slow,
            "explain_plan": pl.select(
                pl.when(pl.Series(slow)).then(
                    pl.lit('{"plan":{"Node Type":"Seq Scan","Total Cost":1840.5}}')
                )
            ).to_series(),
            "wedding_context": b.context(),
            "recorded_at": b.times(),
            "created_at": b.times(ingest_lag(b)),
        }
    )


JOURNEYS = (
    ("book_supplier", ("search", "view_profile", "send_enquiry", "confirm")),
    ("send_rsvp", ("open_invite", "fill_form", "submit")),
    ("create_invoice", ("open_client", "add_items", "preview", "send")),
    ("build_timeline", ("open_timeline", "add_event", "share")),
    ("upload_gallery", ("select_photos", "upload", "publish")),
)
_JOURNEY_STEP_JSON = [
    json_text([{"step": s, "position": i + 1} for i, s in enumerate(steps)])
    for _, steps in JOURNEYS
]


def user_journey_performance(w: World, start: int, stop: int, total: int) -> pl.DataFrame:
    """One row per user journey; some are abandoned, more so during incidents."""
    b = base(w, "user_journey_performance", start, stop, total)
    jn = b.s("journey").integers(b.idx, 0, len(JOURNEYS))
    n_steps = np.array([len(s) for _, s in JOURNEYS])[jn]
    deg = w.degradation(b.ts)
    abandon = b.u("abandon") < np.where(deg > 1, 0.45, 0.12)
    at = (b.u("at") * (n_steps - 1)).astype(np.int64)
    step_names = [s for _, steps in JOURNEYS for s in steps]
    offsets = np.concatenate([[0], np.cumsum([len(s) for _, s in JOURNEYS])])[:-1]
    # a journey is stored when it ends, so it ends before the scenario does
    room_ms = (w.end_us - 2 - b.ts) / 1000
    dur = np.minimum(b.s("dur").lognormal(b.idx, 40_000.0, 0.6) * deg, room_ms)
    dur_us = (dur * 1000).astype(np.int64)
    return pl.DataFrame(
        {
            "id": b.ids(),
            "organization_id": b.org_ids(),
            "user_id": b.user_ids(),
            "session_id": b.sessions(),
            "journey_name": pooled([n for n, _ in JOURNEYS], jn),
            "journey_steps": pooled(_JOURNEY_STEP_JSON, jn),
            "step_count": np.where(abandon, at + 1, n_steps),
            "completed": ~abandon,
            "abandoned_at_step": pl.select(
                pl.when(pl.Series(abandon)).then(pooled(step_names, offsets[jn] + at))
            ).to_series(),
            "error_count": np.where(deg > 1, b.s("err").integers(b.idx, 0, 4), 0),
            "started_at": b.times(),
            "completed_at": pl.select(
                pl.when(pl.Series(~abandon)).then(timestamps(b.ts + dur_us))
            ).to_series(),
            "total_duration_ms": rounded(np.where(abandon, dur * 0.5, dur), 3, 999_999_999.0),
            "device_type": b.devices(),
            "connection_type": b.connections(),
            "user_segment": b.segments(),
            "wedding_context": b.context(),
            "created_at": b.times(ingest_lag(b, dur_us)),
        }
    )
