"""`engines.key_order.sort_by_keys`: the packed-rank sort orders rows as Polars' sort does."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from wedsync_analytics.engines.key_order import packed_keys, sort_by_keys

TEXT = st.one_of(st.none(), st.sampled_from(["", "a", "ab", "b", "Z", "é", "\x00", "zz"]))
NUMBER = st.one_of(st.none(), st.integers(-(2**40), 2**40))
DAY = st.one_of(st.none(), st.dates(date(1990, 1, 1), date(2040, 1, 1)))
MOMENT = st.one_of(
    st.none(),
    st.integers(0, 10**6).map(lambda s: datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=s)),
)
FLAG = st.one_of(st.none(), st.booleans())


@st.composite
def keyed_frames(draw: st.DrawFn) -> pl.DataFrame:
    rows = draw(st.integers(0, 40))
    columns = {
        "text": (TEXT, pl.String()),
        "number": (NUMBER, pl.Int64()),
        "day": (DAY, pl.Date()),
        "moment": (MOMENT, pl.Datetime("us", "UTC")),
        "flag": (FLAG, pl.Boolean()),
    }
    data = {
        name: pl.Series(name, draw(st.lists(values, min_size=rows, max_size=rows)), dtype=dtype)
        for name, (values, dtype) in columns.items()
    }
    data["row"] = pl.Series("row", range(rows), dtype=pl.Int64())
    return pl.DataFrame(data)


@settings(max_examples=200, deadline=None)
@given(
    keyed_frames(), st.permutations(["text", "number", "day", "moment", "flag"]), st.integers(1, 5)
)
def test_packed_sort_is_polars_stable_sort(
    frame: pl.DataFrame, order: list[str], count: int
) -> None:
    keys = order[:count]
    expected = frame.sort(keys, nulls_last=True, maintain_order=True)
    assert packed_keys(frame, keys) is not None
    assert sort_by_keys(frame, keys, packed_from_rows=0).equals(expected)


def test_sorted_input_comes_back_as_it_is() -> None:
    frame = pl.DataFrame({"k": ["a", "b", "b", None], "v": [1, 2, 3, 4]})
    assert sort_by_keys(frame, ["k"], packed_from_rows=0) is frame


def test_unranked_type_or_too_many_bits_falls_back_to_polars_sort() -> None:
    floats = pl.DataFrame({"k": [2.5, float("nan"), None, -1.0]})
    assert packed_keys(floats, ["k"]) is None
    assert sort_by_keys(floats, ["k"], packed_from_rows=0).equals(floats.sort("k", nulls_last=True))
    # four keys of 2**16 distinct values each: 17 bits of ranks each (NULL's rank included)
    wide = pl.DataFrame({name: pl.int_range(2**16, 0, -1, eager=True) for name in "abcd"})
    assert packed_keys(wide, ["a", "b", "c"]) is not None
    assert packed_keys(wide, ["a", "b", "c", "d"]) is None
    assert sort_by_keys(wide, ["a", "b", "c", "d"], packed_from_rows=0).equals(wide.reverse())
