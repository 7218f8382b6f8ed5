"""Error grouping and the auto-incident trigger, including a concurrent error storm."""

from __future__ import annotations

import random
import re
import threading

import psycopg
import pytest

from tests.test_schema_support import new_org, new_user, seed_tenant

INSERT_ERROR = """
INSERT INTO error_reports (organization_id, error_type, severity, service_name, error_message,
                           created_at, first_occurrence, last_occurrence)
VALUES (%(org)s, %(type)s, %(sev)s, %(svc)s, %(msg)s,
        coalesce(%(at)s, now()), coalesce(%(at)s, now()), coalesce(%(at)s, now()))
RETURNING id, incident_id, fingerprint
"""


def report(
    conn: psycopg.Connection,
    org: str,
    sev: str = "high",
    msg: str = "timeout after 30 s",
    svc: str = "booking-api",
    type_: str = "TimeoutError",
    at: str | None = None,
) -> tuple:
    row = conn.execute(
        INSERT_ERROR, {"org": org, "type": type_, "sev": sev, "svc": svc, "msg": msg, "at": at}
    ).fetchone()
    assert row is not None
    return row


def scalar(conn: psycopg.Connection, query: str, params: tuple = ()) -> object:
    row = conn.execute(query, params).fetchone()
    assert row is not None
    return row[0]


def test_low_and_medium_errors_open_nothing(db: psycopg.Connection) -> None:
    org = new_org(db, "Org")
    for sev in ("low", "medium"):
        _, incident, fingerprint = report(db, org, sev)
        assert incident is None
        assert fingerprint  # computed even without grouping
    assert scalar(db, "SELECT count(*) FROM incidents") == 0
    assert scalar(db, "SELECT count(*) FROM error_groups") == 0


def test_high_error_opens_one_incident_and_groups(db: psycopg.Connection) -> None:
    org = new_org(db, "Org")
    first = report(db, org, "high", "timeout after 3012 ms for booking 42")
    # Numbers differ, same fingerprint: same group, same incident.
    second = report(db, org, "critical", "timeout after 15 ms for booking 7")
    third = report(db, org, "high", "timeout after 99 ms for booking 1")
    assert first[2] == second[2] == third[2]
    assert first[1] is not None and first[1] == second[1] == third[1]
    assert scalar(db, "SELECT count(*) FROM incidents") == 1
    times_seen, max_sev, incident = db.execute(
        "SELECT times_seen, max_severity::text, incident_id FROM error_groups"
    ).fetchone() or (None, None, None)
    assert (times_seen, max_sev, incident) == (3, "critical", first[1])
    number, auto, dedup = db.execute(
        "SELECT incident_number, auto_created, dedup_key FROM incidents"
    ).fetchone() or (None, None, None)
    assert re.fullmatch(r"INC-\d{8}-\d{4,}", str(number))
    assert auto is True and dedup == first[2]
    # correlation_id keeps the spec's meaning (the incident) when the client sent none.
    assert scalar(db, "SELECT count(DISTINCT correlation_id) FROM error_reports") == 1


def test_first_and_last_seen_are_least_and_greatest(db: psycopg.Connection) -> None:
    org = new_org(db, "Org")
    report(db, org, at="2025-06-10 12:00+00")
    report(db, org, at="2025-06-01 12:00+00")  # arrives late, happened earlier
    report(db, org, at="2025-06-05 12:00+00")
    first, last = db.execute("SELECT first_seen, last_seen FROM error_groups").fetchone() or (0, 0)
    assert str(first.date()) == "2025-06-01" and str(last.date()) == "2025-06-10"


def test_separate_fingerprints_and_orgs_get_separate_incidents(db: psycopg.Connection) -> None:
    a, b = new_org(db, "A"), new_org(db, "B")
    report(db, a, msg="timeout")
    report(db, a, msg="timeout", type_="ConnectionError")
    report(db, b, msg="timeout")
    assert scalar(db, "SELECT count(*) FROM incidents") == 3
    assert scalar(db, "SELECT count(*) FROM error_groups") == 3


