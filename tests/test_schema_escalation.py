"""escalate_unacknowledged_alerts(as_of): policy delays, idempotence, acknowledgement."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from psycopg import sql

from tests.test_schema_support import new_org

T0 = datetime(2025, 3, 4, 10, 0, tzinfo=UTC)  # a Tuesday
RULES = json.dumps(
    [
        {"delay_minutes": 5, "targets": ["primary"]},
        {"delay_minutes": 10, "targets": ["lead"]},
        {"delay_minutes": 15, "targets": ["cto"]},
    ]
)


@pytest.fixture
def alert(db: psycopg.Connection) -> tuple[psycopg.Connection, str]:
    org = new_org(db, "Org")
    policy = db.execute(
        "INSERT INTO escalation_policies (policy_name, escalation_rules) "
        "VALUES ('p', %s) RETURNING id",
        (RULES,),
    ).fetchone()
    assert policy is not None
    config = db.execute(
        """INSERT INTO alert_configurations (organization_id, alert_name, alert_type,
               condition_type,
               threshold_value, threshold_operator, escalation_policy_id)
           VALUES (%s, 'a', 'threshold', 'above_threshold', 1, 'greater_than', %s) RETURNING id""",
        (org, policy[0]),
    ).fetchone()
    assert config is not None
    row = db.execute(
        """INSERT INTO alert_history (organization_id, alert_configuration_id, alert_status,
               triggered_at) VALUES (%s, %s, 'triggered', %s) RETURNING id""",
        (org, config[0], T0),
    ).fetchone()
    assert row is not None
    return db, str(row[0])


def run(db: psycopg.Connection, minutes: float) -> int:
    row = db.execute(
        "SELECT escalate_unacknowledged_alerts(%s)", (T0 + timedelta(minutes=minutes),)
    ).fetchone()
    assert row is not None
    return int(row[0])


def level(db: psycopg.Connection, alert_id: str) -> tuple:
    row = db.execute(
        """SELECT h.escalation_level, h.alert_status::text,
                  (SELECT array_agg(q.escalation_level ORDER BY q.escalation_level)
                   FROM notification_queue q WHERE q.alert_id = h.id)
           FROM alert_history h WHERE h.id = %s""",
        (alert_id,),
    ).fetchone()
    assert row is not None
    return tuple(row)


def test_steps_follow_cumulative_delays(alert: tuple[psycopg.Connection, str]) -> None:
    db, alert_id = alert
    assert run(db, 4.99) == 0
    assert level(db, alert_id) == (0, "triggered", None)
    assert run(db, 5) == 1  # inclusive: exactly 5 minutes
    assert level(db, alert_id) == (1, "escalated", [1])
    assert run(db, 5) == 0  # same as_of again: nothing new
    assert run(db, 14.99) == 0
    assert run(db, 15) == 1  # 5 + 10
    assert level(db, alert_id) == (2, "escalated", [1, 2])
    assert run(db, 30) == 1  # 5 + 10 + 15
    assert run(db, 300) == 0  # no step 4
    assert level(db, alert_id) == (3, "escalated", [1, 2, 3])
    targets = db.execute(
        "SELECT targets FROM notification_queue WHERE escalation_level = 2"
    ).fetchone()
    assert targets == (["lead"],)


def test_late_scheduler_enqueues_each_level_once(alert: tuple[psycopg.Connection, str]) -> None:
    db, alert_id = alert
    assert run(db, 60) == 1
    assert level(db, alert_id) == (3, "escalated", [1, 2, 3])
    assert run(db, 60) == 0
    assert db.execute("SELECT notifications_sent FROM alert_history").fetchone() == (3,)


def test_acknowledged_alert_is_not_escalated(alert: tuple[psycopg.Connection, str]) -> None:
    db, alert_id = alert
    db.execute("UPDATE alert_history SET alert_status = 'acknowledged' WHERE id = %s", (alert_id,))
    assert db.execute("SELECT acknowledged_at IS NOT NULL FROM alert_history").fetchone() == (True,)
    assert run(db, 60) == 0
    assert level(db, alert_id)[0] == 0


def test_default_policy_when_no_configuration(db: psycopg.Connection) -> None:
    org = new_org(db, "Org")
    db.execute("""INSERT INTO escalation_policies (policy_name, escalation_rules, default_policy)
                  VALUES ('default', '[{"delay_minutes": 1}]', true)""")
    db.execute(
        """INSERT INTO alert_history (organization_id, alert_status, triggered_at)
                  VALUES (%s, 'triggered', %s)""",
        (org, T0),
    )
    assert run(db, 0.5) == 0
    assert run(db, 1) == 1


def test_no_policy_no_escalation(db: psycopg.Connection) -> None:
    org = new_org(db, "Org")
    db.execute(
        """INSERT INTO alert_history (organization_id, alert_status, triggered_at)
                  VALUES (%s, 'triggered', %s)""",
        (org, T0),
    )
    assert run(db, 600) == 0


def test_weekend_rules(db: psycopg.Connection) -> None:
    org = new_org(db, "Org")
    policy = db.execute(
        """INSERT INTO escalation_policies (policy_name, escalation_rules, wedding_specific_rules)
           VALUES ('p', '[{"delay_minutes": 30}]',
                   '{"escalation_rules": [{"delay_minutes": 2}]}') RETURNING id"""
    ).fetchone()
    assert policy is not None
    config = db.execute(
        """INSERT INTO alert_configurations (organization_id, alert_name, alert_type,
               condition_type,
               threshold_value, threshold_operator, escalation_policy_id, weekend_escalation)
           VALUES (%s, 'a', 'threshold', 'above_threshold', 1, 'greater_than', %s, true)
           RETURNING id""",
        (org, policy[0]),
    ).fetchone()
    assert config is not None
    saturday = datetime(2025, 6, 14, 10, 0, tzinfo=UTC)
    for t in (T0, saturday):
        db.execute(
            """INSERT INTO alert_history (organization_id, alert_configuration_id,
                          alert_status, triggered_at) VALUES (%s, %s, 'triggered', %s)""",
            (org, config[0], t),
        )
    row = db.execute(
        "SELECT escalate_unacknowledged_alerts(%s)", (saturday + timedelta(minutes=2),)
    ).fetchone()
    # The Saturday alert escalates after 2 minutes; the Tuesday one (months earlier) by its
    # 30-minute weekday rule.
    assert row == (2,)
    db.execute("DELETE FROM notification_queue")
    db.execute("UPDATE alert_history SET escalation_level = 0, alert_status = 'triggered'")
    row = db.execute(
        "SELECT escalate_unacknowledged_alerts(%s)", (saturday + timedelta(minutes=1),)
    ).fetchone()
    assert row == (1,)  # only the Tuesday alert


def test_not_callable_by_users(db: psycopg.Connection) -> None:
    from psycopg import errors

    from tests.test_schema_support import acting_as, new_user

    org = new_org(db, "Org")
    admin = new_user(db, org, "admin")
    for function in (
        "escalate_unacknowledged_alerts",
        "cleanup_monitoring_data",
        "optimize_wedding_season_monitoring",
    ):
        with (
            acting_as(db, "authenticated", admin) as conn,
            pytest.raises(errors.InsufficientPrivilege),
        ):
            conn.execute(sql.SQL("SELECT {}()").format(sql.Identifier("public", function)))
    with acting_as(db, "service_role") as conn:
        conn.execute("SELECT escalate_unacknowledged_alerts()")
