"""Helpers shared by the Polars analyses: windows and pinned semantics."""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl

UTC_DT = pl.Datetime("us", "UTC")


def lit_ts(value: datetime) -> pl.Expr:
    """A UTC timestamp literal."""
    return pl.lit(value).cast(UTC_DT)


def utc_midnight(value: datetime) -> datetime:
    """Midnight UTC of `value`'s UTC date."""
    from datetime import UTC

    v = value.astimezone(UTC)
    return v.replace(hour=0, minute=0, second=0, microsecond=0)


def between(column: str, start: datetime, end: datetime) -> pl.Expr:
    """Half-open window [start, end)."""
    return (pl.col(column) >= lit_ts(start)) & (pl.col(column) < lit_ts(end))


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
