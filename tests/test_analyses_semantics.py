"""Pinned semantics, checked by hand-computed answers on every engine that can run here,
and the PostgreSQL analyses checked against the schema's own views."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import psycopg
import pytest
from psycopg import sql

from tests import synthetic
from tests.engines import runnable_engines
from wedsync_analytics.analyses import ANALYSES, Params, run_all
from wedsync_analytics.engines.base import Source, normalise
from wedsync_analytics.engines.postgres import connect, query_frame
from wedsync_analytics.export import export_database, open_export
from wedsync_analytics.validate import compare_frames

ORG = synthetic.ORG_ID
AS_OF = datetime(2024, 6, 20, 12, 0, tzinfo=UTC)
TS = pl.Datetime("us", "UTC")


def _frames(dsn: str, out: Path, params: Params, names: list[str]) -> dict[str, pl.DataFrame]:
    """PostgreSQL's answer, after checking that every other engine agrees with it (keys and
    counts exactly, floats within validate's relative 1e-9)."""
    tables = sorted({t for n in names for t in ANALYSES[n].tables})
    export_database(dsn, out, tables)
    engines = runnable_engines()
    results = run_all(
        params, Source(dsn=dsn, reader=open_export(out)), analyses=names, engines=engines
    )
    assert sorted({r.engine for r in results}) == sorted(engines)
    frames: dict[str, pl.DataFrame] = {}
    for r in results:
        assert r.error is None, (r.analysis, r.engine, r.error)
        assert r.frame is not None
        if r.analysis in frames:
            same, _, message, _ = compare_frames(ANALYSES[r.analysis], frames[r.analysis], r.frame)
            assert same, (r.analysis, r.engine, message)
        else:
            frames[r.analysis] = r.frame
    return frames


def funnel_params(as_of: datetime, funnels: dict[str, tuple[str, ...]]) -> Params:
    return Params(as_of=as_of, overrides={"funnel_conversion": {"funnels": funnels}})


def test_percentiles_linear_and_half_open_window(
    db: psycopg.Connection, db_dsn: str, tmp_path: Path
) -> None:
    hour = AS_OF - timedelta(hours=3)
    rows = [(float(v), hour + timedelta(minutes=v)) for v in range(1, 11)]
    rows += [
        (1000.0, AS_OF),
        (7.0, AS_OF - timedelta(hours=24)),
        (9.0, AS_OF - timedelta(hours=24, microseconds=1)),
    ]
    frame = pl.DataFrame(
        {
            "organization_id": ORG,
            "metric_type": "response_time",
            "service_name": "api",
            "metric_value": [r[0] for r in rows],
            "metric_unit": "ms",
            "timestamp": [r[1] for r in rows],
        },
        schema_overrides={"timestamp": TS, "metric_value": pl.Decimal(10, 3)},
    )
    synthetic.load_dataset(db, {"performance_metrics": frame})
    got = _frames(db_dsn, tmp_path / "x", Params(as_of=AS_OF), ["percentiles"])["percentiles"]
    assert got["time_bucket"].to_list() == [AS_OF - timedelta(hours=24), hour]
    first, main = got.row(0, named=True), got.row(1, named=True)
    assert first["sample_count"] == 1 and first["p99"] == 7.0  # the edge row at as_of - 24h
    assert main["sample_count"] == 10
    assert main["p50"] == 5.5  # Polars' default 'nearest' would give 6
    assert main["p90"] == pytest.approx(9.1, rel=1e-12)
    assert main["p95"] == pytest.approx(9.55, rel=1e-12)
    assert main["p99"] == pytest.approx(9.91, rel=1e-12)
    assert (main["avg_value"], main["max_value"]) == (5.5, 10.0)


