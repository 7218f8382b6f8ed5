"""Causality of the generated rows: nothing before its tenant or user exists, nothing after
the scenario's end."""

from __future__ import annotations

from datetime import timedelta

import polars as pl
import pytest

from wedsync_analytics.generate import build_scenario, frames
from wedsync_analytics.generate.tables import TABLES
from wedsync_analytics.generate.world import World

# Planned times: they may lie beyond the scenario's end (a rule's or segment's expiry).
PLANNED = {
    ("suppression_rules", "ends_at"),
    ("user_segments", "valid_until"),
    ("error_suppression_rules", "suppress_until"),
}
SCENARIOS = {
    "tiny-us": build_scenario("tiny", seed=3),
    "small-uk": build_scenario("small", seed=8, market="uk", days=30),
}


def _times(df: pl.DataFrame) -> list[str]:
    return [c for c, t in df.schema.items() if isinstance(t, pl.Datetime | pl.Date)]


@pytest.mark.parametrize("key", SCENARIOS)
def test_nothing_before_its_tenant_or_user_nor_after_the_end(key: str) -> None:
    s = SCENARIOS[key]
    w = World(s)
    end = pl.lit(w.end_us).cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
    end_day = s.start + timedelta(days=s.days)
    created = pl.DataFrame(
        {"organization_id": w.org_id, "org_created": w.org_created}
    ).with_columns(pl.col("org_created").cast(pl.Datetime("us")).dt.replace_time_zone("UTC"))
    user_created = pl.DataFrame(
        {"user_id": w.user_id, "user_created": w.user_created}
    ).with_columns(pl.col("user_created").cast(pl.Datetime("us")).dt.replace_time_zone("UTC"))
    problems = []
    for t in TABLES:
        df = pl.concat(list(frames(s, t.name, 10**9)))
        for col in _times(df):
            if (t.table, col) in PLANNED:
                continue
            limit = pl.lit(end_day) if df.schema[col] == pl.Date else end
            late = df.filter(pl.col(col) >= limit).height
            if late:
                problems.append(f"{t.name}.{col}: {late} rows at or after the end")
            if "organization_id" in df.columns and t.table != "organizations":
                early = (
                    df.join(created, on="organization_id")
                    .filter(pl.col(col).cast(pl.Datetime("us", "UTC")) < pl.col("org_created"))
                    .height
                )
                if early:
                    problems.append(f"{t.name}.{col}: {early} rows before the tenant existed")
            if "user_id" in df.columns and t.table != "users":
                early = (
                    df.join(user_created, on="user_id")
                    .filter(pl.col(col).cast(pl.Datetime("us", "UTC")) < pl.col("user_created"))
                    .height
                )
                if early:
                    problems.append(f"{t.name}.{col}: {early} rows before their user existed")
    assert not problems, "\n".join(problems)
