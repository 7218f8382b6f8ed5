"""The Polars engine's packed integer keys: codes packed into one int64 order rows as the
codes do and unpack again; value codes order like the values and map back to them as
float8; hour codes name the UTC hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import pairwise

import numpy as np
import polars as pl
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from wedsync_analytics.engines.polars._common import hour_codes, hour_starts, iso_weekday, runs
from wedsync_analytics.engines.polars._keyed import local_codes
from wedsync_analytics.engines.polars._pack import (
    pack,
    sort_keys,
    sort_pairs,
    unpack,
    value_codes,
)
from wedsync_analytics.engines.polars.error_trending import Shared, distinct


@settings(max_examples=100, deadline=None)
@given(
    rows=st.lists(st.tuples(*[st.integers(0, 2) for _ in range(3)]), min_size=1, max_size=30),
    sizes=st.sampled_from([(3, 3, 3), (2**40, 2**30, 3), (3, 2**58, 2**40)]),  # renumbers
)
def test_packed_keys_order_rows_as_their_parts_and_unpack(
    rows: list[tuple[int, int, int]], sizes: tuple[int, int, int]
) -> None:
    parts = [(np.array([r[i] for r in rows], dtype=np.int64), sizes[i]) for i in range(3)]
    key, steps = pack(parts)
    for a, ka in zip(rows, key.tolist(), strict=True):
        for b, kb in zip(rows, key.tolist(), strict=True):
            assert (a < b) == (ka < kb) and (a == b) == (ka == kb)
    unpacked = unpack(sort_keys(key), steps)
    assert list(zip(*(u.tolist() for u in unpacked), strict=True)) == sorted(rows)


def test_a_part_too_wide_for_any_key_is_an_overflow() -> None:
    codes = np.arange(3, dtype=np.int64)
    try:
        pack([(codes, 3), (codes, 2**62)])
    except OverflowError as exc:
        assert "do not fit" in str(exc)
    else:
        raise AssertionError("no OverflowError")


DECIMALS = st.lists(st.integers(-(10**10) + 1, 10**10 - 1), max_size=40)


@settings(max_examples=100, deadline=None)
@given(unscaled=DECIMALS, scale=st.sampled_from([0, 3, 6]), wide=st.booleans())
def test_value_codes_order_like_the_values_and_map_back_to_their_float8(
    unscaled: list[int], scale: int, wide: bool
) -> None:
    kind = pl.Decimal(18, scale)
    values = pl.Series([Decimal(u).scaleb(-scale) for u in unscaled], dtype=kind)
    if wide:  # beyond 2**36 apart: ranks instead of unscaled integers
        values = values.extend(pl.Series([Decimal(2**40).scaleb(-scale)], dtype=kind))
    codes, size, value_of = value_codes(values)
    assert codes.dtype == np.int64 and all(0 <= c < size for c in codes.tolist())
    floats = values.cast(pl.Float64).to_numpy()
    assert np.array_equal(value_of(codes), floats)  # exactly Polars' (and PG's) float8
    order = np.argsort(floats, kind="stable")
    assert np.all(np.diff(codes[order]) >= 0)
    assert len(set(codes.tolist())) == len(set(floats.tolist()))


@settings(max_examples=50, deadline=None)
@given(
    offsets=st.lists(st.integers(0, 10**12), max_size=30),
    base=st.datetimes(datetime(1990, 1, 1), datetime(2100, 1, 1)),
    unit=st.sampled_from(["us", "ns", "ms"]),
)
def test_hour_codes_name_each_timestamps_utc_hour(
    offsets: list[int], base: datetime, unit: str
) -> None:
    start = base.replace(tzinfo=UTC)
    times = pl.Series([start + timedelta(microseconds=o) for o in offsets]).cast(
        pl.Datetime(unit, "UTC")  # type: ignore[arg-type]
    )
    codes, size, first = hour_codes(times)
    assert all(0 <= c < size for c in codes.tolist())
    hours = times.dt.cast_time_unit("us").dt.truncate("1h")
    assert hour_starts(codes, first).equals(hours, check_names=False)


@settings(max_examples=100, deadline=None)
@given(
    rows=st.lists(st.tuples(st.integers(0, 5), st.integers(0, 4)), max_size=40),
    sizes=st.sampled_from([(6, 5), (2**40, 2**30)]),  # the second renumbers
)
def test_sorted_pairs_count_distinct_non_null_codes_per_group(
    rows: list[tuple[int, int]], sizes: tuple[int, int]
) -> None:
    groups = np.array([g for g, _ in rows], dtype=np.int64)
    codes = np.array([c for _, c in rows], dtype=np.int64)
    null = sizes[1] - 1  # the NULL code is the last
    first, second = sort_pairs((groups, sizes[0]), (codes, sizes[1]))
    assert list(zip(first.tolist(), second.tolist(), strict=True)) == sorted(rows)
    keys, row = sort_pairs((groups, sizes[0]), (np.arange(len(rows)), max(len(rows), 1)))
    _, counts = runs(keys)
    counted = distinct((codes, sizes[1]), row, Shared.of(counts))
    expected = [
        len({c for g2, c in rows if g2 == g and c != null}) for g in sorted({g for g, _ in rows})
    ]
    assert counted.tolist() == expected


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.integers(0, 3), st.one_of(st.none(), st.sampled_from("abcde"))), max_size=40
    ),
    cuts=st.lists(st.integers(0, 40), max_size=3),
)
def test_distinct_counts_values_across_the_chunks_of_a_dictionary_column(
    rows: list[tuple[int, str | None]], cuts: list[int]
) -> None:
    """As read from Parquet: a dictionary per chunk, codes equal only within a chunk."""
    values = [v for _, v in rows]
    edges = [0, *sorted(min(c, len(rows)) for c in cuts), len(rows)]
    column = pa.chunked_array(
        [pa.array(values[a:b], pa.string()).dictionary_encode() for a, b in pairwise(edges)],
        pa.dictionary(pa.int32(), pa.string()),
    )
    codes, size, _ = local_codes(column)
    groups = np.array([g for g, _ in rows], dtype=np.int64)
    keys, row = sort_pairs((groups, 4), (np.arange(len(rows)), max(len(rows), 1)))
    _, counts = runs(keys)
    chunked = column if column.num_chunks > 1 else None
    counted = distinct((codes.to_numpy(), size), row, Shared.of(counts), chunked)
    expected = [
        len({v for g2, v in rows if g2 == g and v is not None})
        for g in sorted({g for g, _ in rows})
    ]
    assert counted.tolist() == expected


@settings(max_examples=50, deadline=None)
@given(hours=st.lists(st.integers(-(10**7), 10**7), max_size=30))
def test_iso_weekday_of_utc_hours_is_polars_weekday(hours: list[int]) -> None:
    codes = np.array(hours, dtype=np.int64)
    assert iso_weekday(codes).tolist() == hour_starts(codes, 0).dt.weekday().to_list()
