"""Every table, enum, view and function the schema promises exists, with the spec's columns.

Also catalog-wide rules: foreign keys are indexed, SECURITY DEFINER functions pin
search_path, and the migrations run where an `auth` schema already exists (Supabase).
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from tests.test_schema_support import VIEWS, clone_template, drop_clone, module_database

SPEC_TABLES = [
    "error_reports",
    "error_correlations",
    "error_patterns",
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
    "escalation_policies",
    "runbooks",
    "post_incident_analysis",
    "alert_configurations",
    "alert_history",
    "notification_channels",
    "suppression_rules",
    "escalation_contacts",
    "system_health_checks",
    "monitoring_integrations",
    "third_party_services",
    "notification_queue",
    "system_maintenance_logs",
]
# Beyond the spec's list (documented in docs/schema.md).
ADDED_TABLES = ["organizations", "user_profiles", "error_groups"]
# Bookkeeping of the data generator's loader (0050), locked down by 0051.
LOADER_TABLES = ["generation_runs"]

UNDEFINED_IN_SPEC_ENUMS = [
    "monitoring_integration_type",
    "sync_status_type",
    "notification_channel_type",
    "third_party_service_type",
    "service_status_type",
]

FUNCTIONS = [
    "public.wedding_context(timestamptz, text)",
    "public.cwv_rating(text, numeric)",
    "public.cwv_overall_rating(numeric, numeric, numeric)",
    "public.error_fingerprint(text, text, text)",
    "public.next_incident_number(timestamptz)",
    "public.user_org_ids(public.app_role_type[])",
    "public.is_org_member(uuid)",
    "public.has_org_role(uuid, public.app_role_type[])",
    "public.cleanup_monitoring_data(timestamptz)",
    "public.escalate_unacknowledged_alerts(timestamptz, text)",
    "public.optimize_wedding_season_monitoring(timestamptz, text)",
    "auth.uid()",
    "auth.jwt()",
]

# Transcribed from docs/WS-259 spec (CREATE TABLE / CREATE TYPE blocks).
SPEC_COLUMNS: dict[str, list[str]] = {
    "error_reports": [
        "id",
        "organization_id",
        "error_type",
        "severity",
        "service_name",
        "endpoint_path",
        "error_message",
        "stack_trace",
        "user_id",
        "session_id",
        "request_data",
        "user_agent",
        "ip_address",
        "wedding_context",
        "correlation_id",
        "auto_recovery_attempted",
        "resolution_status",
        "first_occurrence",
        "occurrence_count",
        "last_occurrence",
        "created_at",
    ],
    "error_patterns": [
        "id",
        "pattern_name",
        "error_signature",
        "pattern_type",
        "confidence_score",
        "occurrence_threshold",
        "time_window",
        "affected_services",
        "common_context",
        "suggested_resolution",
        "auto_escalate",
        "is_active",
        "created_at",
        "updated_at",
    ],
    "performance_metrics": [
        "id",
        "metric_type",
        "service_name",
        "endpoint_path",
        "metric_value",
        "metric_unit",
        "user_id",
        "session_id",
        "device_type",
        "connection_type",
        "user_segment",
        "wedding_context",
        "system_load_context",
        "timestamp",
        "created_at",
    ],
    "core_web_vitals": [
        "id",
        "user_id",
        "session_id",
        "page_url",
        "lcp_value",
        "fid_value",
        "cls_value",
        "fcp_value",
        "ttfb_value",
        "device_type",
        "connection_type",
        "viewport_width",
        "viewport_height",
        "user_agent",
        "performance_rating",
        "wedding_workflow_context",
        "created_at",
    ],
    "business_events": [
        "id",
        "event_type",
        "event_name",
        "user_id",
        "organization_id",
        "session_id",
        "event_properties",
        "user_properties",
        "device_properties",
        "wedding_context",
        "conversion_value",
        "revenue_impact",
        "funnel_step",
        "experiment_id",
        "ab_test_variant",
        "event_timestamp",
        "processed_at",
    ],
    "incidents": [
        "id",
        "incident_number",
        "title",
        "description",
        "severity",
        "status",
        "priority",
        "wedding_impact",
        "affected_services",
        "affected_users_estimate",
        "root_cause",
        "resolution_summary",
        "created_by",
        "assigned_to",
        "resolved_by",
        "escalation_level",
        "escalation_policy_id",
        "auto_created",
        "external_ticket_url",
        "context",
        "tags",
        "created_at",
        "updated_at",
        "resolved_at",
        "closed_at",
    ],
    "incident_updates": [
        "id",
        "incident_id",
        "update_type",
        "message",
        "status_change",
        "severity_change",
        "updated_by",
        "internal_notes",
        "public_message",
        "automated_update",
        "context",
        "created_at",
    ],
    "alert_configurations": [
        "id",
        "alert_name",
        "alert_type",
        "service_name",
        "metric_name",
        "condition_type",
        "threshold_value",
        "threshold_operator",
        "time_window",
        "evaluation_frequency",
        "wedding_season_adjustment",
        "weekend_escalation",
        "suppression_rules",
        "notification_channels",
        "escalation_policy_id",
        "is_active",
        "created_by",
        "tags",
        "created_at",
        "updated_at",
    ],
    "alert_history": [
        "id",
        "alert_configuration_id",
        "alert_status",
        "triggered_at",
        "resolved_at",
        "duration_seconds",
        "trigger_value",
        "threshold_value",
        "context",
        "incident_id",
        "notifications_sent",
        "escalation_level",
        "suppressed",
        "suppression_reason",
        "created_at",
    ],
    "escalation_policies": [
        "id",
        "policy_name",
        "description",
        "escalation_rules",
        "wedding_specific_rules",
        "default_policy",
        "is_active",
        "created_by",
        "created_at",
        "updated_at",
    ],
    "runbooks": [
        "id",
        "runbook_name",
        "description",
        "trigger_conditions",
        "automation_steps",
        "manual_steps",
        "success_criteria",
        "rollback_procedures",
        "estimated_duration",
        "requires_approval",
        "wedding_day_approved",
        "execution_count",
        "success_rate",
        "is_active",
        "created_by",
        "tags",
        "created_at",
        "updated_at",
    ],
    "system_health_checks": [
        "id",
        "check_name",
        "service_name",
        "check_type",
        "status",
        "response_time_ms",
        "error_message",
        "check_details",
        "wedding_critical",
        "last_success",
        "consecutive_failures",
        "created_at",
    ],
    "monitoring_integrations": [
        "id",
        "service_name",
        "integration_type",
        "configuration",
        "credentials_encrypted",
        "webhook_endpoints",
        "data_sync_enabled",
        "last_sync_at",
        "sync_status",
        "is_active",
        "created_at",
    ],
    "notification_channels": [
        "id",
        "channel_name",
        "channel_type",
        "configuration",
        "webhook_url",
        "api_credentials_encrypted",
        "template_config",
        "rate_limit_config",
        "wedding_emergency_override",
        "is_active",
        "last_used",
        "success_rate",
        "created_at",
    ],
    "third_party_services": [
        "id",
        "service_name",
        "service_type",
        "api_endpoint",
        "health_check_endpoint",
        "current_status",
        "last_health_check",
        "response_time_ms",
        "uptime_percentage",
        "wedding_critical",
        "fallback_available",
        "created_at",
        "updated_at",
    ],
}
SPEC_ENUMS: dict[str, list[str]] = {
    "error_severity_type": [
        "low",
        "medium",
        "high",
        "critical",
        "wedding_emergency",
    ],
    "resolution_status_type": [
        "open",
        "investigating",
        "resolved",
        "closed",
        "auto_resolved",
    ],
    "pattern_type_enum": [
        "recurring_error",
        "cascade_failure",
        "performance_degradation",
        "user_behavior_anomaly",
    ],
    "performance_metric_type": [
        "response_time",
        "throughput",
        "error_rate",
        "cpu_usage",
        "memory_usage",
        "database_query_time",
        "core_web_vitals",
        "user_journey_time",
    ],
    "device_type_enum": [
        "desktop",
        "tablet",
        "mobile",
        "unknown",
    ],
    "connection_type_enum": [
        "slow_2g",
        "2g",
        "3g",
        "4g",
        "5g",
        "wifi",
        "ethernet",
        "unknown",
    ],
    "user_segment_type": [
        "new_user",
        "active_user",
        "power_user",
        "churned_user",
        "wedding_supplier",
        "couple",
    ],
    "performance_rating_type": [
        "good",
        "needs_improvement",
        "poor",
    ],
    "incident_severity_type": [
        "low",
        "medium",
        "high",
        "critical",
        "wedding_day_emergency",
    ],
    "incident_status_type": [
        "open",
        "investigating",
        "in_progress",
        "resolved",
        "closed",
        "cancelled",
    ],
    "incident_priority_type": [
        "p4",
        "p3",
        "p2",
        "p1",
        "p0",
    ],
    "wedding_impact_level": [
        "none",
        "low",
        "medium",
        "high",
        "wedding_day_critical",
    ],
    "incident_update_type": [
        "status_change",
        "investigation_update",
        "resolution_update",
        "escalation",
        "assignment_change",
        "root_cause_identified",
    ],
    "alert_type_enum": [
        "threshold",
        "anomaly",
        "composite",
        "heartbeat",
        "pattern_match",
    ],
    "condition_type_enum": [
        "above_threshold",
        "below_threshold",
        "equals",
        "not_equals",
        "percentage_change",
        "rate_of_change",
    ],
    "operator_type_enum": [
        "greater_than",
        "less_than",
        "equals",
        "not_equals",
        "greater_than_or_equal",
        "less_than_or_equal",
    ],
    "alert_status_type": [
        "triggered",
        "acknowledged",
        "resolved",
        "suppressed",
        "escalated",
    ],
    "health_check_type": [
        "http_endpoint",
        "database_connection",
        "third_party_api",
        "queue_health",
        "disk_space",
        "memory_usage",
    ],
    "health_status_type": [
        "healthy",
        "degraded",
        "unhealthy",
        "unknown",
    ],
}


@pytest.fixture(scope="module")
def catalog(pg_admin_dsn: str, template_dsn: str) -> Iterator[psycopg.Connection]:
    """One migrated database shared by the module's read-only tests."""
    yield from module_database(pg_admin_dsn, template_dsn)


