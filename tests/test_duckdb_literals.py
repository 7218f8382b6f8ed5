"""The DuckDB engine's parameter literals (`EXECUTE` of a prepared analysis takes no bound
parameters): each literal reads back as the value DuckDB binds for the same parameter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st

from wedsync_analytics.engines.duckdb import literal

CON = duckdb.connect()
CON.execute("SET TimeZone = 'UTC'")

values = st.one_of(
    st.integers(min_value=-(2**62), max_value=2**62),
    st.floats(allow_nan=False),
    st.booleans(),
    st.text(),
    st.datetimes(
        min_value=datetime(1970, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
    ),
    st.lists(st.text(), max_size=4),
    st.lists(st.integers(min_value=-(2**31), max_value=2**31 - 1), max_size=4),
)


def read_back(sql: str, params: dict[str, Any] | None = None) -> Any:
    row = CON.execute(sql, params).fetchone()
    assert row is not None
    return row[0]


@given(values)
def test_a_literal_reads_back_as_the_bound_value(value: Any) -> None:
    if isinstance(value, list) and not value:
        value = ["x"]  # an empty list literal has no element type to compare
    assert read_back(f"SELECT {literal(value)}") == read_back("SELECT $v", {"v": value})


def test_a_timestamp_literal_keeps_its_offset_and_microseconds() -> None:
    moment = datetime(2025, 3, 30, 2, 59, 59, 999999, tzinfo=timezone(timedelta(hours=2)))
    assert read_back(f"SELECT {literal(moment)}") == moment.astimezone(UTC)
    assert read_back(f"SELECT epoch_us({literal(moment)})") % 1_000_000 == 999_999


def test_a_value_without_a_literal_is_an_error() -> None:
    with pytest.raises(TypeError, match="no DuckDB literal for dict"):
        literal({"a": 1})
