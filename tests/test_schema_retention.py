"""cleanup_monitoring_data(as_of): exactly the documented policy, boundaries included.

For every rule three rows: exactly at the boundary (kept), one microsecond older
(deleted), and well inside the period (kept). Expected boundaries are written out
here in UTC, independently of the function's own interval arithmetic.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from psycopg import sql

from tests.test_schema_support import new_org

AS_OF = datetime(2025, 3, 30, 12, 0, tzinfo=UTC)  # a DST change day in London
D90 = datetime(2024, 12, 30, 12, 0, tzinfo=UTC)  # as_of - 90 x 24 h
D30 = datetime(2025, 2, 28, 12, 0, tzinfo=UTC)  # as_of - 30 x 24 h
Y1 = datetime(2024, 3, 30, 12, 0, tzinfo=UTC)  # as_of - 1 year
Y2 = datetime(2023, 3, 30, 12, 0, tzinfo=UTC)  # as_of - 2 years
TICK = timedelta(microseconds=1)

# table -> (insert SQL taking %(org)s and %(t)s, boundary)
RULES: dict[str, tuple[str, datetime]] = {
    "performance_metrics": (
        """INSERT INTO performance_metrics (organization_id, metric_type, service_name,
               metric_value, metric_unit, "timestamp", created_at)
           VALUES (%(org)s, 'response_time', 's', 1, 'ms', %(t)s, %(as_of)s)""",
        D90,
    ),
    "core_web_vitals": (
        """INSERT INTO core_web_vitals (organization_id, session_id, page_url, device_type,
               created_at) VALUES (%(org)s, 's', '/', 'mobile', %(t)s)""",
        D90,
    ),
    "api_performance": (
        """INSERT INTO api_performance (organization_id, service_name, endpoint_path,
               response_time_ms, recorded_at) VALUES (%(org)s, 's', '/', 1, %(t)s)""",
        D90,
    ),
    "database_performance": (
        """INSERT INTO database_performance (organization_id, service_name, query_fingerprint,
               execution_time_ms, recorded_at) VALUES (%(org)s, 's', 'q', 1, %(t)s)""",
        D90,
    ),
    "user_journey_performance": (
        """INSERT INTO user_journey_performance (organization_id, journey_name, started_at)
           VALUES (%(org)s, 'j', %(t)s)""",
        D90,
    ),
    "system_health_checks": (
        """INSERT INTO system_health_checks (organization_id, check_name, service_name,
               check_type, status, created_at)
           VALUES (%(org)s, 'c', 's', 'http_endpoint', 'healthy', %(t)s)""",
        D30,
    ),
    "business_events": (
        """INSERT INTO business_events (organization_id, event_type, event_name,
               event_timestamp, processed_at) VALUES (%(org)s, 't', 'n', %(t)s, %(as_of)s)""",
        Y2,
    ),
    "feature_usage": (
        """INSERT INTO feature_usage (organization_id, feature_name, used_at)
           VALUES (%(org)s, 'f', %(t)s)""",
        Y2,
    ),
    "auto_recovery_logs": (
        """INSERT INTO auto_recovery_logs (organization_id, service_name, recovery_action,
               started_at) VALUES (%(org)s, 's', 'restart', %(t)s)""",
        Y1,
    ),
    "error_groups": (
        """INSERT INTO error_groups (organization_id, fingerprint, service_name, error_type,
               title, max_severity, times_seen, first_seen, last_seen)
           VALUES (%(org)s, gen_random_uuid()::text, 's', 'e', 't', 'high', 1, %(t)s, %(t)s)""",
        Y2,
    ),
}

ERROR_SQL = """
INSERT INTO error_reports (organization_id, error_type, severity, service_name, error_message,
                           resolution_status, created_at, first_occurrence, last_occurrence)