def names(conn: psycopg.Connection, query: str) -> set[str]:
    return {str(r[0]) for r in conn.execute(query).fetchall()}


def test_tables(catalog: psycopg.Connection) -> None:
    found = names(
        catalog,
        """SELECT tablename FROM pg_tables WHERE schemaname = 'public'
                         AND tablename <> 'schema_migrations'""",
    )
    assert found == set(SPEC_TABLES) | set(ADDED_TABLES) | set(LOADER_TABLES)
    assert "users" in names(catalog, "SELECT tablename FROM pg_tables WHERE schemaname = 'auth'")


@pytest.mark.parametrize("table", sorted(SPEC_COLUMNS))
def test_spec_columns_kept(catalog: psycopg.Connection, table: str) -> None:
    found = names(
        catalog,
        f"""SELECT column_name FROM information_schema.columns
                          WHERE table_schema = 'public' AND table_name = '{table}'""",
    )
    missing = set(SPEC_COLUMNS[table]) - found
    assert not missing, f"{table} lost spec columns {sorted(missing)}"


def test_added_columns(catalog: psycopg.Connection) -> None:
    for table, column in [
        ("core_web_vitals", "inp_value"),
        ("core_web_vitals", "page_group"),
        ("error_reports", "fingerprint"),
        ("error_reports", "incident_id"),
        ("alert_history", "acknowledged_at"),
        ("incidents", "acknowledged_at"),
        ("incidents", "dedup_key"),
        ("alert_configurations", "base_threshold_value"),
    ]:
        row = catalog.execute(
            """SELECT is_nullable FROM information_schema.columns
               WHERE table_schema = 'public' AND table_name = %s AND column_name = %s""",
            (table, column),
        ).fetchone()
        assert row is not None, f"{table}.{column} missing"
    row = catalog.execute("""SELECT is_nullable FROM information_schema.columns
                        WHERE table_name = 'core_web_vitals' AND column_name = 'fid_value'""")
    assert row.fetchone() == ("YES",)


