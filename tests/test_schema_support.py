"""Helpers shared by the schema tests (tests/test_schema_*.py): seeding and acting as a user.

No tests here. Imported as `tests.test_schema_support`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql

# Tables whose rows belong to one organization (column organization_id; for
# `organizations` itself the key is id). Every one must isolate tenants.
TENANT_TABLES = [
    "organizations",
    "user_profiles",
    "error_reports",
    "error_groups",
    "error_correlations",
    "auto_recovery_logs",
    "error_suppression_rules",
    "performance_metrics",
    "core_web_vitals",
    "api_performance",
    "database_performance",
    "user_journey_performance",
    "business_events",
    "conversion_funnels",
    "feature_usage",
    "revenue_metrics",
    "user_segments",
    "incidents",
    "incident_updates",
    "post_incident_analysis",
    "alert_configurations",
    "alert_history",
    "suppression_rules",
    "escalation_contacts",
    "notification_queue",
    "system_health_checks",
]

# Global configuration: readable by authenticated users, written by service_role only.
GLOBAL_READABLE_TABLES = [
    "error_patterns",
    "escalation_policies",
    "runbooks",
    "third_party_services",
    "notification_channels",
    "monitoring_integrations",
]

# Readable and writable by service_role only (generation_runs: the loader's bookkeeping).
SERVICE_ONLY_TABLES = ["system_maintenance_logs", "generation_runs"]

VIEWS = [
    "system_health_overview",
    "error_trending_analysis",
    "performance_percentile_analysis",
    "funnel_conversion_analysis",
    "incident_response_metrics",
]


def org_key(table: str) -> str:
    return "id" if table == "organizations" else "organization_id"


def new_org(conn: psycopg.Connection, name: str, tz: str = "Europe/London") -> str:
    row = conn.execute(
        "INSERT INTO organizations (name, slug, timezone) VALUES (%s, %s, %s) RETURNING id",
        (name, f"{name.lower()}-{uuid.uuid4().hex[:6]}", tz),
    ).fetchone()
    assert row is not None
    return str(row[0])


def new_user(conn: psycopg.Connection, org: str | None, role: str = "admin") -> str:
    row = conn.execute(
        "INSERT INTO auth.users (email) VALUES (%s) RETURNING id",
        (f"{uuid.uuid4().hex[:8]}@example.test",),
    ).fetchone()
    assert row is not None
    user = str(row[0])
    if org is not None:
        conn.execute(
            "INSERT INTO user_profiles (user_id, organization_id, app_role) VALUES (%s, %s, %s)",
            (user, org, role),
        )
    return user


@contextmanager
def acting_as(
    conn: psycopg.Connection, role: str, user: str | None = None, claims: dict | None = None
) -> Iterator[psycopg.Connection]:
    """Run the block as database role `role` with Supabase-style JWT claims, then roll back."""
    payload = dict(claims or {})
    payload.setdefault("role", role)
    if user is not None:
        payload.setdefault("sub", user)
    with conn.transaction(force_rollback=True):
        conn.execute("SELECT set_config('request.jwt.claims', %s, true)", (json.dumps(payload),))
        conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))
        yield conn


def seed_tenant(conn: psycopg.Connection, org: str, user: str) -> dict[str, str]:
    """One row in every tenant table for `org` (as superuser); returns table -> row id.

    Links between the rows stay inside `org` (plus `second_error_report`, the id of
    another error of `org`).

    Times are "now" so the dashboard views (last hour / day / week) include them.
    """
    ids: dict[str, str] = {"organizations": org}

    def one(query: str, params: tuple = ()) -> str:
        row = conn.execute(query, params).fetchone()
        assert row is not None
        return str(row[0])

    ids["user_profiles"] = one(
        "SELECT id FROM user_profiles WHERE organization_id = %s AND user_id = %s", (org, user)
    )
    ids["error_reports"] = one(
        """INSERT INTO error_reports (organization_id, error_type, severity, service_name,
               error_message, user_id)
           VALUES (%s, 'TimeoutError', 'high', 'booking-api', 'upstream timeout', %s)
           RETURNING id""",
        (org, user),
    )
    second_error = one(
        """INSERT INTO error_reports (organization_id, error_type, severity, service_name,
               error_message) VALUES (%s, 'ValueError', 'low', 'web', 'bad input') RETURNING id""",
        (org,),
    )
    # Not a table: a second error of the organization (a correlation links two).
    ids["second_error_report"] = second_error
    ids["error_groups"] = one("SELECT id FROM error_groups WHERE organization_id = %s", (org,))
    ids["incidents"] = one("SELECT id FROM incidents WHERE organization_id = %s", (org,))
    ids["error_correlations"] = one(
        """INSERT INTO error_correlations (organization_id, primary_error_id, related_error_id,
               correlation_type, correlation_score) VALUES (%s, %s, %s, 'cascade', 0.9)
           RETURNING id""",
        (org, ids["error_reports"], second_error),
    )
    ids["auto_recovery_logs"] = one(
        """INSERT INTO auto_recovery_logs (organization_id, error_report_id, incident_id,
               service_name, recovery_action, recovery_status)
           VALUES (%s, %s, %s, 'booking-api', 'restart pod', 'succeeded') RETURNING id""",
        (org, ids["error_reports"], ids["incidents"]),
    )
    ids["error_suppression_rules"] = one(
        """INSERT INTO error_suppression_rules (organization_id, rule_name, service_name)
           VALUES (%s, 'mute web', 'web') RETURNING id""",
        (org,),
    )
    ids["performance_metrics"] = one(
        """INSERT INTO performance_metrics (organization_id, metric_type, service_name,
               metric_value, metric_unit) VALUES (%s, 'response_time', 'booking-api', 123.456, 'ms')
           RETURNING id""",
        (org,),
    )
    ids["core_web_vitals"] = one(
        """INSERT INTO core_web_vitals (organization_id, session_id, page_url, lcp_value,
               inp_value, cls_value, device_type)
           VALUES (%s, 's1', '/venues', 2100, 150, 0.05, 'mobile') RETURNING id""",
        (org,),
    )
    ids["api_performance"] = one(
        """INSERT INTO api_performance (organization_id, service_name, endpoint_path,
               status_code, response_time_ms) VALUES (%s, 'booking-api', '/v1/bookings', 200, 87.5)
           RETURNING id""",
        (org,),
    )
    ids["database_performance"] = one(
        """INSERT INTO database_performance (organization_id, service_name, query_fingerprint,
               execution_time_ms) VALUES (%s, 'booking-api', 'q1', 12.5) RETURNING id""",
        (org,),
    )
    ids["user_journey_performance"] = one(
        """INSERT INTO user_journey_performance (organization_id, user_id, journey_name,
               started_at, completed, step_count)
           VALUES (%s, %s, 'book_supplier', now(), true, 4) RETURNING id""",
        (org, user),
    )
    ids["business_events"] = one(
        """INSERT INTO business_events (organization_id, user_id, event_type, event_name,
               funnel_step, conversion_value, event_timestamp)
           VALUES (%s, %s, 'funnel', 'viewed_venue', 'view', 10, now()) RETURNING id""",
        (org, user),
    )
    ids["conversion_funnels"] = one(
        """INSERT INTO conversion_funnels (organization_id, funnel_name, steps)
           VALUES (%s, 'booking', ARRAY['view', 'enquire', 'book']) RETURNING id""",
        (org,),
    )
    ids["feature_usage"] = one(
        """INSERT INTO feature_usage (organization_id, user_id, feature_name)
           VALUES (%s, %s, 'seating_planner') RETURNING id""",
        (org, user),
    )
    ids["revenue_metrics"] = one(
        """INSERT INTO revenue_metrics (organization_id, metric_date, metric_type, amount)
           VALUES (%s, current_date, 'mrr', 1000) RETURNING id""",
        (org,),
    )
    ids["user_segments"] = one(
        """INSERT INTO user_segments (organization_id, user_id, segment)
           VALUES (%s, %s, 'wedding_supplier') RETURNING id""",
        (org, user),
    )
    ids["incident_updates"] = one(
        """INSERT INTO incident_updates (organization_id, incident_id, update_type, message)
           VALUES (%s, %s, 'investigation_update', 'looking') RETURNING id""",
        (org, ids["incidents"]),
    )
    ids["post_incident_analysis"] = one(
        """INSERT INTO post_incident_analysis (organization_id, incident_id, summary)
           VALUES (%s, %s, 'summary') RETURNING id""",
        (org, ids["incidents"]),
    )
    ids["alert_configurations"] = one(
        """INSERT INTO alert_configurations (organization_id, alert_name, alert_type,
               condition_type, threshold_value, threshold_operator, created_by)
           VALUES (%s, 'p95 latency', 'threshold', 'above_threshold', 500, 'greater_than', %s)
           RETURNING id""",
        (org, user),
    )
    ids["alert_history"] = one(
        """INSERT INTO alert_history (organization_id, alert_configuration_id, alert_status,
               triggered_at) VALUES (%s, %s, 'triggered', now()) RETURNING id""",
        (org, ids["alert_configurations"]),
    )
    ids["suppression_rules"] = one(
        """INSERT INTO suppression_rules (organization_id, rule_name, service_name)
           VALUES (%s, 'deploy window', 'web') RETURNING id""",
        (org,),
    )
    ids["escalation_contacts"] = one(
        """INSERT INTO escalation_contacts (organization_id, contact_name, email)
           VALUES (%s, 'On-call lead', 'oncall@example.test') RETURNING id""",
        (org,),
    )
    ids["notification_queue"] = one(
        """INSERT INTO notification_queue (organization_id, alert_id, escalation_level)
           VALUES (%s, %s, 1) RETURNING id""",
        (org, ids["alert_history"]),
    )
    ids["system_health_checks"] = one(
        """INSERT INTO system_health_checks (organization_id, check_name, service_name,
               check_type, status, response_time_ms)
           VALUES (%s, 'api up', 'booking-api', 'http_endpoint', 'healthy', 42) RETURNING id""",
        (org,),
    )
    missing = set(TENANT_TABLES) - set(ids)
    assert not missing, f"seed_tenant does not seed {sorted(missing)}"
    return ids


def seed_globals(conn: psycopg.Connection) -> None:
    """One row in every global configuration table."""
    conn.execute(
        """INSERT INTO error_patterns (pattern_name, error_signature, pattern_type)
           VALUES ('timeouts', 'TimeoutError', 'recurring_error')"""
    )
    conn.execute(
        """INSERT INTO escalation_policies (policy_name, escalation_rules, default_policy)
           VALUES ('default', '[{"delay_minutes": 5, "targets": ["oncall"]}]', true)"""
    )
    conn.execute(
        """INSERT INTO runbooks (runbook_name, trigger_conditions, automation_steps)
           VALUES ('Restart API', '{}', '[]')"""
    )
    conn.execute(
        """INSERT INTO third_party_services (service_name, service_type)
           VALUES ('Stripe', 'payment')"""
    )
    conn.execute(
        """INSERT INTO notification_channels (channel_name, channel_type, configuration,
               api_credentials_encrypted) VALUES ('ops slack', 'slack', '{}', 'secret')"""
    )
    conn.execute(
        """INSERT INTO monitoring_integrations (service_name, integration_type, configuration,
               credentials_encrypted) VALUES ('Sentry', 'error_tracking', '{}', 'secret')"""
    )
    conn.execute(
        """INSERT INTO system_maintenance_logs (activity_type, records_affected)
           VALUES ('seed', 0)"""
    )


def clone_template(admin_dsn: str, template_dsn: str) -> tuple[str, str]:
    """Create a database from the session's migrated template; return (name, dsn)."""
    from psycopg import conninfo

    name = f"wsa_schema_{uuid.uuid4().hex[:12]}"
    template = conninfo.conninfo_to_dict(template_dsn)["dbname"]
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(str(template))
            )
        )
    return name, conninfo.make_conninfo(admin_dsn, dbname=name)


def drop_clone(admin_dsn: str, name: str) -> None:
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def module_database(admin_dsn: str, template_dsn: str) -> Iterator[psycopg.Connection]:
    """Body of a module-scoped fixture: one migrated clone, autocommit superuser connection.

    For read-only tests (catalog queries, pure functions): cloning a database per test
    costs ~0.3 s, which parametrised catalog tests cannot afford.
    """
    name, dsn = clone_template(admin_dsn, template_dsn)
    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            yield conn
    finally:
        drop_clone(admin_dsn, name)