def test_resolved_incident_then_new_error_is_regression(db: psycopg.Connection) -> None:
    org = new_org(db, "Org")
    _, first_incident, _ = report(db, org)
    db.execute("UPDATE incidents SET status = 'resolved' WHERE id = %s", (first_incident,))
    assert scalar(db, "SELECT status::text FROM error_groups") == "resolved"
    assert scalar(db, "SELECT resolution_status::text FROM error_reports") == "resolved"
    assert (
        scalar(
            db,
            "SELECT resolved_at IS NOT NULL AND acknowledged_at IS NOT NULL "
            "FROM incidents WHERE id = %s",
            (first_incident,),
        )
        is True
    )
    _, second_incident, _ = report(db, org)
    assert second_incident is not None and second_incident != first_incident
    status, regressions, times = db.execute(
        "SELECT status::text, regression_count, times_seen FROM error_groups"
    ).fetchone() or (None, None, None)
    assert (status, regressions, times) == ("open", 1, 2)
    assert (
        scalar(db, "SELECT context->>'regression' FROM incidents WHERE id = %s", (second_incident,))
        == "true"
    )


def test_deleting_incident_clears_only_the_links(db: psycopg.Connection) -> None:
    """The incident FKs are (incident_id, organization_id): deletion nulls incident_id only."""
    org = new_org(db, "Org")
    error, incident, _ = report(db, org)
    db.execute("DELETE FROM incidents WHERE id = %s", (incident,))
    row = db.execute(
        "SELECT incident_id, organization_id::text FROM error_reports WHERE id = %s", (error,)
    ).fetchone()
    assert row == (None, org)
    assert scalar(db, "SELECT count(*) FROM error_groups WHERE incident_id IS NOT NULL") == 0


def test_deleting_linked_rows_clears_or_cascades_only_links(db: psycopg.Connection) -> None:
    """Composite tenant FKs: SET NULL (column) keeps organization_id; CASCADE still cascades."""
    org = new_org(db, "Org")
    rows = seed_tenant(db, org, new_user(db, org))
    db.execute(
        "UPDATE alert_history SET incident_id = %s WHERE id = %s",
        (rows["incidents"], rows["alert_history"]),
    )
    db.execute("DELETE FROM error_reports WHERE id = %s", (rows["error_reports"],))
    assert scalar(
        db,
        "SELECT (error_report_id, organization_id::text) FROM auto_recovery_logs WHERE id = %s",
        (rows["auto_recovery_logs"],),
    ) == (None, org)
    assert scalar(db, "SELECT count(*) FROM error_correlations") == 0
    db.execute("DELETE FROM alert_configurations WHERE id = %s", (rows["alert_configurations"],))
    db.execute("DELETE FROM incidents WHERE id = %s", (rows["incidents"],))
    assert scalar(
        db,
        """SELECT (alert_configuration_id, incident_id, organization_id::text)
           FROM alert_history WHERE id = %s""",
        (rows["alert_history"],),
    ) == (None, None, org)
    db.execute("DELETE FROM alert_history WHERE id = %s", (rows["alert_history"],))
    assert scalar(db, "SELECT count(*) FROM notification_queue") == 0


def test_investigating_incident_still_collects(db: psycopg.Connection) -> None:
    org = new_org(db, "Org")
    _, incident, _ = report(db, org)
    db.execute("UPDATE incidents SET status = 'investigating' WHERE id = %s", (incident,))
    assert report(db, org)[1] == incident


def test_bulk_load_setting_skips_incidents(db: psycopg.Connection) -> None:
    org = new_org(db, "Org")
    db.execute("SET wedsync.bulk_load = 'on'")
    _, incident, fingerprint = report(db, org, "critical")
    assert incident is None and fingerprint
    assert scalar(db, "SELECT wedding_context IS NOT NULL FROM error_reports") is True
    assert scalar(db, "SELECT count(*) FROM incidents") == 0
    db.execute("SET wedsync.bulk_load = 'off'")
    assert report(db, org, "critical")[1] is not None


def test_bulk_load_setting_ignored_for_users(db: psycopg.Connection) -> None:
    """Any session can set wedsync.bulk_load; only trusted roles skip the trigger with it."""
    from tests.test_schema_support import acting_as, new_user

    org = new_org(db, "Org")
    member = new_user(db, org, "member")
    with acting_as(db, "authenticated", member) as conn:
        conn.execute("SET LOCAL wedsync.bulk_load = 'on'")
        assert report(conn, org, "critical")[1] is not None
    with acting_as(db, "service_role") as conn:
        conn.execute("SET LOCAL wedsync.bulk_load = 'on'")
        assert report(conn, org, "critical")[1] is None
    db.execute("SET wedsync.bulk_load = 'on'")  # the loader: owner / superuser
    assert report(db, org, "critical")[1] is None
    db.execute("RESET wedsync.bulk_load")
    assert scalar(db, "SELECT count(*) FROM incidents") == 0


