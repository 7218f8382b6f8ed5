"""Calendar rules (wedding_context), the wedding-season adjustment, Core Web Vitals ratings."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import psycopg
import pytest
from psycopg import errors

from tests.test_schema_support import module_database, new_org


@pytest.fixture(scope="module")
def fn_db(pg_admin_dsn: str, template_dsn: str) -> Iterator[psycopg.Connection]:
    """A database shared by the pure-function tests (they write nothing)."""
    yield from module_database(pg_admin_dsn, template_dsn)


def ctx(db: psycopg.Connection, ts: str, tz: str | None = None) -> dict:
    if tz is None:
        row = db.execute("SELECT wedding_context(%s::timestamptz)", (ts,)).fetchone()
    else:
        row = db.execute("SELECT wedding_context(%s::timestamptz, %s)", (ts, tz)).fetchone()
    assert row is not None
    return dict(row[0])


def test_saturday_in_utc_is_sunday_in_london(fn_db: psycopg.Connection) -> None:
    utc = ctx(fn_db, "2025-06-14 23:30+00", "UTC")
    assert (utc["iso_dow"], utc["is_saturday"], utc["is_weekend"], utc["local_date"]) == (
        6,
        True,
        True,
        "2025-06-14",
    )
    london = ctx(fn_db, "2025-06-14 23:30+00", "Europe/London")
    assert (
        london["iso_dow"],
        london["is_saturday"],
        london["is_weekend"],
        london["local_date"],
    ) == (7, False, True, "2025-06-15")


def test_default_timezone_is_london(fn_db: psycopg.Connection) -> None:
    assert ctx(fn_db, "2025-06-14 23:30+00") == ctx(fn_db, "2025-06-14 23:30+00", "Europe/London")


def test_result_does_not_depend_on_session_timezone(db: psycopg.Connection) -> None:
    db.execute("SET TimeZone = 'America/Los_Angeles'")
    assert ctx(db, "2025-06-14 23:30+00", "UTC")["is_saturday"] is True


@pytest.mark.parametrize(
    ("ts", "tz", "season"),
    [
        ("2025-04-30 22:59:59+00", "Europe/London", False),  # 23:59:59 BST, 30 April
        ("2025-04-30 23:00:00+00", "Europe/London", True),  # 00:00 BST, 1 May
        ("2025-10-31 23:59:59+00", "Europe/London", True),  # GMT again: still 31 October
        ("2025-11-01 00:00:00+00", "Europe/London", False),
        ("2025-10-31 15:00:00+00", "Asia/Tokyo", False),  # 1 November 00:00 in Tokyo
        ("2025-05-01 00:00:00+00", "America/New_York", False),  # still 30 April there
    ],
)
def test_wedding_season_boundaries(
    fn_db: psycopg.Connection, ts: str, tz: str, season: bool
) -> None:
    assert ctx(fn_db, ts, tz)["is_wedding_season"] is season


def test_iso_weekday_numbering(fn_db: psycopg.Connection) -> None:
    # 2025-06-09 is a Monday.
    days = [ctx(fn_db, f"2025-06-{9 + i:02d} 12:00+00", "UTC")["iso_dow"] for i in range(7)]
    assert days == [1, 2, 3, 4, 5, 6, 7]


def test_error_report_context_uses_org_timezone(db: psycopg.Connection) -> None:
    london, la = new_org(db, "London"), new_org(db, "LA", tz="America/Los_Angeles")
    for org in (london, la):
        db.execute(
            """INSERT INTO error_reports (organization_id, error_type, severity, service_name,
                   error_message, created_at) VALUES (%s, 'E', 'low', 's', 'm',
                   '2025-06-14 23:30+00')""",
            (org,),
        )
    rows = dict(
        db.execute(
            "SELECT organization_id::text, wedding_context->>'is_saturday' FROM error_reports"
        ).fetchall()
    )
    assert rows == {london: "false", la: "true"}


# --- wedding-season optimisation ------------------------------------------------------------

CONFIGS = [
    # name, operator, base, adjusted, in-season expected
    ("gt", "greater_than", "100", True, Decimal("80.0000")),
    ("ge", "greater_than_or_equal", "0.5", True, Decimal("0.4000")),
    ("lt", "less_than", "100", True, Decimal("125.0000")),
    ("eq", "equals", "100", True, Decimal("100.0000")),
    ("off", "greater_than", "100", False, Decimal("100.0000")),
]
IN_SEASON = "2025-07-01 12:00+00"
OFF_SEASON = "2025-01-15 12:00+00"


@pytest.fixture
def configs(db: psycopg.Connection) -> psycopg.Connection:
    org = new_org(db, "Org")
    for name, op, base, adjusted, _ in CONFIGS:
        db.execute(
            """INSERT INTO alert_configurations (organization_id, alert_name, alert_type,
                   condition_type, threshold_value, threshold_operator, wedding_season_adjustment,
                   weekend_escalation)
               VALUES (%s, %s, 'threshold', 'above_threshold', %s, %s, %s, false)""",
            (org, name, base, op, adjusted),
        )
    db.execute(
        """INSERT INTO runbooks (runbook_name, trigger_conditions, automation_steps) VALUES
           ('Emergency DB failover', '{}', '[]'), ('critical path restart', '{}', '[]'),
           ('Routine cache purge', '{}', '[]')"""
    )
    return db


def state(db: psycopg.Connection) -> list:
    return (
        db.execute(
            """SELECT alert_name, threshold_value, base_threshold_value, weekend_escalation
           FROM alert_configurations ORDER BY alert_name"""
        ).fetchall()
        + db.execute(
            "SELECT runbook_name, wedding_day_approved FROM runbooks ORDER BY runbook_name"
        ).fetchall()
    )


def thresholds(db: psycopg.Connection) -> dict:
    return dict(
        db.execute("SELECT alert_name, threshold_value FROM alert_configurations").fetchall()
    )


def test_season_run_twice_equals_once(configs: psycopg.Connection) -> None:
    db = configs
    db.execute("SELECT optimize_wedding_season_monitoring(%s)", (IN_SEASON,))
    once = state(db)
    changed = db.execute("SELECT optimize_wedding_season_monitoring(%s)", (IN_SEASON,)).fetchone()
    assert state(db) == once
    assert changed == (0,)
    assert thresholds(db) == {name: expected for name, *_, expected in CONFIGS}
    approved = dict(
        db.execute("SELECT runbook_name, wedding_day_approved FROM runbooks").fetchall()
    )
    assert approved == {
        "Emergency DB failover": True,
        "critical path restart": True,
        "Routine cache purge": False,
    }


def test_out_of_season_restores_base(configs: psycopg.Connection) -> None:
    db = configs
    before = thresholds(db)
    db.execute("SELECT optimize_wedding_season_monitoring(%s)", (IN_SEASON,))
    db.execute("SELECT optimize_wedding_season_monitoring(%s)", (OFF_SEASON,))
    assert thresholds(db) == before
    db.execute("SELECT optimize_wedding_season_monitoring(%s)", (OFF_SEASON,))
    assert thresholds(db) == before


def test_user_edit_becomes_new_base(configs: psycopg.Connection) -> None:
    db = configs
    db.execute("SELECT optimize_wedding_season_monitoring(%s)", (IN_SEASON,))
    db.execute("UPDATE alert_configurations SET threshold_value = 200 WHERE alert_name = 'gt'")
    assert db.execute(
        "SELECT base_threshold_value FROM alert_configurations WHERE alert_name = 'gt'"
    ).fetchone() == (Decimal("200.0000"),)
    db.execute("SELECT optimize_wedding_season_monitoring(%s)", (IN_SEASON,))
    assert thresholds(db)["gt"] == Decimal("160.0000")


def test_season_run_is_logged(configs: psycopg.Connection) -> None:
    db = configs
    db.execute("SELECT optimize_wedding_season_monitoring(%s)", (IN_SEASON,))
    row = db.execute("""SELECT details->>'in_season' FROM system_maintenance_logs
                        WHERE activity_type = 'wedding_season_optimization'""").fetchone()
    assert row == ("true",)


# --- Core Web Vitals ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("metric", "value", "rating"),
    [
        ("lcp", "2500", "good"),
        ("lcp", "2500.01", "needs_improvement"),
        ("lcp", "4000", "needs_improvement"),
        ("lcp", "4000.01", "poor"),
        ("lcp", "0", "good"),
        ("inp", "200", "good"),
        ("inp", "200.01", "needs_improvement"),
        ("inp", "500", "needs_improvement"),
        ("inp", "500.01", "poor"),
        ("cls", "0.1", "good"),
        ("cls", "0.1001", "needs_improvement"),
        ("cls", "0.25", "needs_improvement"),
        ("cls", "0.2501", "poor"),
        ("fcp", "1800", "good"),
        ("fcp", "3000.01", "poor"),
        ("ttfb", "800", "good"),
        ("ttfb", "800.01", "needs_improvement"),
        ("ttfb", "1800.01", "poor"),
        ("fid", "100", "good"),
        ("fid", "300.01", "poor"),
        ("LCP", "4000.01", "poor"),
    ],
)
def test_cwv_rating_boundaries(
    fn_db: psycopg.Connection, metric: str, value: str, rating: str
) -> None:
    row = fn_db.execute("SELECT cwv_rating(%s, %s::numeric)::text", (metric, value)).fetchone()
    assert row == (rating,)


def test_cwv_rating_unknown_metric_raises(fn_db: psycopg.Connection) -> None:
    with pytest.raises(errors.InvalidParameterValue):
        fn_db.execute("SELECT cwv_rating('speed_index', 1)")


@pytest.mark.parametrize(
    ("lcp", "inp", "cls", "fid", "rating"),
    [
        (2500, 200, 0.1, None, "good"),
        (2500, 200.01, 0.1, None, "needs_improvement"),
        (1000, 100, 0.2501, None, "poor"),
        (4000.01, None, None, None, "poor"),
        (None, None, None, 500, None),  # FID is not a Core Web Vital any more
        (None, 150, None, None, "good"),
    ],
)
def test_cwv_row_rating_is_worst_present(
    db: psycopg.Connection, lcp, inp, cls, fid, rating
) -> None:
    org = new_org(db, "Org")
    row = db.execute(
        """INSERT INTO core_web_vitals (organization_id, session_id, page_url, lcp_value, inp_value,
               cls_value, fid_value, device_type)
           VALUES (%s, 's', '/', %s, %s, %s, %s, 'desktop') RETURNING performance_rating::text""",
        (org, lcp, inp, cls, fid),
    ).fetchone()
    assert row == (rating,)


def test_cwv_rating_follows_updates(db: psycopg.Connection) -> None:
    org = new_org(db, "Org")
    db.execute(
        """INSERT INTO core_web_vitals (organization_id, session_id, page_url, lcp_value,
               device_type, performance_rating) VALUES (%s, 's', '/', 1000, 'desktop', 'poor')""",
        (org,),
    )
    assert db.execute("SELECT performance_rating::text FROM core_web_vitals").fetchone() == (
        "good",
    )
    db.execute("UPDATE core_web_vitals SET lcp_value = 5000")
    assert db.execute("SELECT performance_rating::text FROM core_web_vitals").fetchone() == (
        "poor",
    )