VALUES (%(org)s, 'E', 'low', 's', 'm', %(status)s, %(t)s, %(t)s, %(t)s)
"""


def insert_three(
    db: psycopg.Connection, sql_text: str, boundary: datetime, org: str, **extra: object
) -> None:
    for t in (boundary, boundary - TICK, boundary + timedelta(days=1)):
        db.execute(sql_text, {"org": org, "t": t, "as_of": AS_OF, **extra})


def count(db: psycopg.Connection, table: str) -> int:
    row = db.execute(
        sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier("public", table))
    ).fetchone()
    assert row is not None
    return int(row[0])


@pytest.fixture
def loaded(db: psycopg.Connection) -> tuple[psycopg.Connection, str]:
    org = new_org(db, "Org")
    db.execute("SET wedsync.bulk_load = 'on'")
    for sql_text, boundary in RULES.values():
        insert_three(db, sql_text, boundary, org)
    for status in ("resolved", "closed", "auto_resolved"):
        insert_three(db, ERROR_SQL, Y1, org, status=status)
    for status in ("open", "investigating"):
        insert_three(db, ERROR_SQL, Y2, org, status=status)
        # Unresolved errors between 1 and 2 years old are kept.
        db.execute(ERROR_SQL, {"org": org, "t": Y1 - timedelta(days=30), "status": status})
    # Alerts: resolved ones follow the 1-year rule on triggered_at; an unresolved
    # alert older than that is kept.
    for t in (Y1, Y1 - TICK, Y1 + timedelta(days=1)):
        db.execute(
            """INSERT INTO alert_history (organization_id, alert_status, triggered_at, resolved_at)
               VALUES (%s, 'resolved', %s, %s)""",
            (org, t, t + timedelta(minutes=5)),
        )
    db.execute(
        """INSERT INTO alert_history (organization_id, alert_status, triggered_at)
                  VALUES (%s, 'triggered', %s)""",
        (org, Y2 - timedelta(days=1)),
    )
    # Notifications: finished ones follow the 30-day rule; a pending old one is kept.
    incident = db.execute(
        """INSERT INTO incidents (organization_id, title, severity, priority, created_at)
           VALUES (%s, 'old incident', 'high', 'p2', %s) RETURNING id""",
        (org, Y2 - timedelta(days=400)),
    ).fetchone()
    assert incident is not None
    for status in ("sent", "failed", "cancelled"):
        for t in (D30, D30 - TICK, D30 + timedelta(days=1)):
            db.execute(
                """INSERT INTO notification_queue (organization_id, incident_id, status, created_at)
                   VALUES (%s, %s, %s, %s)""",
                (org, incident[0], status, t),
            )
    db.execute(
        """INSERT INTO notification_queue (organization_id, incident_id, status, created_at)
                  VALUES (%s, %s, 'pending', %s)""",
        (org, incident[0], Y2),
    )
    db.execute("RESET wedsync.bulk_load")
    return db, org


def test_retention_policy_exact(loaded: tuple[psycopg.Connection, str]) -> None:
    db, _ = loaded
    db.execute("SET TimeZone = 'Europe/London'")  # must not change the boundaries
    before = {
        t: count(db, t)
        for t in [*RULES, "error_reports", "alert_history", "notification_queue", "incidents"]
    }
    deleted = db.execute("SELECT cleanup_monitoring_data(%s)", (AS_OF,)).fetchone()
    assert deleted is not None
    after = {t: count(db, t) for t in before}
    for table in RULES:
        assert before[table] - after[table] == 1, f"{table}: exactly the row 1 µs past the boundary"
    # error_reports: 3 resolved-like + 2 unresolved rows past their boundaries.
    assert before["error_reports"] - after["error_reports"] == 5
    assert before["alert_history"] - after["alert_history"] == 1
    assert before["notification_queue"] - after["notification_queue"] == 3
    assert after["incidents"] == before["incidents"]
    assert deleted[0] == sum(before[t] - after[t] for t in before)


def test_boundary_rows_survive(loaded: tuple[psycopg.Connection, str]) -> None:
    db, _ = loaded
    db.execute("SELECT cleanup_monitoring_data(%s)", (AS_OF,))
    assert db.execute('SELECT min("timestamp") FROM performance_metrics').fetchone() == (D90,)
    assert db.execute("SELECT min(event_timestamp) FROM business_events").fetchone() == (Y2,)
    rows = dict(
        db.execute(
            """SELECT resolution_status::text, min(created_at) FROM error_reports
           GROUP BY resolution_status"""
        ).fetchall()
    )
    assert rows == {
        "resolved": Y1,
        "closed": Y1,
        "auto_resolved": Y1,
        "open": Y2,
        "investigating": Y2,
    }


def test_cleanup_is_idempotent_and_logged(loaded: tuple[psycopg.Connection, str]) -> None:
    db, _ = loaded
    first = db.execute("SELECT cleanup_monitoring_data(%s)", (AS_OF,)).fetchone()
    second = db.execute("SELECT cleanup_monitoring_data(%s)", (AS_OF,)).fetchone()
    assert first is not None and first[0] > 0 and second == (0,)
    logs = db.execute(
        """SELECT records_affected, details->>'performance_metrics' FROM system_maintenance_logs
           WHERE activity_type = 'monitoring_data_cleanup' ORDER BY started_at"""
    ).fetchall()
    assert logs == [(first[0], "1"), (0, "0")]


def test_cleanup_uses_event_time_not_ingestion_time(db: psycopg.Connection) -> None:
    """Backfilled rows: recent created_at / processed_at, old event time -> deleted."""
    org = new_org(db, "Org")
    db.execute(RULES["performance_metrics"][0], {"org": org, "t": D90 - TICK, "as_of": AS_OF})
    db.execute(RULES["business_events"][0], {"org": org, "t": Y2 - TICK, "as_of": AS_OF})
    db.execute("SELECT cleanup_monitoring_data(%s)", (AS_OF,))
    assert count(db, "performance_metrics") == 0
    assert count(db, "business_events") == 0