@pytest.mark.parametrize(
    ("sev", "at", "incident_sev", "priority", "impact"),
    [
        (
            "wedding_emergency",
            "2025-03-04 10:00+00",
            "wedding_day_emergency",
            "p0",
            "wedding_day_critical",
        ),
        ("critical", "2025-03-04 10:00+00", "critical", "p1", "medium"),  # Tuesday, March
        ("high", "2025-03-04 10:00+00", "high", "p2", "medium"),
        ("high", "2025-03-08 10:00+00", "critical", "p1", "wedding_day_critical"),  # Saturday
        ("high", "2025-07-09 10:00+00", "high", "p2", "high"),  # Wed, in season
        ("high", "2025-03-09 10:00+00", "high", "p2", "high"),  # Sunday
    ],
)
def test_incident_severity_mapping(
    db: psycopg.Connection, sev: str, at: str, incident_sev: str, priority: str, impact: str
) -> None:
    org = new_org(db, "Org")
    _, incident, _ = report(db, org, sev, at=at)
    got = db.execute(
        "SELECT severity::text, priority::text, wedding_impact::text FROM incidents WHERE id = %s",
        (incident,),
    ).fetchone()
    assert got == (incident_sev, priority, impact)


def test_incident_number_utc_date_and_no_truncation(db: psycopg.Connection) -> None:
    org = new_org(db, "Org")
    db.execute("SET TimeZone = 'Pacific/Auckland'")  # local date is already the 15th
    db.execute("SELECT setval('incident_number_seq', 12344)")
    _, incident, _ = report(db, org, at="2025-06-14 23:30+00")
    number = scalar(db, "SELECT incident_number FROM incidents WHERE id = %s", (incident,))
    assert number == "INC-20250614-12345"


def test_default_escalation_policy_attached(db: psycopg.Connection) -> None:
    org = new_org(db, "Org")
    policy = scalar(
        db,
        """INSERT INTO escalation_policies (policy_name, escalation_rules,
                           default_policy) VALUES ('d', '[]', true) RETURNING id""",
    )
    _, incident, _ = report(db, org)
    assert (
        scalar(db, "SELECT escalation_policy_id FROM incidents WHERE id = %s", (incident,))
        == policy
    )


def test_error_storm_four_connections(db_dsn: str, db: psycopg.Connection) -> None:
    """4 connections x 250 high errors over 3 fingerprints: one incident each, exact counts."""
    org = new_org(db, "Storm")
    messages = ["payment gateway timeout", "calendar sync failed", "email bounce storm"]
    per_thread = 250
    failures: list[BaseException] = []
    barrier = threading.Barrier(4)

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        try:
            with psycopg.connect(db_dsn, autocommit=True) as conn:
                barrier.wait()
                for _ in range(per_thread):
                    msg = rng.choice(messages)
                    conn.execute(
                        INSERT_ERROR,
                        {
                            "org": org,
                            "type": "UpstreamError",
                            "sev": rng.choice(["high", "critical"]),
                            "svc": "core",
                            "msg": msg,
                            "at": None,
                        },
                    )
        except BaseException as exc:  # surfaced below
            failures.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures, failures

    assert scalar(db, "SELECT count(*) FROM error_reports") == 4 * per_thread
    assert scalar(db, "SELECT count(*) FROM incidents") == 3
    assert scalar(db, "SELECT count(*) FROM error_groups") == 3
    rows = db.execute(
        """SELECT g.times_seen, count(e.id), count(DISTINCT e.incident_id),
                  bool_and(e.incident_id = g.incident_id)
           FROM error_groups g JOIN error_reports e
             ON e.organization_id = g.organization_id AND e.fingerprint = g.fingerprint
           GROUP BY g.id, g.times_seen"""
    ).fetchall()
    assert len(rows) == 3
    for times_seen, reports, incidents, same in rows:
        assert times_seen == reports
        assert incidents == 1 and same is True
    assert sum(r[0] for r in rows) == 4 * per_thread
