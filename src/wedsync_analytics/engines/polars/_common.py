"""Helpers shared by the Polars analyses: windows and pinned semantics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final, cast

import numpy as np
import polars as pl

UTC_DT = pl.Datetime("us", "UTC")
# Polars' engine for the analyses' queries: its default ("auto") took 0.4-0.8 ms more per
# small analysis (10-20 %) on the season export, its streaming engine's set-up included
COLLECT_ENGINE: Final = "in-memory"
# (codes, how many, names in code order or None where only equality counts): lexical_codes
Codes = tuple[pl.Series, int, pl.Series | None]


def lit_ts(value: datetime) -> pl.Expr:
    """A UTC timestamp literal."""
    return pl.lit(value).cast(UTC_DT)


def utc_midnight(value: datetime) -> datetime:
    """Midnight UTC of `value`'s UTC date."""
    from datetime import UTC

    v = value.astimezone(UTC)
    return v.replace(hour=0, minute=0, second=0, microsecond=0)


def pct(expr: pl.Expr, q: float) -> pl.Expr:
    """percentile_cont / quantile_cont: linear interpolation (Polars' default is 'nearest')."""
    return expr.quantile(q, interpolation="linear")


def count_distinct(column: str) -> pl.Expr:
    """COUNT(DISTINCT x): NULL is not a value (Polars' n_unique counts it)."""
    return pl.col(column).drop_nulls().n_unique()


def json_flag(column: str, key: str) -> pl.Expr:
    """SQL `col ->> 'key' = 'true'`; NULL/absent/other values are not true."""
    return pl.col(column).str.json_path_match(f"$.{key}") == "true"


def seconds_between(later: str, earlier: str) -> pl.Expr:
    """Exact microseconds difference as float seconds (matches extract(epoch ...)::float8)."""
    return (pl.col(later) - pl.col(earlier)).dt.total_microseconds().cast(pl.Float64) / 1e6


def days(n: int) -> timedelta:
    return timedelta(days=n)


def lexical_codes(values: pl.Series) -> Codes:
    """Each value's rank among the distinct values in the order `normalise` sorts them
    (as strings, NULL last), how many ranks there are, and the values in rank order (then
    NULL: names[code] is the value): integer codes that group and sort like the values.
    Strings are hashed once into a Categorical of their own (ids 0..k-1 for its k distinct
    values); only those k values are sorted, and a lookup table indexed by id maps each row
    to its rank."""
    if isinstance(values.dtype, pl.Enum):
        ids = values.to_physical().cast(pl.Int64)
        names = values.dtype.categories
        distinct_ids = pl.int_range(len(names), eager=True, dtype=pl.Int64)
    else:
        categorical = values.cast(pl.String).cast(pl.Categorical(pl.Categories.random()))
        ids = categorical.to_physical().cast(pl.Int64)
        distinct = categorical.unique().drop_nulls()
        names = distinct.cast(pl.String)
        distinct_ids = distinct.to_physical().cast(pl.Int64)
    in_order = names.sort().extend_constant(None, 1).rechunk()
    if not len(names):
        return zeros(len(values)), 1, in_order
    table = zeros(int(cast(int, distinct_ids.max())) + 1)
    table.scatter(distinct_ids, names.rank("ordinal").cast(pl.Int64) - 1)
    return table.gather(ids).fill_null(len(names)), len(names) + 1, in_order


def hour_codes(times: pl.Series) -> tuple[np.ndarray, int, int]:
    """Each timestamp's UTC hour (date_trunc('hour') in UTC) as a code from the first hour,
    how many hours there are, and the first hour (hours since the epoch)."""
    if times.is_empty():
        return np.zeros(0, dtype=np.int64), 1, 0
    if not (isinstance(times.dtype, pl.Datetime) and times.dtype.time_unit == "us"):
        times = times.dt.cast_time_unit("us")  # a query of its own: only where needed
    micros = times.to_physical().to_numpy()
    hour = micros // 3_600_000_000  # floor: hours before 1970 too
    first = int(hour.min())
    return hour - first, int(hour.max()) - first + 1, first


def hour_starts(codes: np.ndarray, first: int) -> pl.Series:
    """The UTC timestamps of `hour_codes`' codes counted from the `first` hour."""
    micros = (codes + first) * 3_600_000_000
    return pl.Series(micros, dtype=pl.Int64).cast(UTC_DT)


def micros(value: datetime | timedelta) -> int:
    """Microseconds since the epoch (a UTC datetime) or in a duration."""
    if isinstance(value, timedelta):
        return value // timedelta(microseconds=1)
    return (value - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def iso_weekday(hours: np.ndarray) -> np.ndarray:
    """The ISO weekday (Monday 1 ... Sunday 7) of each UTC hour counted from the epoch
    (1970-01-01, a Thursday), as int64."""
    return (hours // 24 + 3) % 7 + 1


def runs(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each run of equal values of sorted `keys` starts, and its length."""
    n = len(keys)
    change = np.empty(n, dtype=bool)
    change[:1] = True
    np.not_equal(keys[1:], keys[:-1], out=change[1:])
    starts = np.flatnonzero(change)
    return starts, np.diff(starts, append=n)


def run_quantile(
    values: np.ndarray, starts: np.ndarray, counts: np.ndarray, q: float
) -> np.ndarray:
    """percentile_cont(q) of each run of `values`, each run sorted ascending (linear
    interpolation between the values at the floor and ceiling of q * (n - 1))."""
    position = q * (counts - 1)
    low = position.astype(np.int64)  # the floor: positions are not negative
    below = values[starts + low]
    above = values[starts + low + (position > low)]
    return below + (above - below) * (position - low)


def run_sums(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """The sum of each run of `values` (booleans counted as 0/1)."""
    if values.dtype == np.bool_:
        values = values.astype(np.int64)
    if not len(starts):
        return np.zeros(0, dtype=values.dtype)
    return np.add.reduceat(values, starts)


def zeros(n: int) -> pl.Series:
    return pl.Series(values=np.zeros(n, dtype=np.int64))