def test_funnel_window_order_ties_and_incomplete_cohorts(
    db: psycopg.Connection, db_dsn: str, tmp_path: Path
) -> None:
    d0 = datetime(2024, 6, 1, tzinfo=UTC)
    u = synthetic.user_ids(6)
    events = [
        (u[0], "a", d0 + timedelta(hours=10)),
        (u[0], "b", d0 + timedelta(hours=10)),  # tie
        (u[0], "c", d0 + timedelta(days=14, hours=10)),  # window end, inclusive
        (u[1], "a", d0 + timedelta(hours=12)),
        (u[1], "c", d0 + timedelta(hours=13)),
        (u[1], "b", d0 + timedelta(hours=14)),  # c came before b
        (u[2], "a", d0 + timedelta(hours=9)),
        (u[2], "a", d0 + timedelta(days=1)),
        (u[2], "b", d0 + timedelta(days=15)),  # after the window
        (u[3], "b", d0 + timedelta(hours=1)),  # never started
        (None, "a", d0 + timedelta(hours=1)),  # no user: ignored
        (u[4], "a", d0 + timedelta(days=10, hours=5)),  # young cohort
        (u[5], "a", d0 + timedelta(days=20, hours=1)),  # after as_of
    ]
    frame = pl.DataFrame(
        {
            "event_type": "funnel",
            "event_name": "step",
            "organization_id": ORG,
            "user_id": [e[0] for e in events],
            "funnel_step": [e[1] for e in events],
            "event_timestamp": [e[2] for e in events],
        },
        schema_overrides={"event_timestamp": TS},
    )
    synthetic.load_dataset(db, {"business_events": frame})
    params = funnel_params(d0 + timedelta(days=20), {"f": ("a", "b", "c")})
    got = _frames(db_dsn, tmp_path / "x", params, ["funnel_conversion"])["funnel_conversion"]
    rows = got.select(
        "cohort_date",
        "step_number",
        "users",
        "conversion_from_previous",
        "conversion_overall",
        "median_seconds_to_convert",
        "cohort_complete",
    ).rows()
    day0, day10 = d0.date(), (d0 + timedelta(days=10)).date()
    assert rows == [
        (day0, 1, 3, None, 1.0, 0.0, True),
        (day0, 2, 2, 2 / 3, 2 / 3, 3600.0, True),
        (day0, 3, 1, 0.5, 1 / 3, 14 * 86400.0, True),
        (day10, 1, 1, None, 1.0, 0.0, False),
        (day10, 2, 0, 0.0, 0.0, None, False),
        (day10, 3, 0, None, 0.0, None, False),
    ]


def test_funnel_cohort_start_is_utc_midnight_of_as_of_minus_30_days(
    db: psycopg.Connection, db_dsn: str, tmp_path: Path
) -> None:
    as_of = datetime(2024, 6, 20, 12, 0, tzinfo=UTC)
    start = datetime(2024, 5, 21, tzinfo=UTC)  # midnight of as_of's UTC date - 30 days
    u = synthetic.user_ids(3)
    frame = pl.DataFrame(
        {
            "event_type": "funnel",
            "event_name": "step",
            "organization_id": ORG,
            "user_id": u,
            "funnel_step": "a",
            "event_timestamp": [
                start - timedelta(microseconds=1),  # before the start: no cohort
                start,  # exactly the start: in
                start + timedelta(hours=6),  # before as_of - 30 days (12:00), still in
            ],
        },
        schema_overrides={"event_timestamp": TS},
    )
    synthetic.load_dataset(db, {"business_events": frame})
    params = funnel_params(as_of, {"f": ("a", "b")})
    got = _frames(db_dsn, tmp_path / "x", params, ["funnel_conversion"])["funnel_conversion"]
    assert got.select("cohort_date", "step_number", "users").rows() == [
        (start.date(), 1, 2),
        (start.date(), 2, 0),
    ]


def test_incident_mtta_mttr(db: psycopg.Connection, db_dsn: str, tmp_path: Path) -> None:
    h = timedelta(hours=1)
    incidents = [  # created, acknowledged, resolved
        (AS_OF - 2 * h, AS_OF - h, AS_OF - h / 2),
        (AS_OF - 3 * h, AS_OF + h, None),  # acknowledged after as_of: not yet
        (AS_OF - h, AS_OF - h + timedelta(seconds=60), AS_OF - timedelta(seconds=1)),
        (AS_OF - timedelta(days=40), AS_OF - timedelta(days=40), None),  # outside 30 days
    ]
    frame = pl.DataFrame(
        {
            "organization_id": ORG,
            "title": "t",
            "severity": "high",
            "priority": "p1",
            "created_at": [i[0] for i in incidents],
            "acknowledged_at": [i[1] for i in incidents],
            "resolved_at": [i[2] for i in incidents],
        },
        schema_overrides={"created_at": TS, "acknowledged_at": TS, "resolved_at": TS},
    )
    synthetic.load_dataset(db, {"incidents": frame})
    got = _frames(db_dsn, tmp_path / "x", Params(as_of=AS_OF), ["incident_response"])
    row = got["incident_response"].row(0, named=True)
    assert (row["severity"], row["wedding_impact"], row["total_incidents"]) == ("high", "none", 3)
    assert (row["acknowledged_incidents"], row["unacknowledged_incidents"]) == (2, 1)
    assert (row["resolved_incidents"], row["unresolved_incidents"]) == (2, 1)
    assert row["mtta_avg_seconds"] == 1830.0 and row["mtta_p50_seconds"] == 1830.0
    assert row["mtta_p95_seconds"] == pytest.approx(60 + 0.95 * 3540, rel=1e-12)
    assert row["mttr_avg_seconds"] == 4499.5
    assert row["mttr_p95_seconds"] == pytest.approx(3599 + 0.95 * 1801, rel=1e-12)


