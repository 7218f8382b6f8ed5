"""Property: small generated datasets give the same answers on every engine.

Rows come from small pools, so groups are often empty, single-valued or tied; values
include NULLs; timestamps cluster on window edges, a leap day and DST changes.
One database per test, truncated between examples.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg import sql

from tests import synthetic
from tests.engines import JAVA_MISSING
from wedsync_analytics import validate as v
from wedsync_analytics.analyses import Params
from wedsync_analytics.export import export_database
from wedsync_analytics.funnels import FUNNELS

AS_OFS = [
    datetime(2024, 3, 1, 0, 30, tzinfo=UTC),  # just after a leap day
    datetime(2024, 3, 31, 1, 30, tzinfo=UTC),  # just after the EU DST change
    datetime(2024, 10, 27, 2, 0, tzinfo=UTC),  # EU DST end
    datetime(2024, 11, 3, 7, 0, tzinfo=UTC),  # US DST end
]
TS = pl.Datetime("us", "UTC")
TABLES = (
    "performance_metrics",
    "error_reports",
    "system_health_checks",
    "business_events",
    "incidents",
    "core_web_vitals",
)


@st.composite
def datasets(
    draw: st.DrawFn,
) -> tuple[datetime, dict[str, pl.DataFrame], dict[str, tuple[str, ...]]]:
    as_of = draw(st.sampled_from(AS_OFS))
    seed = draw(st.integers(0, 2**32 - 1))
    size = draw(st.sampled_from([0, 1, 2, 5, 30]))
    data = synthetic.random_dataset(seed, as_of, size) if size else {}
    # A few hand-picked rows on the edges: exactly as_of, one microsecond before, NULLs.
    edges = draw(
        st.lists(
            st.sampled_from(
                [
                    as_of,
                    as_of - timedelta(microseconds=1),
                    as_of - timedelta(hours=24),
                    as_of - timedelta(days=7),
                    datetime(2024, 2, 29, 12, tzinfo=UTC),
                    datetime(2024, 3, 31, 0, 59, 59, 999999, tzinfo=UTC),
                ]
            ),
            max_size=4,
        )
    )
    value = draw(st.sampled_from([None, 0.0, 2500.0]))
    if edges:
        extra = pl.DataFrame(
            {
                "organization_id": synthetic.ORG_ID,
                "session_id": "s",
                "page_url": "/",
                "device_type": "tablet",
                "lcp_value": value,
                "created_at": edges,
            },
            schema_overrides={"created_at": TS, "lcp_value": pl.Decimal(8, 2)},
        )
        data["core_web_vitals"] = (
            pl.concat([data["core_web_vitals"], extra], how="diagonal")
            if "core_web_vitals" in data
            else extra
        )
    funnels = draw(
        st.sampled_from(
            [
                FUNNELS,
                {"short": (FUNNELS["supplier"][0], FUNNELS["supplier"][-1])},
                {"odd": ("other", FUNNELS["couple"][0]), "couple": FUNNELS["couple"]},
            ]
        )
    )
    return as_of, data, funnels


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=datasets())
def test_engines_agree(
    db: psycopg.Connection,
    db_dsn: str,
    tmp_path: Path,
    case: tuple[datetime, dict[str, pl.DataFrame], dict[str, tuple[str, ...]]],
) -> None:
    """PostgreSQL, DuckDB and Polars (the in-process engines)."""
    agree(db, db_dsn, tmp_path, case, ("postgres", "duckdb", "polars"))


@pytest.mark.skipif(JAVA_MISSING is not None, reason=f"Spark tests skipped: {JAVA_MISSING}")
@settings(
    max_examples=4,  # each example costs Spark seconds; the semantics tests add hand-made cases
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=datasets())
def test_spark_agrees_with_postgres(
    db: psycopg.Connection,
    db_dsn: str,
    tmp_path: Path,
    case: tuple[datetime, dict[str, pl.DataFrame], dict[str, tuple[str, ...]]],
) -> None:
    agree(db, db_dsn, tmp_path, case, ("postgres", "spark"))


def agree(
    db: psycopg.Connection,
    db_dsn: str,
    tmp_path: Path,
    case: tuple[datetime, dict[str, pl.DataFrame], dict[str, tuple[str, ...]]],
    engines: tuple[str, ...],
) -> None:
    as_of, data, funnels = case
    db.execute(
        sql.SQL("TRUNCATE {} CASCADE").format(
            sql.SQL(", ").join(sql.Identifier("public", t) for t in (*TABLES, "error_groups"))
        )
    )
    synthetic.load_dataset(db, data)
    out = tmp_path / "export"
    export_database(db_dsn, out, list(TABLES))
    report = v.validate(
        out,
        db_dsn,
        engines=engines,
        params=Params(as_of, {"funnel_conversion": {"funnels": funnels}}),
    )
    assert report.engines == list(engines)
    failures = [
        (
            c.analysis,
            c.engine,
            c.message,
            None if c.differing is None else c.differing.head(3).to_dicts(),
        )
        for c in report.comparisons
        if c.status not in ("pass", "reference")
    ]
    assert not failures
