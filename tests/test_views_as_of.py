"""0016: the dashboard views call `<view>_at(CURRENT_TIMESTAMP)`; at now() they return what
0010's definitions return (same columns, types and rows), and `_at(as_of)` moves the window."""

from __future__ import annotations

import re
from datetime import timedelta

import psycopg
import pytest
from psycopg import sql

from tests.test_schema_support import VIEWS, new_org, new_user, seed_globals, seed_tenant
from wedsync_analytics.paths import sql_text

_VIEW_BODY = re.compile(
    r"CREATE VIEW public\.(\w+) WITH \(security_invoker = true\) AS\n(.*?);\n", re.DOTALL
)


def original_views() -> dict[str, str]:
    """0010's query of each view."""
    return dict(_VIEW_BODY.findall(sql_text("migrations/0010_views.sql")))


def _rows(conn: psycopg.Connection, query: sql.Composable) -> list[tuple]:
    return sorted(conn.execute(query).fetchall(), key=repr)


@pytest.mark.parametrize("view", VIEWS)
def test_view_returns_what_0010_returned(db: psycopg.Connection, view: str) -> None:
    bodies = original_views()
    assert set(bodies) == set(VIEWS)
    seed_globals(db)
    for name in ("Alpha", "Bravo"):
        org = new_org(db, name)
        seed_tenant(db, org, new_user(db, org, "admin"))
    with db.transaction(force_rollback=True):  # one transaction: one CURRENT_TIMESTAMP
        now_rows = _rows(db, sql.SQL("SELECT * FROM {}").format(sql.Identifier("public", view)))
        then_rows = _rows(db, sql.SQL(bodies[view]))
    # (CREATE OR REPLACE VIEW in 0016 already refuses other column names or types.)
    assert now_rows and now_rows == then_rows


def test_as_of_moves_the_window(db: psycopg.Connection) -> None:
    seed_globals(db)
    org = new_org(db, "Alpha")
    seed_tenant(db, org, new_user(db, org, "admin"))
    row = db.execute('SELECT max("timestamp") FROM public.performance_metrics').fetchone()
    assert row is not None and row[0] is not None
    newest = row[0]
    during = db.execute(
        "SELECT count(*) FROM public.performance_percentile_analysis_at(%s)",
        (newest + timedelta(minutes=1),),
    ).fetchone()
    before = db.execute(
        "SELECT count(*) FROM public.performance_percentile_analysis_at(%s)",
        (newest - timedelta(days=2),),
    ).fetchone()
    assert during == (1,) and before == (0,)