def test_web_vitals_ratings_seasons_and_page_groups(
    db: psycopg.Connection, db_dsn: str, tmp_path: Path
) -> None:
    may = datetime(2024, 5, 1, tzinfo=UTC)
    rows = [  # created_at, url, page_group, lcp, inp, cls
        (may, "https://app.wedsync.io/suppliers/42?tab=1", None, 2500.0, 200.0, 0.1),
        (may - timedelta(microseconds=1), "/suppliers/7", None, 2500.01, 200.0, 0.25),
        (may, "weird", None, 4000.5, None, 0.2501),
        (may, "/x/y", "/x/:id", 100.0, 501.0, 0.0),
    ]
    frame = pl.DataFrame(
        {
            "organization_id": ORG,
            "session_id": "s",
            "device_type": "mobile",
            "created_at": [r[0] for r in rows],
            "page_url": [r[1] for r in rows],
            "page_group": [r[2] for r in rows],
            "lcp_value": [r[3] for r in rows],
            "inp_value": [r[4] for r in rows],
            "cls_value": [r[5] for r in rows],
        },
        schema_overrides={
            "created_at": TS,
            "lcp_value": pl.Decimal(8, 2),
            "inp_value": pl.Decimal(8, 2),
            "cls_value": pl.Decimal(8, 4),
        },
    )
    synthetic.load_dataset(db, {"core_web_vitals": frame})
    got = _frames(db_dsn, tmp_path / "x", Params(as_of=AS_OF), ["web_vitals"])["web_vitals"]
    assert got.select(
        "season", "page_group", "lcp_rating", "inp_rating", "cls_rating", "passes_cwv"
    ).rows() == [
        ("off_season", "/suppliers", "needs_improvement", "good", "needs_improvement", False),
        ("wedding_season", "/", "poor", None, "poor", None),
        ("wedding_season", "/suppliers", "good", "good", "good", True),
        ("wedding_season", "/x/:id", "good", "poor", "good", False),
    ]


def test_weekday_is_iso_in_utc(db: psycopg.Connection, db_dsn: str, tmp_path: Path) -> None:
    times = [datetime(2024, 6, 15, 23, 30, tzinfo=UTC), datetime(2024, 6, 16, 0, 30, tzinfo=UTC)]
    frame = pl.DataFrame(
        {
            "organization_id": ORG,
            "error_type": "db",
            "severity": "low",
            "service_name": "api",
            "error_message": "x",
            "fingerprint": "f",
            "created_at": times,
        },
        schema_overrides={"created_at": TS},
    )
    synthetic.load_dataset(db, {"error_reports": frame})
    got = _frames(db_dsn, tmp_path / "x", Params(as_of=AS_OF), ["error_trending"])
    assert got["error_trending"]["weekday"].to_list() == [6, 7]  # Saturday, Sunday (UTC)


def test_weekday_is_utc_but_weekend_errors_are_local(
    db: psycopg.Connection, db_dsn: str, tmp_path: Path
) -> None:
    """Two calendars in one row (docs/analyses.md): near midnight they disagree."""
    synthetic.ensure_base(db, [])
    db.execute("UPDATE public.organizations SET timezone = 'Europe/London' WHERE id = %s", (ORG,))
    times = [  # Friday 23:30 UTC = Saturday 00:30 BST; Sunday 23:30 UTC = Monday 00:30 BST
        datetime(2024, 6, 14, 23, 30, tzinfo=UTC),
        datetime(2024, 6, 16, 23, 30, tzinfo=UTC),
    ]
    frame = pl.DataFrame(
        {
            "organization_id": ORG,
            "error_type": "db",
            "severity": "low",
            "service_name": "api",
            "error_message": "x",
            "fingerprint": "f",
            "created_at": times,  # wedding_context NULL: the trigger fills it, in London time
        },
        schema_overrides={"created_at": TS},
    )
    synthetic.load_dataset(db, {"error_reports": frame})
    got = _frames(db_dsn, tmp_path / "x", Params(as_of=AS_OF), ["error_trending"])
    rows = got["error_trending"].sort("time_bucket").select("weekday", "weekend_errors").rows()
    assert rows == [(5, 1), (7, 0)]


