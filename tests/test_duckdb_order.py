"""The DuckDB engine returns percentiles and error_trending in the order of their keys
(ascending, NULLs last, text by bytes) by sorting on the stored columns: a UUID sorts as its
text, and the `memory` storage declares an ENUM's labels in byte order so it does too."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
import psycopg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests import synthetic
from wedsync_analytics.analyses import ANALYSES, Params
from wedsync_analytics.engines import engine_class
from wedsync_analytics.engines.base import Source
from wedsync_analytics.engines.duckdb import STORAGE_OPTION, _typed
from wedsync_analytics.export import export_database, open_export
from wedsync_analytics.export.pg_types import Column

AS_OF = datetime(2024, 3, 31, 1, 30, tzinfo=UTC)
ORDERED = ("percentiles", "error_trending")  # their duckdb.sql ends in ORDER BY


def _by_bytes(values: list[str | None]) -> list[str | None]:
    """Ascending by UTF-8 bytes, NULLs last (the order normalise sorts text in)."""
    return sorted(values, key=lambda v: (v is None, (v or "").encode()))


LABEL = st.text(st.characters(exclude_characters="\x00", exclude_categories=["Cs"]), min_size=1)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(LABEL, min_size=1, max_size=6, unique=True).flatmap(
        lambda labels: st.tuples(
            st.just(labels), st.lists(st.sampled_from([*labels, None]), min_size=1, max_size=12)
        )
    )
)
def test_an_enum_in_memory_sorts_as_its_text(case: tuple[list[str], list[str | None]]) -> None:
    labels, values = case
    con = duckdb.connect()
    con.execute("CREATE TABLE raw (e VARCHAR)")
    con.executemany("INSERT INTO raw VALUES (?)", [(v,) for v in values])
    column = Column("e", "label_enum", "enum", labels=tuple(labels))
    con.execute(f"CREATE TABLE t AS SELECT {_typed(column)} FROM raw")
    found = con.execute("SELECT CAST(e AS VARCHAR) FROM t ORDER BY e").fetchall()
    assert [row[0] for row in found] == _by_bytes(values)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.uuids() | st.none(), min_size=1, max_size=12))
def test_a_uuid_sorts_as_its_text(values: list[uuid.UUID | None]) -> None:
    texts = [str(v) if v else None for v in values]
    con = duckdb.connect()
    con.execute("CREATE TABLE t (u UUID)")
    con.executemany("INSERT INTO t VALUES (?)", [(v,) for v in texts])
    found = con.execute("SELECT CAST(u AS VARCHAR) FROM t ORDER BY u").fetchall()
    assert [row[0] for row in found] == _by_bytes(texts)


@pytest.mark.parametrize("storage", ["parquet", "memory"])
def test_ordered_analyses_come_back_in_key_order(
    db: psycopg.Connection, db_dsn: str, tmp_path: Path, storage: str
) -> None:
    synthetic.load_dataset(db, synthetic.random_dataset(7, AS_OF, 300))
    tables = sorted({t for name in ORDERED for t in ANALYSES[name].tables})
    export_database(db_dsn, tmp_path / "export", tables)
    source = Source(reader=open_export(tmp_path / "export"), options={STORAGE_OPTION: storage})
    engine = engine_class("duckdb")(source, tables)
    try:
        for name in ORDERED:
            analysis = ANALYSES[name]
            frame = engine.run(analysis, Params(AS_OF).values(analysis))
            typed = frame.select([pl.col(c).cast(t) for c, t in analysis.schema.items()])
            assert typed.height > 1, name
            assert typed.equals(typed.sort(list(analysis.keys), nulls_last=True)), name
    finally:
        engine.close()