@pytest.mark.parametrize("enum", sorted(SPEC_ENUMS))
def test_spec_enums_exact(catalog: psycopg.Connection, enum: str) -> None:
    row = catalog.execute(
        """SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e
           JOIN pg_type t ON t.oid = e.enumtypid JOIN pg_namespace n ON n.oid = t.typnamespace
           WHERE n.nspname = 'public' AND t.typname = %s""",
        (enum,),
    ).fetchone()
    assert row is not None and row[0] == SPEC_ENUMS[enum]


def test_enums_undefined_in_spec_exist(catalog: psycopg.Connection) -> None:
    found = names(
        catalog,
        """SELECT t.typname FROM pg_type t JOIN pg_namespace n
                         ON n.oid = t.typnamespace
                         WHERE n.nspname = 'public' AND t.typtype = 'e'""",
    )
    assert set(UNDEFINED_IN_SPEC_ENUMS) | {"app_role_type"} | set(SPEC_ENUMS) == found
    # The spec's column defaults must be members.
    catalog.execute("SELECT 'healthy'::sync_status_type, 'unknown'::service_status_type")


def test_views(catalog: psycopg.Connection) -> None:
    assert names(catalog, "SELECT viewname FROM pg_views WHERE schemaname = 'public'") == set(VIEWS)
    for view in VIEWS:
        definition = catalog.execute("SELECT pg_get_viewdef(%s::regclass)", (f"public.{view}",))
        text = (definition.fetchone() or ("",))[0].upper()
        assert "ORDER BY" not in text.replace("WITHIN GROUP (ORDER BY", ""), view
        catalog.execute(f"SELECT * FROM public.{view}")