PAGE_GROUPS = [  # page_url -> the page group worked out by hand (page_group column NULL)
    ("https://x.com?next=/admin/x", "/"),  # a query right after the host: no path
    ("https://x.com#/dashboard", "/"),  # a fragment right after the host: no path
    ("https://x.com", "/"),
    ("https://x.com/", "/"),
    ("HTTPS://user@x.com:8443/Billing/2?y=/z#/w", "/Billing"),
    ("https://x.com/suppliers?next=/admin", "/suppliers"),
    ("https://x.com/search#/results", "/search"),
    ("/a/b?x", "/a"),  # no scheme: the path starts at the first character
    ("/a#/b", "/a"),
    ("/?next=/admin", "/"),
    ("//cdn.x.com/img/1.png", "/img"),  # scheme-relative: the host is skipped
    ("a/b", "/"),  # relative, no leading '/': no path segment is taken
    ("?next=/admin", "/"),
    ("#/dashboard", "/"),
    ("", "/"),
]


def test_web_vitals_page_group_stops_at_query_and_fragment(
    db: psycopg.Connection, db_dsn: str, tmp_path: Path
) -> None:
    urls = [u for u, _ in PAGE_GROUPS]
    frame = pl.DataFrame(
        {
            "organization_id": ORG,
            "session_id": "s",
            "device_type": "desktop",
            "created_at": [AS_OF - timedelta(hours=1 + i) for i in range(len(urls))],
            "page_url": urls,
            "lcp_value": [float(i) for i in range(len(urls))],
        },
        schema_overrides={"created_at": TS, "lcp_value": pl.Decimal(8, 2)},
    )
    synthetic.load_dataset(db, {"core_web_vitals": frame})
    got = _frames(db_dsn, tmp_path / "x", Params(as_of=AS_OF), ["web_vitals"])["web_vitals"]
    expected: dict[str, int] = {}
    for _, group in PAGE_GROUPS:
        expected[group] = expected.get(group, 0) + 1
    assert dict(zip(got["page_group"], got["samples"], strict=True)) == expected


VIEWS = {  # analysis: (view, columns compared, extra view filter)
    "percentiles": (
        "performance_percentile_analysis",
        ["sample_count", "p50", "p90", "p95", "p99", "avg_value", "max_value"],
    ),
    "error_trending": (
        "error_trending_analysis",
        [
            "error_count",
            "unique_incidents",
            "unique_correlations",
            "avg_occurrence_per_error",
            "weekend_errors",
            "unique_fingerprints",
        ],
    ),
    "system_health": (
        "system_health_overview",
        [
            "total_checks",
            "healthy_checks",
            "degraded_checks",
            "unhealthy_checks",
            "avg_response_time",
            "last_successful_check",
            "total_consecutive_failures",
        ],
    ),
    "funnel_daily": (
        "funnel_conversion_analysis",
        [
            "step_events",
            "unique_users",
            "total_conversion_value",
            "avg_conversion_value",
            "wedding_season_events",
        ],
    ),
}


