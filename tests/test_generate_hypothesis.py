"""Hypothesis: every valid scenario yields rows that the migrated schema accepts."""

from __future__ import annotations

from datetime import date

import psycopg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wedsync_analytics.generate import build_scenario
from wedsync_analytics.load import load_scenario

scenarios = st.builds(
    lambda seed, market, start, days, suppliers, couples: build_scenario(
        "tiny",
        seed=seed,
        market=market,
        start=start,
        days=days,
        suppliers=suppliers,
        couples=couples,
    ),
    seed=st.integers(0, 2**63 - 1),
    market=st.sampled_from(["us", "uk"]),
    start=st.dates(date(2020, 1, 1), date(2030, 12, 31)),
    days=st.integers(1, 20),
    suppliers=st.integers(1, 5),
    couples=st.integers(1, 5),
)


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scenario=scenarios)
def test_every_valid_scenario_loads(db_dsn: str, db: psycopg.Connection, scenario) -> None:  # type: ignore[no-untyped-def]
    summary = load_scenario(db_dsn, scenario, replace=True, chunk_rows=2000)
    row = db.execute("SELECT count(*) FROM organizations").fetchone()
    assert row is not None and row[0] == summary.rows["organizations"]
    assert summary.rows["incidents"] >= 3 and summary.rows["performance_metrics"] > 0
