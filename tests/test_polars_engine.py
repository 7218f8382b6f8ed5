"""The Polars engine's own machinery: lexical group keys, windowed scans that list only the
files a window needs, and the in-memory option answering exactly as the Parquet scans."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import psycopg
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests import synthetic
from wedsync_analytics.analyses import ANALYSES, Params
from wedsync_analytics.analyses.runner import run_one
from wedsync_analytics.engines import engine_class
from wedsync_analytics.engines.base import Source
from wedsync_analytics.engines.polars import PolarsEngine
from wedsync_analytics.engines.polars._common import (
    lexical_codes,
    run_quantile,
    run_sums,
    runs,
)
from wedsync_analytics.engines.polars._keyed import dictionary_codes, exact_codes, local_codes
from wedsync_analytics.engines.polars._tables import FileSpan, file_span, within
from wedsync_analytics.errors import UserError
from wedsync_analytics.export import export_database, open_export
from wedsync_analytics.validate import compare_frames

AS_OF = datetime(2024, 3, 31, 1, 30, tzinfo=UTC)
WORDS = st.lists(st.one_of(st.none(), st.text(alphabet="abAB_-é0", max_size=4)), max_size=40)


@settings(max_examples=150, deadline=None)
@given(values=WORDS)
def test_lexical_codes_group_and_sort_like_the_strings(values: list[str | None]) -> None:
    codes, size, names = lexical_codes(pl.Series("v", values, dtype=pl.String))
    assert codes.dtype == pl.Int64 and len(codes) == len(values)
    assert all(0 <= c < size for c in codes.to_list())
    order = pl.DataFrame({"v": values, "c": codes}).sort("v", nulls_last=True, maintain_order=True)
    assert order["c"].is_sorted()  # same order as `normalise` sorts the strings
    pairs = set(zip(values, codes.to_list(), strict=True))
    assert len(pairs) == len({v for v, _ in pairs}) == len({c for _, c in pairs})  # 1:1
    assert names.gather(codes).to_list() == values


@settings(max_examples=100, deadline=None)
@given(values=WORDS, cut=st.integers(0, 40))
def test_dictionary_codes_equal_the_lexical_codes_of_the_strings(
    values: list[str | None], cut: int
) -> None:
    chunks = [values[:cut], values[cut:]]  # two chunks, each with its own dictionary
    column = pa.chunked_array([pa.array(c, pa.string()).dictionary_encode() for c in chunks])
    codes, size, names = dictionary_codes(column)
    expected, expected_size, _ = lexical_codes(pl.Series("v", values, dtype=pl.String))
    assert codes.to_list() == expected.to_list() and size == expected_size
    assert names is not None and names.gather(codes).to_list() == values
    codes, size, names = local_codes(column)  # equal iff the values are, within a chunk
    assert size == len(column.chunk(0).dictionary) + len(column.chunk(1).dictionary) + 1
    assert names is None and all(0 <= c < size for c in codes.to_list())
    for chunk in chunks:
        seen = codes.to_list()[: len(chunks[0])] if chunk is chunks[0] else codes.to_list()[cut:]
        pairs = set(zip(chunk, seen, strict=True))
        assert len(pairs) == len({v for v, _ in pairs}) == len({c for _, c in pairs})
    assert all(c == size - 1 for v, c in zip(values, codes.to_list(), strict=True) if v is None)
    rows = np.arange(len(values))[::2]  # exact across the chunks
    exact, count = exact_codes(column, rows)
    picked = [values[r] for r in rows]
    assert count == len({v for v in picked if v is not None})
    pairs = list(zip(picked, exact.tolist(), strict=True))
    assert all((a == b) == (x == y) for a, x in pairs for b, y in pairs)
    assert all((v is None) == (c == -1) for v, c in zip(picked, exact, strict=True))


def test_lexical_codes_of_an_enum_follow_the_names_not_the_declared_order() -> None:
    kind = pl.Enum(["low", "medium", "high", "critical"])
    values = pl.Series("v", ["medium", None, "critical", "low", "high", "low"], dtype=kind)
    codes, size, names = lexical_codes(values)
    assert size == 5
    assert codes.to_list() == [3, 4, 0, 2, 1, 2]  # critical < high < low < medium, NULL last
    assert names.to_list() == ["critical", "high", "low", "medium", None]


def test_file_span_overlap() -> None:
    day = datetime(2024, 3, 1, tzinfo=UTC)
    span = FileSpan("f", day, day + timedelta(days=30))
    assert span.overlaps(day + timedelta(days=30), day + timedelta(days=31))  # last is inclusive
    assert not span.overlaps(day - timedelta(days=2), day)  # the window's end is exclusive
    assert span.overlaps(None, day + timedelta(seconds=1))
    assert not span.overlaps(day + timedelta(days=31), day + timedelta(days=40))
    assert not FileSpan("n", None, None, all_null=True).overlaps(None, day)
    assert FileSpan("u", None, None).overlaps(day, day + timedelta(days=1))  # unknown: read


@settings(max_examples=100, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.integers(0, 4), st.integers(-50, 50).map(lambda v: v / 8)), min_size=1
    ),
    q=st.sampled_from([0.0, 0.5, 0.9, 0.95, 0.99, 1.0]),
)
def test_run_quantiles_and_sums_match_polars_per_group(
    rows: list[tuple[int, float]], q: float
) -> None:
    frame = pl.DataFrame(rows, schema={"g": pl.Int64, "v": pl.Float64}, orient="row")
    ordered = frame.sort("g", "v")
    starts, counts = runs(ordered["g"].to_numpy())
    values = ordered["v"].to_numpy()
    expected = frame.group_by("g").agg(
        pl.col("v").quantile(q, interpolation="linear").alias("q"), pl.col("v").sum().alias("s")
    )
    got = pl.DataFrame(
        {
            "g": ordered["g"].gather(starts),
            "q": run_quantile(values, starts, counts, q),
            "s": run_sums(values, starts),
        }
    )
    assert counts.sum() == len(rows) and got["g"].n_unique() == len(got)
    joined = expected.join(got, on="g", suffix="_runs")
    assert len(joined) == len(expected) == len(got)
    assert np.allclose(joined["q"], joined["q_runs"], rtol=1e-12, atol=1e-12)
    assert np.allclose(joined["s"], joined["s_runs"], rtol=1e-12, atol=1e-12)


def test_file_span_knows_its_all_null_columns_and_when_it_lies_inside_a_window(
    tmp_path: Path,
) -> None:
    day = datetime(2024, 3, 1, tzinfo=UTC)
    times = [day + timedelta(hours=h) for h in range(10)]
    path = tmp_path / "part.parquet"
    pl.DataFrame(
        {"t": times, "step": [None] * 10, "v": [None, *range(9)]},
        schema={"t": pl.Datetime("us", "UTC"), "step": pl.String, "v": pl.Int64},
    ).write_parquet(path, row_group_size=4, statistics=True)
    span = file_span(path, "t")
    assert span.null_columns == {"step"} and (span.first, span.last) == (times[0], times[-1])
    assert span.inside(day, day + timedelta(hours=10))  # the end is exclusive: 09:00 is in
    assert not span.inside(day, times[-1]) and not span.inside(times[1], day + timedelta(days=1))
    assert span.inside(None, day + timedelta(days=1))


@settings(max_examples=100, deadline=None)
@given(
    offsets=st.lists(st.one_of(st.none(), st.integers(0, 100)), max_size=30),
    ascending=st.booleans(),
    bounds=st.tuples(st.one_of(st.none(), st.integers(-5, 105)), st.integers(-5, 105)),
    cut=st.integers(0, 30),
)
def test_within_keeps_the_windows_rows_in_order(
    offsets: list[int | None], ascending: bool, bounds: tuple[int | None, int], cut: int
) -> None:
    if ascending:  # the export's files: ascending, no NULL (a slice)
        offsets = sorted(o for o in offsets if o is not None)
    day = datetime(2024, 3, 1, tzinfo=UTC)
    times = [None if o is None else day + timedelta(minutes=o) for o in offsets]
    kind = pa.timestamp("us", "UTC")
    chunks = [pa.array(times[:cut], kind), pa.array(times[cut:], kind)]
    data = pa.Table.from_batches(
        [
            pa.record_batch([c, pa.array(range(len(c)), pa.int64())], names=["t", "i"])
            for c in chunks
        ]
    )
    start = None if bounds[0] is None else day + timedelta(minutes=bounds[0])
    end = day + timedelta(minutes=bounds[1])
    kept = within(data, "t", start, end).column("t").to_pylist()
    assert kept == [t for t in times if t is not None and t < end and (start is None or t >= start)]


@pytest.fixture
def export_dir(db: psycopg.Connection, db_dsn: str, tmp_path: Path) -> Path:
    synthetic.load_dataset(db, synthetic.random_dataset(33, AS_OF, 300))
    tables = sorted({t for a in ANALYSES.values() for t in a.tables})
    export_database(db_dsn, tmp_path / "export", tables)
    return tmp_path / "export"


def test_windows_read_only_overlapping_files_and_memory_answers_the_same(
    export_dir: Path,
) -> None:
    reader = open_export(export_dir)
    tables = sorted({t for a in ANALYSES.values() for t in a.tables})
    parquet = PolarsEngine(Source(reader=reader), tables)
    memory = PolarsEngine(Source(reader=reader, options={"polars_tables": "memory"}), tables)
    assert memory.tables.frames and not parquet.tables.frames
    spans = parquet.tables.spans["error_reports"]  # one file a month (no split column)
    assert len(spans) > 1, "the synthetic data spans several months"
    last = max(s.last for s in spans if s.last is not None)
    window = parquet.tables.window(
        "error_reports", last - timedelta(hours=1), last + timedelta(hours=1)
    )
    scanned = window.explain()
    assert scanned.count(".parquet") == 1 and "1 other source" not in scanned
    assert window.collect().height >= 1
    # every analysis, at as_of values inside and before the data, and a long window
    checked = 0
    for as_of in (AS_OF, AS_OF - timedelta(days=40, hours=7), last + timedelta(days=1)):
        params = Params(
            as_of, {"percentiles": {"hours": 24 * 60}, "system_health": {"minutes": 10**5}}
        )
        for analysis in ANALYSES.values():
            a, b = run_one(parquet, analysis, params), run_one(memory, analysis, params)
            assert a.error is None and b.error is None, (analysis.name, a.error, b.error)
            assert a.frame is not None and b.frame is not None
            same, _, message, _ = compare_frames(analysis, a.frame, b.frame)
            assert same and a.frame.equals(b.frame), (analysis.name, as_of, message)
            checked += a.frame.height
    assert checked > 0


def test_an_unknown_tables_option_is_one_line(export_dir: Path) -> None:
    source = Source(reader=open_export(export_dir), options={"polars_tables": "disk"})
    assert "polars_tables='disk'" in (engine_class("polars").missing(source.options) or "")
    with pytest.raises(UserError, match="not one of parquet, memory"):
        engine_class("polars")(source, ["incidents"])
