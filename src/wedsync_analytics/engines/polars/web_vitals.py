"""Core Web Vitals at p75 per season, device type and page group, with Google's rating."""

from __future__ import annotations

from typing import Any

import polars as pl

from wedsync_analytics.engines.polars._common import days, pct
from wedsync_analytics.engines.polars._tables import Tables

# The first path segment of page_url: the path follows "scheme://host" or "//host" (the host
# ends at "/", "?" or "#"), or a leading "/"; the segment ends at "/", "?" or "#". No match
# (no path, or a relative URL such as "a/b") -> "/". See sql/analyses/web_vitals/postgres.sql.
PAGE_PATTERN = r"^(?:(?:[A-Za-z][A-Za-z0-9+.-]*:)?//[^/?#]*)?(/[^/?#]*)"
# metric: (good up to, poor above), Google's web-vitals thresholds
THRESHOLDS: dict[str, tuple[float, float]] = {
    "lcp": (2500, 4000),
    "inp": (200, 500),
    "cls": (0.1, 0.25),
    "fcp": (1800, 3000),
    "ttfb": (800, 1800),
}


def rating(column: str, good: float, poor: float) -> pl.Expr:
    value = pl.col(column)
    return (
        pl.when(value > poor)
        .then(pl.lit("poor"))
        .when(value > good)
        .then(pl.lit("needs_improvement"))
        .when(value.is_not_null())
        .then(pl.lit("good"))
        .otherwise(None)
    )


def measures(rows: pl.LazyFrame, page_group: pl.Expr) -> pl.LazyFrame:
    """The grouped columns and the values, as floats."""
    month = pl.col("created_at").dt.month()  # UTC
    return rows.select(
        pl.when(month.is_between(5, 10))
        .then(pl.lit("wedding_season"))
        .otherwise(pl.lit("off_season"))
        .alias("season"),
        "device_type",
        page_group.alias("page_group"),
        *[pl.col(f"{m}_value").cast(pl.Float64) for m in THRESHOLDS],
    )


def build(tables: Tables, v: dict[str, Any]) -> pl.LazyFrame:
    window = tables.window("core_web_vitals", v["as_of"] - days(v["days"]), v["as_of"])
    # page_url is read, and the regular expression run, only for rows without a page_group
    # (two filters of the scan: the second skips row groups whose statistics count no NULL)
    derived = pl.coalesce(pl.col("page_url").str.extract(PAGE_PATTERN, 1), pl.lit("/"))
    grouped = (
        pl.concat(
            [
                measures(window.filter(pl.col("page_group").is_not_null()), pl.col("page_group")),
                measures(window.filter(pl.col("page_group").is_null()), derived),
            ]
        )
        .group_by("season", "device_type", "page_group")
        .agg(
            pl.len().alias("samples"),
            *[pct(pl.col(f"{m}_value"), 0.75).alias(f"{m}_p75") for m in THRESHOLDS],
        )
    )
    core = ["lcp", "inp", "cls"]
    passes = pl.all_horizontal(pl.col(f"{m}_p75") <= THRESHOLDS[m][0] for m in core)
    missing = pl.any_horizontal(pl.col(f"{m}_p75").is_null() for m in core)
    return grouped.with_columns(
        *[rating(f"{m}_p75", *THRESHOLDS[m]).alias(f"{m}_rating") for m in THRESHOLDS],
        pl.when(missing).then(None).otherwise(passes).alias("passes_cwv"),
    )
