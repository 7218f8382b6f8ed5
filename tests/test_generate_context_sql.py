"""Generated wedding_context flags agree with the schema's own calendar function."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import sql

from wedsync_analytics.generate import build_scenario
from wedsync_analytics.generate.calendar import market
from wedsync_analytics.load import load_scenario

# (table, its event-time column); each carries a generated wedding_context.
TIMED = [
    ("error_reports", "created_at"),
    ("performance_metrics", "timestamp"),
    ("business_events", "event_timestamp"),
]

DISAGREEING = sql.SQL("""
SELECT count(*) FILTER (WHERE (t.wedding_context->>'is_weekend')::boolean
                              IS DISTINCT FROM (c.ctx->>'is_weekend')::boolean),
       count(*) FILTER (WHERE (t.wedding_context->>'is_wedding_season')::boolean
                              IS DISTINCT FROM (c.ctx->>'is_wedding_season')::boolean),
       count(*)
FROM {table} AS t
CROSS JOIN LATERAL (SELECT public.wedding_context(t.{column}, %(tz)s) AS ctx) AS c
WHERE t.wedding_context ? 'is_weekend'
""")


@pytest.mark.parametrize("market_code", ["uk", "us"])
def test_flags_match_sql_wedding_context(db: psycopg.Connection, market_code: str) -> None:
    # 2025-10-20 + 14 days crosses the end of the season and the October DST change.
    scenario = build_scenario("tiny", seed=3, market=market_code, start="2025-10-20", days=14)
    load_scenario(db.info.dsn, scenario)
    tz = market(market_code).timezone
    for table, column in TIMED:
        query = DISAGREEING.format(
            table=sql.Identifier("public", table), column=sql.Identifier(column)
        )
        weekend, season, total = db.execute(query, {"tz": tz}).fetchone() or (0, 0, 0)
        assert total > 0, f"{table}: no generated wedding_context to compare"
        assert (weekend, season) == (0, 0), (
            f"{table}: {weekend} weekend, {season} season flags differ"
        )