def test_postgres_analyses_equal_the_views(db: psycopg.Connection, db_dsn: str) -> None:
    now = db.execute("SELECT now()").fetchone()
    assert now is not None
    data = synthetic.random_dataset(11, now[0] - timedelta(hours=1), 400)
    future = now[0] + timedelta(hours=2)  # clock skew: neither analyses nor views count these
    for table, column in (
        ("performance_metrics", "timestamp"),
        ("error_reports", "created_at"),
        ("system_health_checks", "created_at"),
        ("business_events", "event_timestamp"),
    ):
        skewed = data[table].filter(pl.all_horizontal(pl.all().is_not_null())).head(3)
        data[table] = pl.concat(
            [data[table], skewed.with_columns(pl.lit(future).cast(TS).alias(column))]
        )
    synthetic.load_dataset(db, data)
    arrow_conn = connect(db_dsn)  # the engine's transfer, for the analyses
    # one transaction on `conn`: one now() for the views and as_of
    with psycopg.connect(db_dsn) as conn, arrow_conn:
        conn.execute("SET TimeZone = 'UTC'")
        row = conn.execute("SELECT now()").fetchone()
        assert row is not None
        params = Params(as_of=row[0])
        for name, (view, columns) in VIEWS.items():
            analysis = ANALYSES[name]
            ours = normalise(query_frame(arrow_conn, analysis, params.values(analysis)), analysis)
            cur = conn.execute(sql.SQL("SELECT * FROM {}").format(sql.Identifier("public", view)))
            names = [d.name for d in cur.description or []]
            fetched = [
                tuple(str(v) if isinstance(v, uuid.UUID) else v for v in r) for r in cur.fetchall()
            ]
            theirs = pl.DataFrame(fetched, schema=names, orient="row", infer_schema_length=None)
            keys = list(analysis.keys)
            theirs = (
                theirs.with_columns(
                    [
                        pl.col(c).cast(pl.String)
                        for c in (
                            "organization_id",
                            "service_name",
                            "metric_type",
                            "metric_unit",
                            "error_type",
                            "severity",
                            "funnel_step",
                        )
                        if c in theirs.columns
                    ]
                    + [
                        pl.col(c).cast(pl.Float64)
                        for c in columns
                        if analysis.schema[c] == pl.Float64
                    ]
                    + ([pl.col("conversion_date").dt.date()] if name == "funnel_daily" else [])
                )
                .select(keys + columns)
                .sort(keys)
            )
            assert ours.height > 0, name
            left = ours.select(keys + columns).sort(keys)
            assert left.height == theirs.height, name
            for column in columns:
                a, b = left[column].to_list(), theirs[column].to_list()
                if analysis.schema[column] == pl.Float64:
                    assert [x is None for x in a] == [x is None for x in b], (name, column)
                    pairs = [(x, y) for x, y in zip(a, b, strict=True) if x is not None]
                    assert [x for x, _ in pairs] == pytest.approx(
                        [y for _, y in pairs], rel=1e-12
                    ), (name, column)
                else:
                    assert a == b, (name, column)


def test_funnels_per_user_kind_by_default(
    db: psycopg.Connection, db_dsn: str, tmp_path: Path
) -> None:
    """Default funnels are FUNNELS: each user kind is its own funnel, told by its step 1."""
    from wedsync_analytics.funnels import FUNNELS

    supplier, couple = FUNNELS["supplier"], FUNNELS["couple"]
    d0 = datetime(2024, 6, 1, 9, tzinfo=UTC)
    u = synthetic.user_ids(4)
    events = [
        (u[0], supplier[0], d0),
        (u[0], supplier[1], d0 + timedelta(hours=2)),
        (u[1], couple[0], d0),
        (u[1], couple[1], d0 + timedelta(hours=1)),
        (u[1], supplier[1], d0 + timedelta(hours=1)),  # a supplier step: not in a couple funnel
        (u[2], couple[0], d0 + timedelta(days=1)),
        (u[3], supplier[1], d0),  # never signed up
    ]
    frame = pl.DataFrame(
        {
            "event_type": "funnel",
            "event_name": "step",
            "organization_id": ORG,
            "user_id": [e[0] for e in events],
            "funnel_step": [e[1] for e in events],
            "event_timestamp": [e[2] for e in events],
        },
        schema_overrides={"event_timestamp": TS},
    )
    synthetic.load_dataset(db, {"business_events": frame})
    got = _frames(db_dsn, tmp_path / "x", Params(as_of=AS_OF), ["funnel_conversion"])
    rows = got["funnel_conversion"].filter(pl.col("step_number") <= 2)
    day0, day1 = d0.date(), (d0 + timedelta(days=1)).date()
    assert rows.select("funnel", "cohort_date", "step_name", "users").rows() == [
        ("couple", day0, couple[0], 1),
        ("couple", day0, couple[1], 1),
        ("couple", day1, couple[0], 1),
        ("couple", day1, couple[1], 0),
        ("supplier", day0, supplier[0], 1),
        ("supplier", day0, supplier[1], 1),
    ]
