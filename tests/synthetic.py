"""Tests only: small hand-shaped datasets for the tables the analyses read.

The real generator makes realistic data; these make awkward data on purpose: NULLs,
ties, empty groups, rows exactly on window edges, a leap day and DST-change instants,
malformed page URLs, users in both funnels. They are loaded with the real loader's
COPY encoding (`load.to_csv`), into the same tables the generator fills.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import psycopg
from psycopg import sql

from wedsync_analytics.funnels import FUNNELS
from wedsync_analytics.generate.tables import table
from wedsync_analytics.load import qualified, to_csv

ORG_ID = "00000000-0000-4000-8000-000000000001"
SERVICES = ("api", "booking", "payments", "search")
STEP_NAMES = [step for steps in FUNNELS.values() for step in steps]
FIRST_STEPS = [steps[0] for steps in FUNNELS.values()]
INTERESTING = (  # instants the windows and calendars find awkward
    datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=UTC),  # leap day
    datetime(2024, 3, 31, 0, 59, 59, tzinfo=UTC),  # before EU DST start
    datetime(2024, 3, 31, 1, 0, 0, tzinfo=UTC),  # EU DST start
    datetime(2024, 10, 27, 1, 0, 0, tzinfo=UTC),  # EU DST end
    datetime(2024, 6, 15, 23, 30, tzinfo=UTC),  # Saturday UTC, Sunday in London
)


def insert_frame(conn: psycopg.Connection, name: str, frame: pl.DataFrame) -> int:
    """COPY `frame` into the generated table `name` (columns by name) as the loader does."""
    if frame.height == 0:
        return 0
    query = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv)").format(
        qualified(table(name)), sql.SQL(", ").join(map(sql.Identifier, frame.columns))
    )
    with conn.cursor() as cur, cur.copy(query) as copy:
        copy.write(to_csv(frame))
    return frame.height


def ensure_base(conn: psycopg.Connection, users: Sequence[str]) -> None:
    """The organization and auth.users rows that foreign keys need."""
    conn.execute(
        "INSERT INTO public.organizations (id, name) VALUES (%s, 'Test Weddings') "
        "ON CONFLICT (id) DO NOTHING",
        (ORG_ID,),
    )
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO auth.users (id) VALUES (%s) ON CONFLICT (id) DO NOTHING",
            [(u,) for u in users],
        )


def user_ids(n: int) -> list[str]:
    return [str(uuid.UUID(int=(1 << 62) + i, version=4)) for i in range(n)]


def _times(rng: np.random.Generator, as_of: datetime, n: int, span: timedelta) -> list[datetime]:
    """Mostly uniform in (as_of - span, as_of + 1h), with window edges and odd instants."""
    edges = [
        as_of,
        as_of - timedelta(hours=24),
        as_of - timedelta(hours=1),
        as_of - timedelta(microseconds=1),
        *INTERESTING,
    ]
    out = []
    for _ in range(n):
        if rng.random() < 0.15:
            out.append(edges[int(rng.integers(len(edges)))])
        else:
            out.append(as_of - span * float(rng.random()) + timedelta(minutes=30))
    return [
        t.replace(microsecond=(t.microsecond // 1000) * 1000) if rng.random() < 0.5 else t
        for t in out
    ]


def _pick(
    rng: np.random.Generator, values: Sequence[object], n: int, null_share: float = 0.0
) -> list[object]:
    return [
        None if rng.random() < null_share else values[int(rng.integers(len(values)))]
        for _ in range(n)
    ]


def random_dataset(seed: int, as_of: datetime, n: int = 200) -> dict[str, pl.DataFrame]:
    """Rows for every table the analyses read; small pools of values make ties likely."""
    rng = np.random.default_rng(seed)
    users = user_ids(max(3, min(n // 10, 1000)))
    ts = pl.Datetime("us", "UTC")
    vals = [0.0, 1.5, 1.5, 12.25, 100.0, 2500.0, 2500.0, 4000.5, 9999.999]
    contexts = [
        '{"is_weekend": true, "is_wedding_season": true}',
        '{"is_weekend": false, "is_wedding_season": "true"}',
        "{}",
        None,
        "[1, 2]",
    ]
    perf = pl.DataFrame(
        {
            "organization_id": [ORG_ID] * n,
            "metric_type": _pick(rng, ["response_time", "cpu_usage", "error_rate"], n),
            "service_name": _pick(rng, SERVICES, n),
            "metric_value": _pick(rng, vals, n),
            "metric_unit": ["ms"] * n,
            "wedding_context": _pick(rng, contexts, n),
            "timestamp": _times(rng, as_of, n, timedelta(hours=30)),
        },
        schema_overrides={"timestamp": ts, "metric_value": pl.Decimal(10, 3)},
    )
    errors = pl.DataFrame(
        {
            "organization_id": [ORG_ID] * n,
            "error_type": _pick(rng, ["timeout", "validation", "db"], n),
            "severity": _pick(rng, ["low", "medium", "critical"], n),
            "service_name": _pick(rng, SERVICES, n),
            "error_message": _pick(rng, ["boom", "timeout after 3000 ms"], n),
            "fingerprint": _pick(rng, ["fp1", "fp2"], n),
            "correlation_id": _pick(
                rng, [str(uuid.UUID(int=i + 7, version=4)) for i in range(4)], n, 0.3
            ),
            "occurrence_count": _pick(rng, [1, 1, 2, 7], n),
            "wedding_context": _pick(rng, contexts, n),
            "created_at": _times(rng, as_of, n, timedelta(days=9)),
        },
        schema_overrides={"created_at": ts},
    )
    health = pl.DataFrame(
        {
            "organization_id": [ORG_ID] * n,
            "check_name": ["ping"] * n,
            "service_name": _pick(rng, SERVICES, n),
            "check_type": _pick(rng, ["http_endpoint", "database_connection"], n),
            "status": _pick(rng, ["healthy", "degraded", "unhealthy", "unknown"], n),
            "response_time_ms": _pick(rng, [5, 5, 120, 3000], n, 0.2),
            "last_success": [
                t - timedelta(minutes=3) if rng.random() > 0.3 else None
                for t in _times(rng, as_of, n, timedelta(hours=2))
            ],
            "consecutive_failures": _pick(rng, [0, 0, 1, 4], n),
            "created_at": _times(rng, as_of, n, timedelta(hours=2)),
        },
        schema_overrides={"created_at": ts, "last_success": ts},
    )
    events = pl.DataFrame(
        {
            "event_type": ["funnel"] * n,
            "event_name": ["step"] * n,
            "user_id": _pick(rng, users, n, 0.1),
            "organization_id": [ORG_ID] * n,
            "wedding_context": _pick(rng, contexts, n),
            "conversion_value": _pick(rng, [None, 0.0, 10.5, 99.99], n),
            "funnel_step": _pick(rng, [*STEP_NAMES, *FIRST_STEPS, "other"], n, 0.1),
            "event_timestamp": _times(rng, as_of, n, timedelta(days=40)),
        },
        schema_overrides={"event_timestamp": ts, "conversion_value": pl.Decimal(10, 2)},
    )
    created = _times(rng, as_of, n, timedelta(days=35))
    incidents = pl.DataFrame(
        {
            "organization_id": [ORG_ID] * n,
            "title": ["incident"] * n,
            "severity": _pick(rng, ["low", "high", "wedding_day_emergency"], n),
            "priority": _pick(rng, ["p1", "p3"], n),
            "wedding_impact": _pick(rng, ["none", "high"], n),
            "auto_created": _pick(rng, [True, False], n),
            "escalation_level": _pick(rng, [0, 0, 2], n),
            "created_at": created,
            "acknowledged_at": [
                c + timedelta(seconds=int(rng.integers(0, 4000))) if rng.random() > 0.2 else None
                for c in created
            ],
            "resolved_at": [
                c + timedelta(hours=float(rng.integers(0, 72))) if rng.random() > 0.3 else None
                for c in created
            ],
        },
        schema_overrides={"created_at": ts, "acknowledged_at": ts, "resolved_at": ts},
    )
    urls = [
        "https://app.wedsync.io/suppliers/42?x=1",
        "/dashboard",
        "/",
        "weird",
        "/a/b#c",
        "https://app.wedsync.io?next=/admin/x",  # query right after the host -> '/'
        "https://app.wedsync.io#/dashboard",  # fragment right after the host -> '/'
        "https://app.wedsync.io",  # no path -> '/'
        "/suppliers?next=/admin",
        "/?tab=/x",
        "//cdn.wedsync.io/img/1.png",  # scheme-relative -> '/img'
        "a/b",  # relative -> '/'
    ]
    vitals = pl.DataFrame(
        {
            "organization_id": [ORG_ID] * n,
            "session_id": ["s"] * n,
            "page_url": _pick(rng, urls, n),
            "page_group": _pick(rng, ["/suppliers/:id", None, None], n),
            "lcp_value": _pick(rng, [1200.0, 2500.0, 2600.0, 4100.0], n, 0.2),
            "inp_value": _pick(rng, [80.0, 200.0, 350.0, 700.0], n, 0.3),
            "cls_value": _pick(rng, [0.0, 0.1, 0.2, 0.3], n, 0.2),
            "fcp_value": _pick(rng, [900.0, 1900.0], n, 0.2),
            "ttfb_value": _pick(rng, [100.0, 900.0, 2000.0], n, 0.2),
            "device_type": _pick(rng, ["desktop", "mobile"], n),
            "created_at": _times(rng, as_of, n, timedelta(days=400)),
        },
        schema_overrides={
            "created_at": ts,
            **{
                f"{m}_value": pl.Decimal(8, 4 if m == "cls" else 2)
                for m in ("lcp", "inp", "cls", "fcp", "ttfb")
            },
        },
    )
    return {
        "performance_metrics": perf,
        "error_reports": errors,
        "system_health_checks": health,
        "business_events": events,
        "incidents": incidents,
        "core_web_vitals": vitals,
    }


def load_dataset(conn: psycopg.Connection, data: dict[str, pl.DataFrame]) -> dict[str, int]:
    """Insert a dataset (after the organization and users it refers to)."""
    ensure_base(conn, user_ids(1000))
    return {table: insert_frame(conn, table, frame) for table, frame in data.items()}
