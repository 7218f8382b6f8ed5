"""Every engine of the registry against the catalog: each analysis implemented, and each
engine's answers equal PostgreSQL's on the hand-shaped edge-case data."""

from __future__ import annotations

import importlib.util
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from tests import synthetic
from wedsync_analytics import validate as v
from wedsync_analytics.analyses import ANALYSES, Params
from wedsync_analytics.engines import ENGINES, engine_class
from wedsync_analytics.export import export_database

AS_OF = datetime(2024, 3, 31, 1, 30, tzinfo=UTC)  # just after the EU DST change


@pytest.mark.parametrize("engine", list(ENGINES))
def test_every_analysis_is_implemented(engine: str) -> None:
    missing = [
        name
        for name, analysis in ANALYSES.items()
        if analysis.sql_for(engine) is None
        and importlib.util.find_spec(f"wedsync_analytics.engines.{engine}.{name}") is None
    ]
    assert not missing, f"{engine} lacks {missing}"


@pytest.mark.parametrize("engine", [e for e in ENGINES if e != "postgres"])
def test_engine_agrees_with_postgres(
    engine: str, db: psycopg.Connection, db_dsn: str, tmp_path: Path
) -> None:
    problem = engine_class(engine).missing({})
    if problem:
        pytest.skip(f"{engine} tests skipped: {problem}")
    synthetic.load_dataset(db, synthetic.random_dataset(21, AS_OF, 300))
    export_database(
        db_dsn, tmp_path / "export", sorted({t for a in ANALYSES.values() for t in a.tables})
    )
    report = v.validate(
        tmp_path / "export", db_dsn, engines=("postgres", engine), params=Params(AS_OF)
    )
    assert report.engines == ["postgres", engine]
    statuses = {(c.analysis, c.engine): (c.status, c.message) for c in report.comparisons}
    assert len(statuses) == 2 * len(ANALYSES)
    assert all(s in ("pass", "reference") for s, _ in statuses.values()), statuses
    assert all(c.rows for c in report.comparisons), "every analysis has rows on this data"