@pytest.mark.parametrize("signature", FUNCTIONS)
def test_functions(catalog: psycopg.Connection, signature: str) -> None:
    row = catalog.execute("SELECT to_regprocedure(%s)", (signature,)).fetchone()
    assert row is not None and row[0] is not None, signature


def test_incident_number_sequence(catalog: psycopg.Connection) -> None:
    assert catalog.execute("SELECT to_regclass('public.incident_number_seq')").fetchone() != (None,)


def test_security_definer_functions_pin_search_path(catalog: psycopg.Connection) -> None:
    rows = catalog.execute(
        """SELECT p.proname, coalesce(p.proconfig, '{}') FROM pg_proc p
           JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = 'public' AND p.prosecdef"""
    ).fetchall()
    assert len(rows) >= 6
    for name, config in rows:
        assert 'search_path=""' in config, name


def test_every_foreign_key_is_indexed(catalog: psycopg.Connection) -> None:
    """Each FK's first column leads some index (cascades and joins)."""
    rows = catalog.execute(
        """
        SELECT c.conrelid::regclass::text, c.conname
        FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
        WHERE c.contype = 'f' AND n.nspname = 'public'
          AND NOT EXISTS (
            SELECT 1 FROM pg_index i
            WHERE i.indrelid = c.conrelid
              AND i.indkey[0] = c.conkey[1])
          -- user_id / created_by style references to auth.users are not indexed on the
          -- large tables on purpose (users are rarely deleted; see docs/schema.md).
          AND c.confrelid <> 'auth.users'::regclass
        ORDER BY 1, 2
        """
    ).fetchall()
    assert rows == []


def test_indexes_valid_and_spec_indexes_present(catalog: psycopg.Connection) -> None:
    invalid = catalog.execute(
        "SELECT indexrelid::regclass::text FROM pg_index WHERE NOT indisvalid"
    )
    assert invalid.fetchall() == []
    found = names(catalog, "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")
    for index in [
        "idx_error_reports_severity_time",
        "idx_error_reports_wedding_context",
        "idx_performance_metrics_timestamp",
        "idx_performance_metrics_service_type",
        "idx_business_events_funnel",
        "idx_business_events_revenue",
        "idx_incidents_active",
        "idx_incidents_wedding_impact",
        "idx_alert_history_active",
        "idx_perf_metrics_user_journey",
        "incidents_open_dedup_key",
    ]:
        assert index in found, index


def test_roles(catalog: psycopg.Connection) -> None:
    rows = dict(
        catalog.execute(
            """SELECT rolname, rolbypassrls FROM pg_roles
           WHERE rolname IN ('anon', 'authenticated', 'service_role')"""
        ).fetchall()
    )
    assert rows == {"anon": False, "authenticated": False, "service_role": True}


def test_auth_functions_read_claims(catalog: psycopg.Connection) -> None:
    with catalog.transaction(force_rollback=True):
        catalog.execute("""SELECT set_config('request.jwt.claims',
                      '{"sub": "8f1c6d1e-0000-4000-8000-000000000001", "role": "authenticated"}',
                      true)""")
        row = catalog.execute("SELECT auth.uid()::text, auth.jwt()->>'role'").fetchone()
        assert row == ("8f1c6d1e-0000-4000-8000-000000000001", "authenticated")


def test_migrations_keep_an_existing_auth_schema(pg_admin_dsn: str, template_dsn: str) -> None:
    """On Supabase `auth` exists: the shim must leave it alone (and roles already exist)."""
    from wedsync_analytics.migrations import apply_migrations

    name, dsn = clone_template(pg_admin_dsn, "postgresql:///template0")
    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("""
                CREATE SCHEMA auth;
                CREATE TABLE auth.users (id uuid PRIMARY KEY, supabase_marker text);
                CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE
                  AS $$ SELECT NULL::uuid $$;
                CREATE FUNCTION auth.jwt() RETURNS jsonb LANGUAGE sql STABLE
                  AS $$ SELECT '{}'::jsonb $$;
            """)
        applied = apply_migrations(dsn)
        assert applied[0].startswith("0001") and len(applied) >= 12
        with psycopg.connect(dsn, autocommit=True) as conn:
            row = conn.execute("""SELECT count(*) FROM information_schema.columns
                                  WHERE table_schema = 'auth' AND table_name = 'users'
                                    AND column_name = 'supabase_marker'""").fetchone()
            assert row == (1,)
    finally:
        drop_clone(pg_admin_dsn, name)
