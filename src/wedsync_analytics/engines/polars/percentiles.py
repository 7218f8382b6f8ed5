"""Performance percentiles per service, metric type and UTC hour (the spec's view).

The window's rows (about one group per 1.7 rows at the season scale) get one integer group
key built from each key column's lexical rank (see `lexical_codes`) and the hour, and one
sort key that also orders each group's values (a decimal's unscaled integer): after one
integer sort, a group is a run of rows with its values ascending, and every aggregate is an
array operation over the runs (the quantiles read the two values they interpolate; Polars'
per-group quantile costs a call per group). The result comes out in the analysis's key
order, which makes the runner's sort cheap.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import polars as pl

from wedsync_analytics.engines.polars._common import (
    hour_codes,
    int_bounds,
    order_codes,
    run_quantile,
    run_sums,
    runs,
    sort_key,
)
from wedsync_analytics.engines.polars._keyed import keyed_window
from wedsync_analytics.engines.polars._tables import Tables

KEYS = ("organization_id", "service_name", "metric_type", "metric_unit")
QUANTILES = {"p50": 0.50, "p90": 0.90, "p95": 0.95, "p99": 0.99}


def build(tables: Tables, v: dict[str, Any]) -> pl.LazyFrame:
    start = v["as_of"] - timedelta(hours=v["hours"])
    keyed = keyed_window(
        tables, "performance_metrics", start, v["as_of"], KEYS, ["timestamp", "metric_value"]
    )
    rows = keyed.frame
    group = sort_key([*(keyed.codes[name] for name in KEYS), hour_codes(rows["timestamp"])])
    groups = (int_bounds(group) or (0, 0))[1] + 1
    order = sort_key([(group, groups), order_codes(rows["metric_value"])]).arg_sort()
    values = rows["metric_value"].cast(pl.Float64).gather(order).to_numpy()
    starts, counts = runs(group.gather(order).to_numpy())
    firsts = order.gather(pl.Series(starts))
    return pl.DataFrame(
        [
            *[keyed.values(name, firsts) for name in KEYS],
            rows["timestamp"].gather(firsts).dt.truncate("1h").alias("time_bucket"),
            pl.Series("sample_count", counts, dtype=pl.Int64),
            *[pl.Series(n, run_quantile(values, starts, counts, q)) for n, q in QUANTILES.items()],
            pl.Series("avg_value", run_sums(values, starts) / counts),
            pl.Series("max_value", values[starts + counts - 1]),
        ]
    ).lazy()
