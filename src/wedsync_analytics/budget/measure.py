"""Measuring one query for a budget: statistics pinned, then its custom or generic plan.

Pinned per session: the bench's settings (JIT off, no parallel workers, UTC) and
`plan_cache_mode` (force_custom_plan, or force_generic_plan for the plan a driver gets
after a few executions of a prepared statement: PREPARE, then EXPLAIN EXECUTE).
Statistics: `VACUUM ANALYZE` with a fixed `default_statistics_target`; ANALYZE reads every
row of a table below 300 x target rows, so at the CI scale the statistics are exact.
"""

from __future__ import annotations

import re
from typing import Any

import psycopg
from psycopg import sql

from wedsync_analytics.bench.measure import SESSION_SETTINGS, session, time_query
from wedsync_analytics.bench.viewpoints import Viewpoint

PLAN_CACHE_MODE = {"custom": "force_custom_plan", "generic": "force_generic_plan"}
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
_STATEMENT = "wsa_budget_query"
RECORDED = ("server_version", "default_statistics_target", "work_mem", "random_page_cost")


def pin_statistics(dsn: str, target: int) -> None:
    """VACUUM ANALYZE the whole database with `default_statistics_target = target`."""
    with session(dsn) as conn:
        conn.execute("SELECT set_config('default_statistics_target', %s, false)", (str(target),))
        conn.execute("VACUUM ANALYZE")


def pinned_settings(conn: psycopg.Connection) -> dict[str, str]:
    """The settings that change plans, as the measuring session has them."""
    names = [*SESSION_SETTINGS, "plan_cache_mode", *RECORDED]
    rows = conn.execute(
        "SELECT name, setting FROM pg_settings WHERE name = ANY(%s) ORDER BY name", (names,)
    ).fetchall()
    return dict(rows)


def _explain_json(conn: psycopg.Connection, statement: bytes, params: Any) -> dict[str, Any]:
    with conn.cursor() as cur:
        cur.execute(b"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement, params)
        row = cur.fetchone()
    assert row is not None
    return dict(row[0][0])


def _generic(conn: psycopg.Connection, query_sql: str, params: dict[str, Any]) -> dict[str, Any]:
    """PREPARE with `$n` parameters, EXPLAIN EXECUTE under force_generic_plan."""
    order: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match.group(1) not in order:
            order.append(match.group(1))
        return f"${order.index(match.group(1)) + 1}"

    text = _PLACEHOLDER.sub(number, query_sql).replace("%%", "%")
    conn.execute(sql.SQL("DEALLOCATE ALL"))
    conn.execute(sql.SQL("PREPARE {} AS {}").format(sql.Identifier(_STATEMENT), sql.SQL(text)))
    values = sql.SQL(", ").join(sql.Literal(params[name]) for name in order)
    execute = sql.SQL("EXECUTE {}({})").format(sql.Identifier(_STATEMENT), values)
    statement = execute.as_string(conn).encode() if order else b"EXECUTE " + _STATEMENT.encode()
    conn.execute(statement)  # the warm-up
    doc = _explain_json(conn, statement, None)
    conn.execute(sql.SQL("DEALLOCATE {}").format(sql.Identifier(_STATEMENT)))
    return doc


def measure(
    dsn: str,
    query_sql: str,
    params: dict[str, Any],
    viewpoint: Viewpoint | None,
    mode: str,
    runs: int,
) -> dict[str, Any]:
    """The EXPLAIN document of one plan mode (after a warm-up), the pinned settings and,
    for the custom plan with `runs` > 0, the wall times of `runs` executions."""
    with session(dsn, viewpoint) as conn:
        conn.execute("SELECT set_config('plan_cache_mode', %s, false)", (PLAN_CACHE_MODE[mode],))
        settings = pinned_settings(conn)
        runs_ms: list[float] = []
        if mode == "generic":
            doc = _generic(conn, query_sql, params)
        else:
            encoded = query_sql.encode()
            with conn.cursor() as cur:  # the warm-up
                cur.execute(encoded, params)
                cur.fetchall()
            runs_ms = time_query(conn, query_sql, params, runs).runs_ms if runs else []
            doc = _explain_json(conn, encoded, params)
    return {"doc": doc, "settings": settings, "runs_ms": runs_ms}
