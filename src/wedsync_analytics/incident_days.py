"""Incident response by kind of day: Saturday against weekdays, wedding days against other
days, wedding season against off season.

Calendar rules, as the database's `public.wedding_context(ts, tz)` states them: each incident's
`created_at` is read in its organization's time zone (`organizations.timezone`, else
Europe/London, the database's default); weekdays are ISO numbered (Monday = 1 ... Saturday = 6,
Sunday = 7); the wedding season is the local months May (5) to October (10). A wedding day is
an incident whose `context` says `"wedding_day": true` (the generator sets it from its couples'
wedding dates; an incident without the key is `unknown`). Times as in the incident_response
analysis: acknowledged (resolved) before `as_of`, measured from `created_at`; percentiles
linear (PostgreSQL's percentile_cont).
"""

from __future__ import annotations

from datetime import datetime

import polars as pl

from wedsync_analytics.export.reader import ExportReader

DEFAULT_TIMEZONE = "Europe/London"  # public.wedding_context's default
SATURDAY = 6  # ISO
SEASON_MONTHS = (5, 6, 7, 8, 9, 10)
SPLITS = {
    "weekday": "Saturday (ISO 6) against Monday-Friday (1-5) and Sunday (7)",
    "wedding_day": "wedding day against other days",
    "season": "wedding season (local May-October) against off season",
}


def incident_days(reader: ExportReader, as_of: datetime) -> pl.DataFrame:
    """One row per incident created before `as_of`: local calendar fields and its times."""
    end = pl.lit(as_of).cast(pl.Datetime("us", "UTC"))
    incidents = reader.scan("incidents").filter(pl.col("created_at") < end)
    if "organizations" in reader.tables:
        zones = reader.scan("organizations").select(
            pl.col("id").alias("organization_id"), pl.col("timezone")
        )
        incidents = incidents.join(zones, on="organization_id", how="left")
    else:
        incidents = incidents.with_columns(pl.lit(None, pl.String).alias("timezone"))
    frame = incidents.with_columns(
        pl.col("timezone").fill_null(DEFAULT_TIMEZONE),
        pl.when(pl.col("acknowledged_at") < end)
        .then((pl.col("acknowledged_at") - pl.col("created_at")).dt.total_microseconds() / 1e6)
        .alias("tta_seconds"),
        pl.when(pl.col("resolved_at") < end)
        .then((pl.col("resolved_at") - pl.col("created_at")).dt.total_microseconds() / 1e6)
        .alias("ttr_seconds"),
        pl.col("context").str.json_path_match("$.wedding_day").alias("wedding_flag"),
    ).collect()
    parts = []
    for (zone,), rows in frame.group_by("timezone"):  # a time zone is one constant per call
        local = pl.col("created_at").dt.convert_time_zone(str(zone))
        parts.append(
            rows.with_columns(
                local.dt.date().alias("local_date"),
                local.dt.weekday().alias("iso_weekday"),
                local.dt.month().is_in(SEASON_MONTHS).alias("in_season"),
            )
        )
    if not parts:
        return pl.DataFrame()
    days = pl.concat(parts).with_columns(
        pl.when(pl.col("iso_weekday") == SATURDAY)
        .then(pl.lit("Saturday"))
        .when(pl.col("iso_weekday") == 7)
        .then(pl.lit("Sunday"))
        .otherwise(pl.lit("Monday-Friday"))
        .alias("weekday"),
        pl.when(pl.col("wedding_flag") == "true")
        .then(pl.lit("wedding day"))
        .when(pl.col("wedding_flag") == "false")
        .then(pl.lit("other day"))
        .otherwise(pl.lit("unknown"))
        .alias("wedding_day"),
        pl.when(pl.col("in_season"))
        .then(pl.lit("wedding season"))
        .otherwise(pl.lit("off season"))
        .alias("season"),
    )
    return days.select(
        "id",
        pl.col("severity").cast(pl.String),
        pl.col("wedding_impact").cast(pl.String),
        "created_at",
        "timezone",
        "local_date",
        "iso_weekday",
        "weekday",
        "wedding_day",
        "season",
        "tta_seconds",
        "ttr_seconds",
    ).sort("created_at")


def response_by(days: pl.DataFrame, split: str) -> pl.DataFrame:
    """Per group of `split` (a key of SPLITS): incidents, and median, p95 and mean minutes to
    acknowledge and to resolve (of those acknowledged / resolved)."""
    if split not in SPLITS:
        raise ValueError(f"no split {split!r}; choose from {', '.join(SPLITS)}")
    if days.is_empty():
        return pl.DataFrame({"split": [], "group": [], "incidents": []})
    minutes = {
        "acknowledge": pl.col("tta_seconds") / 60,
        "resolve": pl.col("ttr_seconds") / 60,
    }
    return (
        days.group_by(pl.col(split).alias("group"))
        .agg(
            pl.len().alias("incidents"),
            *[
                expr
                for what, m in minutes.items()
                for expr in (
                    m.count().alias(f"{what}d"),
                    m.quantile(0.5, interpolation="linear").alias(f"{what}_p50_min"),
                    m.quantile(0.95, interpolation="linear").alias(f"{what}_p95_min"),
                    m.mean().alias(f"{what}_mean_min"),
                )
            ],
        )
        .with_columns(pl.lit(split).alias("split"))
        .sort("group")
        .select("split", pl.all().exclude("split"))
    )


def all_splits(days: pl.DataFrame) -> pl.DataFrame:
    """`response_by` for every split, one frame."""
    return pl.concat([response_by(days, s) for s in SPLITS], how="diagonal")
