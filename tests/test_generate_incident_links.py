"""An incident is one event seen in every related table at consistent times and ids."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from tests.test_schema_support import module_database
from wedsync_analytics.generate import build_scenario
from wedsync_analytics.load import load_scenario

WINDOWS = """
CREATE TEMP TABLE incident_windows AS
SELECT i.id, unnest(i.affected_services) AS service_name, i.created_at AS starts,
       coalesce(i.resolved_at, i.created_at + interval '2 hours') AS ends
FROM public.incidents AS i
"""

LINKS = """
SELECT i.incident_number,
       (SELECT count(*) FROM public.error_reports e
         WHERE e.incident_id = i.id OR e.correlation_id = i.id),
       (SELECT count(*) FROM public.alert_history a WHERE a.incident_id = i.id),
       (SELECT count(*) FROM public.incident_updates u WHERE u.incident_id = i.id)
FROM public.incidents AS i
"""

HEALTH = """
SELECT inside, avg((h.status <> 'healthy')::int)::float8
FROM (SELECT h.status, EXISTS (SELECT 1 FROM incident_windows w
        WHERE w.service_name = h.service_name AND h.created_at BETWEEN w.starts AND w.ends
      ) AS inside
      FROM public.system_health_checks AS h) AS h
GROUP BY inside ORDER BY inside
"""

API_P50 = """
SELECT inside, percentile_cont(0.5) WITHIN GROUP (ORDER BY a.response_time_ms::float8)
FROM (SELECT a.response_time_ms, EXISTS (SELECT 1 FROM incident_windows w
        WHERE w.service_name = a.service_name AND a.recorded_at BETWEEN w.starts AND w.ends
      ) AS inside
      FROM public.api_performance AS a) AS a
GROUP BY inside ORDER BY inside
"""


@pytest.fixture(scope="module")
def loaded(pg_admin_dsn: str, template_dsn: str) -> Iterator[psycopg.Connection]:
    """A tiny-scale scenario over 30 days, loaded once for the module's read-only tests."""
    for conn in module_database(pg_admin_dsn, template_dsn):
        load_scenario(conn.info.dsn, build_scenario("tiny", seed=11, market="us", days=30))
        conn.execute(WINDOWS)
        yield conn


def test_every_incident_has_errors_alerts_and_a_timeline(loaded: psycopg.Connection) -> None:
    """Errors are linked by incident_id within its organization, else by correlation_id."""
    rows = loaded.execute(LINKS).fetchall()
    assert len(rows) >= 3
    missing = [r for r in rows if min(r[1:]) == 0]
    assert not missing, f"incidents without errors, alerts or updates: {missing}"
    cross = loaded.execute(
        "SELECT count(*) FROM public.error_reports e JOIN public.incidents i "
        "ON i.id = e.incident_id WHERE i.organization_id <> e.organization_id"
    ).fetchone()
    assert cross == (0,)


def test_health_checks_fail_inside_incident_windows(loaded: psycopg.Connection) -> None:
    failing = dict(loaded.execute(HEALTH).fetchall())
    assert failing[True] > 0.5 > 0.05 > failing[False]


def test_api_latency_degrades_inside_incident_windows(loaded: psycopg.Connection) -> None:
    p50 = dict(loaded.execute(API_P50).fetchall())
    assert p50[True] > 2 * p50[False]
