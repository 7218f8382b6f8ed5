"""Performance percentiles per service, metric type and UTC hour (the spec's view).

The window's rows (about one group per 1.7 rows at the season scale) become one integer
each, packing the key columns' lexical codes (see `lexical_codes`), the hour and the
value's code (a decimal's unscaled integer): after one sort of those integers a group is a
run of equal keys with its values ascending, every aggregate is an array operation over
the runs (the quantiles read the two values they interpolate; Polars' per-group quantile
costs a call per group), and each group's keys are unpacked from its integer. The result
comes out in the analysis's key order, which makes the runner's sort cheap.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
import polars as pl

from wedsync_analytics.engines.polars._common import (
    hour_codes,
    hour_starts,
    run_quantile,
    run_sums,
    runs,
)
from wedsync_analytics.engines.polars._keyed import keyed_window
from wedsync_analytics.engines.polars._pack import pack, sort_keys, unpack, value_codes
from wedsync_analytics.engines.polars._tables import Tables

KEYS = ("organization_id", "service_name", "metric_type", "metric_unit")
CODED = ("performance_metrics", KEYS)  # the table and its columns kept coded in memory
QUANTILES = {"p50": 0.50, "p90": 0.90, "p95": 0.95, "p99": 0.99}


def build(tables: Tables, v: dict[str, Any]) -> pl.LazyFrame:
    start = v["as_of"] - timedelta(hours=v["hours"])
    keyed = keyed_window(tables, *CODED, ["timestamp", "metric_value"], start, v["as_of"])
    rows = keyed.frame
    hours, hour_count, first_hour = hour_codes(rows["timestamp"])
    codes, size, value_of = value_codes(rows["metric_value"])
    key, steps = pack([*(keyed.part(name) for name in KEYS), (hours, hour_count), (codes, size)])
    group, code = np.divmod(sort_keys(key), size)  # the value is the last, least part
    starts, counts = runs(group)
    parts = unpack(group[starts], steps[:-1])
    values = value_of(code)
    return pl.DataFrame(
        [
            *[keyed.values(name, part) for name, part in zip(KEYS, parts, strict=False)],
            hour_starts(parts[len(KEYS)], first_hour).alias("time_bucket"),
            pl.Series("sample_count", counts, dtype=pl.Int64),
            *[pl.Series(n, run_quantile(values, starts, counts, q)) for n, q in QUANTILES.items()],
            pl.Series("avg_value", run_sums(values, starts) / counts),
            pl.Series("max_value", values[starts + counts - 1]),
        ]
    ).lazy()
