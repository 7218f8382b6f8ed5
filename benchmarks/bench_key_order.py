"""The runner's sort (`engines.key_order.sort_by_keys`) against Polars' own, by result size.

Run: `.venv/bin/pytest benchmarks/bench_key_order.py -s --timeout=0` (part of `make bench`).
Frames shaped as the percentiles result (four text keys: an organization UUID's text, a
service, a metric type and a unit, then the hour), in key order or in the order the
PostgreSQL engine's SQL returns them (hour descending first). Prints, per size and order,
the median of 7 runs of Polars' `sort(keys, nulls_last=True)` and of the packed-rank sort
(forced for every size), which is how `key_order.PACKED_FROM_ROWS` was chosen; no target.
"""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Callable

import numpy as np
import polars as pl

from wedsync_analytics.engines.key_order import PACKED_FROM_ROWS, sort_by_keys

KEYS = ["organization_id", "service_name", "metric_type", "metric_unit", "time_bucket"]
ROUNDS = 7


def percentiles_like(rows: int, in_key_order: bool, seed: int = 7) -> pl.DataFrame:
    """`rows` rows in key order, or in the PostgreSQL engine's order (hour descending, then
    the text keys). Each text column is gathered from its few labels after the rows are
    ordered, so its strings lie as a transfer's do (not scattered by a sort of the frame)."""
    rng = np.random.default_rng(seed)
    labels = [
        sorted(str(uuid.UUID(int=int(x))) for x in rng.integers(0, 2**63, 600)),
        [f"service-{i}" for i in range(8)],
        [f"metric_{i}" for i in range(6)],
        sorted(["ms", "bytes", "percent", "count"]),
    ]
    codes = [rng.integers(0, len(names), rows) for names in labels]  # code order = text order
    hours = rng.integers(0, 180 * 24, rows)
    values = rng.random(rows)
    # np.lexsort sorts by its last key first
    order = np.lexsort([hours, *codes[::-1]] if in_key_order else [*codes[::-1], -hours])
    columns = {
        name: pl.Series(names).gather(code[order])
        for name, names, code in zip(KEYS[:4], labels, codes, strict=True)
    }
    return pl.DataFrame(
        {
            **columns,
            "time_bucket": pl.Series(hours[order] * 3_600_000_000).cast(pl.Datetime("us", "UTC")),
            "p50": values[order],
        }
    )


def median_ms(sort: Callable[[], pl.DataFrame]) -> float:
    times = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        sort()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def test_packed_sort_against_polars_sort() -> None:
    print(f"\n[key order] packed from {PACKED_FROM_ROWS:,} rows; median of {ROUNDS}, ms")
    for rows in (74_000, 500_000, 3_600_000):
        by_time, in_order = percentiles_like(rows, False), percentiles_like(rows, True)
        for label, frame in (("by hour first", by_time), ("in key order", in_order)):
            polars = median_ms(lambda f=frame: f.sort(KEYS, nulls_last=True))
            packed = median_ms(lambda f=frame: sort_by_keys(f, KEYS, packed_from_rows=0))
            assert sort_by_keys(frame, KEYS, packed_from_rows=0).equals(in_order)
            print(
                f"[key order] {rows:>9,} rows {label:13s}: Polars {polars:8.1f}, "
                f"packed {packed:8.1f} ({packed / polars:.2f} of Polars' time)"
            )
