"""Row level security: organization A's users never see or touch organization B's rows.

Every tenant table and every view is covered (parametrised), and a catalog test fails
when a table appears that has no RLS or is not classified here. Links between tenant tables
cannot point at another organization's row (TENANT_LINKS).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import errors, sql

from tests.test_schema_support import (
    GLOBAL_READABLE_TABLES,
    SERVICE_ONLY_TABLES,
    TENANT_TABLES,
    VIEWS,
    acting_as,
    clone_template,
    drop_clone,
    new_org,
    new_user,
    org_key,
    seed_globals,
    seed_tenant,
)


@pytest.fixture(scope="module")
def shared(pg_admin_dsn: str, template_dsn: str) -> Iterator[dict]:
    """One seeded database for the whole module: two organizations, a row of each table.

    Tests only read it, or change it inside transactions that roll back.
    """
    name, dsn = clone_template(pg_admin_dsn, template_dsn)
    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            seed_globals(conn)
            org_a, org_b = new_org(conn, "Alpha"), new_org(conn, "Bravo")
            admin_a, admin_b = new_user(conn, org_a, "admin"), new_user(conn, org_b, "admin")
            rows_a = seed_tenant(conn, org_a, admin_a)
            rows_b = seed_tenant(conn, org_b, admin_b)
            yield {
                "conn": conn,
                "a": org_a,
                "b": org_b,
                "admin_a": admin_a,
                "admin_b": admin_b,
                "rows_a": rows_a,
                "rows_b": rows_b,
            }
    finally:
        drop_clone(pg_admin_dsn, name)


@pytest.fixture
def two_orgs(shared: dict) -> Iterator[dict]:
    """The shared database; everything a test does as superuser is rolled back."""
    conn = shared["conn"]
    with conn.transaction(force_rollback=True):
        yield shared


def _count(conn: psycopg.Connection, relation: str, key: str, org: str) -> int:
    row = conn.execute(
        sql.SQL("SELECT count(*) FROM {} WHERE {} = %s").format(
            sql.Identifier("public", relation), sql.Identifier(key)
        ),
        (org,),
    ).fetchone()
    assert row is not None
    return int(row[0])


def test_every_table_has_rls_and_is_classified(db: psycopg.Connection) -> None:
    rows = db.execute(
        """
        SELECT c.relname, c.relrowsecurity,
               EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid
                       AND a.attname = 'organization_id' AND NOT a.attisdropped)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
          AND c.relname <> 'schema_migrations'
        """
    ).fetchall()
    without_rls = sorted(name for name, rls, _ in rows if not rls)
    assert without_rls == [], f"tables without row level security: {without_rls}"
    tenant_in_catalog = {name for name, _, has_org in rows if has_org} | {"organizations"}
    assert tenant_in_catalog == set(TENANT_TABLES), (
        "tenant tables (with organization_id) and the tested list differ"
    )
    others = {name for name, _, has_org in rows if not has_org} - {"organizations"}
    assert others == set(GLOBAL_READABLE_TABLES) | set(SERVICE_ONLY_TABLES)


def test_every_tenant_table_has_a_policy_for_authenticated(db: psycopg.Connection) -> None:
    rows = db.execute(
        """SELECT tablename FROM pg_policies
           WHERE schemaname = 'public' AND 'authenticated' = ANY (roles)"""
    ).fetchall()
    assert set(TENANT_TABLES) <= {r[0] for r in rows}


def test_views_are_security_invoker(db: psycopg.Connection) -> None:
    rows = db.execute(
        """SELECT c.relname, coalesce(c.reloptions, '{}') FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'public' AND c.relkind = 'v'"""
    ).fetchall()
    assert {r[0] for r in rows} == set(VIEWS)
    for name, options in rows:
        assert "security_invoker=true" in options, name


@pytest.mark.parametrize("table", TENANT_TABLES)
def test_tenant_isolation(two_orgs: dict, table: str) -> None:
    db = two_orgs["conn"]
    key = org_key(table)
    a, b = two_orgs["a"], two_orgs["b"]
    row_b = two_orgs["rows_b"][table]
    row_a = two_orgs["rows_a"][table]
    ident = sql.Identifier("public", table)
    # B's row as JSON (read as superuser), re-keyed, to attempt an insert as A's admin.
    found = db.execute(
        sql.SQL("SELECT to_jsonb(t) FROM {} t WHERE id = %s").format(ident), (row_b,)
    ).fetchone()
    assert found is not None
    copy_of_b = dict(found[0], id=str(uuid.uuid4()))
    if table == "incidents":
        copy_of_b["incident_number"] = "INC-TEST-" + uuid.uuid4().hex[:8]

    with acting_as(db, "authenticated", two_orgs["admin_a"]) as conn:
        assert _count(conn, table, key, a) >= 1, "A's admin must see A's rows"
        assert _count(conn, table, key, b) == 0, "A's admin sees B's rows"
        cur = conn.execute(
            sql.SQL("UPDATE {} SET {} = {} WHERE {} = %s").format(
                ident, sql.Identifier(key), sql.Identifier(key), sql.Identifier(key)
            ),
            (b,),
        )
        assert cur.rowcount == 0, "A's admin updated B's rows"
        try:
            with conn.transaction():
                cur = conn.execute(
                    sql.SQL("DELETE FROM {} WHERE {} = %s").format(ident, sql.Identifier(key)),
                    (b,),
                )
                assert cur.rowcount == 0, "A's admin deleted B's rows"
        except errors.InsufficientPrivilege:
            assert table == "organizations", "only organizations has no DELETE grant"

    with (
        acting_as(db, "authenticated", two_orgs["admin_a"]) as conn,
        pytest.raises(errors.InsufficientPrivilege),
    ):
        conn.execute(
            sql.SQL("INSERT INTO {} SELECT * FROM jsonb_populate_record(NULL::{}, %s)").format(
                ident, ident
            ),
            (json.dumps(copy_of_b),),
        )

    if table != "organizations":
        # Moving one of A's rows into B is refused too.
        with (
            acting_as(db, "authenticated", two_orgs["admin_a"]) as conn,
            pytest.raises(errors.InsufficientPrivilege),
        ):
            conn.execute(
                sql.SQL("UPDATE {} SET organization_id = %s WHERE id = %s").format(ident),
                (b, row_a),
            )

    with acting_as(db, "service_role") as conn:
        assert _count(conn, table, key, a) >= 1
        assert _count(conn, table, key, b) >= 1


@pytest.mark.parametrize("view", VIEWS)
def test_views_respect_rls(two_orgs: dict, view: str) -> None:
    db = two_orgs["conn"]
    a, b = two_orgs["a"], two_orgs["b"]
    with acting_as(db, "authenticated", two_orgs["admin_a"]) as conn:
        assert _count(conn, view, "organization_id", a) >= 1
        assert _count(conn, view, "organization_id", b) == 0
        total = conn.execute(
            sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier("public", view))
        ).fetchone()
        assert total is not None and total[0] == _count(conn, view, "organization_id", a)
    with acting_as(db, "service_role") as conn:
        assert _count(conn, view, "organization_id", a) >= 1
        assert _count(conn, view, "organization_id", b) >= 1


def test_anon_reads_nothing(two_orgs: dict) -> None:
    db = two_orgs["conn"]
    for relation in TENANT_TABLES + GLOBAL_READABLE_TABLES + SERVICE_ONLY_TABLES + VIEWS:
        with acting_as(db, "anon") as conn, pytest.raises(errors.InsufficientPrivilege):
            conn.execute(
                sql.SQL("SELECT 1 FROM {} LIMIT 1").format(sql.Identifier("public", relation))
            )


@pytest.mark.parametrize("table", GLOBAL_READABLE_TABLES)
def test_global_tables_read_only_for_users(two_orgs: dict, table: str) -> None:
    db = two_orgs["conn"]
    ident = sql.Identifier("public", table)
    with acting_as(db, "authenticated", two_orgs["admin_a"]) as conn:
        row = conn.execute(sql.SQL("SELECT count(id) FROM {}").format(ident)).fetchone()
        assert row is not None and row[0] >= 1
    with (
        acting_as(db, "authenticated", two_orgs["admin_a"]) as conn,
        pytest.raises(errors.InsufficientPrivilege),
    ):
        conn.execute(sql.SQL("DELETE FROM {}").format(ident))


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("notification_channels", "api_credentials_encrypted"),
        ("notification_channels", "webhook_url"),
        ("notification_channels", "configuration"),
        ("monitoring_integrations", "credentials_encrypted"),
        ("monitoring_integrations", "webhook_endpoints"),
        ("monitoring_integrations", "configuration"),
    ],
)
def test_credentials_hidden(two_orgs: dict, table: str, column: str) -> None:
    db = two_orgs["conn"]
    with (
        acting_as(db, "authenticated", two_orgs["admin_a"]) as conn,
        pytest.raises(errors.InsufficientPrivilege),
    ):
        conn.execute(
            sql.SQL("SELECT {} FROM {}").format(
                sql.Identifier(column), sql.Identifier("public", table)
            )
        )


def test_channel_secrets_hidden_but_channels_listed(two_orgs: dict) -> None:
    """Webhook URLs are bearer secrets: users list channels, only service_role reads them."""
    db = two_orgs["conn"]
    with acting_as(db, "authenticated", two_orgs["admin_a"]) as conn:
        row = conn.execute(
            "SELECT channel_name, channel_type FROM notification_channels"
        ).fetchone()
        assert row == ("ops slack", "slack")
        row = conn.execute("SELECT service_name FROM monitoring_integrations").fetchone()
        assert row == ("Sentry",)
    with acting_as(db, "service_role") as conn:
        row = conn.execute(
            "SELECT webhook_url, configuration, api_credentials_encrypted"
            " FROM notification_channels"
        ).fetchone()
        assert row is not None and row[2] == "secret"
        row = conn.execute(
            "SELECT webhook_endpoints, configuration, credentials_encrypted"
            " FROM monitoring_integrations"
        ).fetchone()
        assert row is not None and row[2] == "secret"


# Every link between two tenant tables: (table, column, parent table). The foreign keys are
# (column, organization_id) REFERENCES parent (id, organization_id);
# test_tenant_foreign_keys_include_organization (test_schema_objects) finds any new one.
TENANT_LINKS = [
    ("error_reports", "incident_id", "incidents"),
    ("error_groups", "incident_id", "incidents"),
    ("auto_recovery_logs", "incident_id", "incidents"),
    ("auto_recovery_logs", "error_report_id", "error_reports"),
    ("error_correlations", "primary_error_id", "error_reports"),
    ("error_correlations", "related_error_id", "error_reports"),
    ("incident_updates", "incident_id", "incidents"),
    ("post_incident_analysis", "incident_id", "incidents"),
    ("alert_history", "alert_configuration_id", "alert_configurations"),
    ("alert_history", "incident_id", "incidents"),
    ("suppression_rules", "alert_configuration_id", "alert_configurations"),
    ("notification_queue", "alert_id", "alert_history"),
    ("notification_queue", "incident_id", "incidents"),
]

FOLLOW_INCIDENT = ("incident_updates", "post_incident_analysis")


@pytest.mark.parametrize(("table", "column", "parent"), TENANT_LINKS)
def test_link_stays_in_tenant(two_orgs: dict, table: str, column: str, parent: str) -> None:
    """A's member cannot point A's rows at B's (FKs ignore RLS: it would leak that the id
    exists, and SECURITY DEFINER code following the link would mix the tenants)."""
    db = two_orgs["conn"]
    # B's alert already has a level-1 notification: the unique index (checked before the
    # foreign key, which is an AFTER trigger) would refuse A's level-1 row first.
    level = (
        ", escalation_level = 9" if (table, column) == ("notification_queue", "alert_id") else ""
    )
    update = sql.SQL("UPDATE {} SET {} = %s{} WHERE id = %s").format(
        sql.Identifier("public", table), sql.Identifier(column), sql.SQL(level)
    )
    row_a = two_orgs["rows_a"][table]
    # A's own parent row (a correlation's related error must differ from its primary one)
    own = "second_error_report" if column == "related_error_id" else parent
    with acting_as(db, "authenticated", two_orgs["admin_a"]) as conn:
        cur = conn.execute(update, (two_orgs["rows_a"][own], row_a))
        assert cur.rowcount == 1, f"A's own {parent} row must be linkable"
    # Children of incidents: their policy (the incident must be visible) refuses first.
    refused = (
        errors.InsufficientPrivilege if table in FOLLOW_INCIDENT else errors.ForeignKeyViolation
    )
    with (
        acting_as(db, "authenticated", two_orgs["admin_a"]) as conn,
        pytest.raises(refused),
    ):
        conn.execute(update, (two_orgs["rows_b"][parent], row_a))


INSERT_LINKED = {
    "error_correlations": """INSERT INTO error_correlations (organization_id, primary_error_id,
        related_error_id, correlation_type) VALUES (%(org)s, %(error)s, %(other)s, 'temporal')
        RETURNING id""",
    "auto_recovery_logs": """INSERT INTO auto_recovery_logs (organization_id, error_report_id,
        service_name, recovery_action) VALUES (%(org)s, %(other)s, 'web', 'restart')
        RETURNING id""",
    "alert_history": """INSERT INTO alert_history (organization_id, alert_configuration_id,
        incident_id, alert_status, triggered_at)
        VALUES (%(org)s, %(config)s, %(incident)s, 'triggered', now()) RETURNING id""",
    "notification_queue": """INSERT INTO notification_queue (organization_id, alert_id,
        incident_id, escalation_level) VALUES (%(org)s, %(alert)s, %(incident)s, 7)
        RETURNING id""",
}


@pytest.mark.parametrize("table", sorted(INSERT_LINKED))
def test_insert_cannot_link_other_tenants_rows(two_orgs: dict, table: str) -> None:
    """Inserting A's row linked to B's error, alert configuration, alert or incident fails."""
    db = two_orgs["conn"]
    a, rows_a, rows_b = two_orgs["a"], two_orgs["rows_a"], two_orgs["rows_b"]
    own = {
        "org": a,
        "error": rows_a["error_reports"],
        "other": rows_a["second_error_report"],
        "config": rows_a["alert_configurations"],
        "incident": rows_a["incidents"],
        "alert": rows_a["alert_history"],
    }
    with acting_as(db, "authenticated", two_orgs["admin_a"]) as conn:
        assert conn.execute(INSERT_LINKED[table], own).fetchone() is not None
    foreign = {
        "error": rows_b["error_reports"],
        "other": rows_b["error_reports"],
        "config": rows_b["alert_configurations"],
        "incident": rows_b["incidents"],
        "alert": rows_b["alert_history"],
    }
    for key, value in foreign.items():
        if f"%({key})s" not in INSERT_LINKED[table]:
            continue
        with (
            acting_as(db, "authenticated", two_orgs["admin_a"]) as conn,
            pytest.raises(errors.ForeignKeyViolation),
        ):
            conn.execute(INSERT_LINKED[table], {**own, key: value})


def test_error_report_cannot_reference_other_tenants_incident(two_orgs: dict) -> None:
    db = two_orgs["conn"]
    insert = """INSERT INTO error_reports (organization_id, error_type, severity, service_name,
                    error_message, incident_id)
                VALUES (%s, 'ValueError', 'low', 'web', 'probe', %s) RETURNING incident_id"""
    a = two_orgs["a"]
    with acting_as(db, "authenticated", two_orgs["admin_a"]) as conn:
        row = conn.execute(insert, (a, two_orgs["rows_a"]["incidents"])).fetchone()
        assert row is not None and str(row[0]) == two_orgs["rows_a"]["incidents"]
    with (
        acting_as(db, "authenticated", two_orgs["admin_a"]) as conn,
        pytest.raises(errors.ForeignKeyViolation),
    ):
        conn.execute(insert, (a, two_orgs["rows_b"]["incidents"]))


def test_maintenance_logs_service_role_only(two_orgs: dict) -> None:
    db = two_orgs["conn"]
    with (
        acting_as(db, "authenticated", two_orgs["admin_a"]) as conn,
        pytest.raises(errors.InsufficientPrivilege),
    ):
        conn.execute("SELECT 1 FROM system_maintenance_logs")
    with acting_as(db, "service_role") as conn:
        row = conn.execute("SELECT count(*) FROM system_maintenance_logs").fetchone()
        assert row is not None and row[0] >= 1


def test_jwt_role_claim_grants_no_application_role(two_orgs: dict) -> None:
    db = two_orgs["conn"]
    """The spec trusted auth.jwt()->>'role' = 'admin'; a user without a profile sees nothing."""
    outsider = new_user(db, None)
    with acting_as(db, "authenticated", outsider, claims={"role": "admin"}) as conn:
        for table in ("error_reports", "incidents", "alert_configurations", "performance_metrics"):
            row = conn.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier("public", table))
            ).fetchone()
            assert row is not None and row[0] == 0, table
    with acting_as(
        db,
        "authenticated",
        outsider,
        claims={"role": "authenticated", "app_metadata": {"role": "admin"}},
    ) as conn:
        row = conn.execute("SELECT count(*) FROM incidents").fetchone()
        assert row is not None and row[0] == 0


def test_member_role_limits(two_orgs: dict) -> None:
    db = two_orgs["conn"]
    a = two_orgs["a"]
    member = new_user(db, a, "member")
    with acting_as(db, "authenticated", member) as conn:
        # Members see their organization's monitored data ...
        row = conn.execute("SELECT count(*) FROM error_reports").fetchone()
        assert row is not None and row[0] >= 1
        # ... but not incidents they neither created nor are assigned to (spec's role rule).
        row = conn.execute("SELECT count(*) FROM incidents").fetchone()
        assert row is not None and row[0] == 0
    with acting_as(db, "authenticated", member) as conn:
        cur = conn.execute(
            "UPDATE user_profiles SET app_role = 'admin' WHERE user_id = %s", (member,)
        )
        assert cur.rowcount == 0, "a member promoted themselves"
    db.execute("UPDATE incidents SET assigned_to = %s WHERE organization_id = %s", (member, a))
    with acting_as(db, "authenticated", member) as conn:
        row = conn.execute("SELECT count(*) FROM incidents").fetchone()
        assert row is not None and row[0] >= 1


def test_admin_cannot_join_other_org(two_orgs: dict) -> None:
    db = two_orgs["conn"]
    with (
        acting_as(db, "authenticated", two_orgs["admin_a"]) as conn,
        pytest.raises(errors.InsufficientPrivilege),
    ):
        conn.execute(
            "INSERT INTO user_profiles (user_id, organization_id, app_role) "
            "VALUES (%s, %s, 'admin')",
            (two_orgs["admin_a"], two_orgs["b"]),
        )


def test_member_error_report_opens_incident(two_orgs: dict) -> None:
    db = two_orgs["conn"]
    """The auto-incident trigger works for a plain member (SECURITY DEFINER), inside RLS."""
    a = two_orgs["a"]
    member = new_user(db, a, "member")
    with acting_as(db, "authenticated", member) as conn:
        row = conn.execute(
            """INSERT INTO error_reports (organization_id, error_type, severity, service_name,
                   error_message) VALUES (%s, 'DbDown', 'critical', 'db', 'connection refused')
               RETURNING incident_id""",
            (a,),
        ).fetchone()
        assert row is not None and row[0] is not None
    with (
        acting_as(db, "authenticated", member) as conn,
        pytest.raises(errors.InsufficientPrivilege),
    ):
        conn.execute(
            """INSERT INTO error_reports (organization_id, error_type, severity, service_name,
                   error_message) VALUES (%s, 'DbDown', 'critical', 'db', 'connection refused')""",
            (two_orgs["b"],),
        )
    # The refused insert left no incident behind in B.
    row = db.execute(
        "SELECT count(*) FROM incidents WHERE organization_id = %s AND dedup_key = "
        "error_fingerprint('db', 'DbDown', 'connection refused')",
        (two_orgs["b"],),
    ).fetchone()
    assert row is not None and row[0] == 0
