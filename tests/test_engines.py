"""Every engine of the registry against the catalog: each analysis implemented, and each
engine's answers equal PostgreSQL's on the hand-shaped edge-case data; the PostgreSQL
engine's Arrow transfer keeps the schema's types and its inlined parameters' values."""

from __future__ import annotations

import importlib.util
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests import synthetic
from wedsync_analytics import validate as v
from wedsync_analytics.analyses import ANALYSES, Params
from wedsync_analytics.engines import ENGINES, engine_class
from wedsync_analytics.engines.base import Source
from wedsync_analytics.engines.postgres import connect, inline
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


def test_postgres_frames_have_the_schema_types(db: psycopg.Connection, db_dsn: str) -> None:
    """The Arrow transfer's frames carry each analysis's schema types before `normalise`."""
    synthetic.load_dataset(db, synthetic.random_dataset(5, AS_OF, 200))
    engine = engine_class("postgres")(Source(dsn=db_dsn), [])
    try:
        for analysis in ANALYSES.values():
            frame = engine.run(analysis, Params(AS_OF).values(analysis))
            assert frame.height > 0, analysis.name
            assert dict(frame.schema) == analysis.schema, analysis.name
    finally:
        engine.close()


def test_inlined_parameters_round_trip(db_dsn: str) -> None:
    """Values written into the SQL as literals come back as they went in: quotes, percent
    signs, backslashes and unicode in text and in arrays, integers, instants."""
    text = st.text(st.characters(codec="utf-8", exclude_characters="\x00"))
    with connect(db_dsn) as conn:

        @settings(max_examples=60, deadline=None)
        @given(
            words=text,
            number=st.integers(-(2**31), 2**31 - 1),
            names=st.lists(text, max_size=4),
            when=st.datetimes(timezones=st.just(UTC)),
        )
        def check(words: str, number: int, names: list[str], when: datetime) -> None:
            query = inline(
                "SELECT %(w)s::text AS w, %(n)s::int AS n, %(a)s::text[] AS a, "
                "%(t)s::timestamptz AS t, '%%' AS p",
                {"w": words, "n": number, "a": names, "t": when},
            )
            with conn.cursor() as cur:
                cur.execute(query)
                row = cur.fetch_arrow_table().to_pylist()[0]
            assert row == {"w": words, "n": number, "a": names, "t": when, "p": "%"}

        check()
