"""Strategy benchmark: index, layout, policy, rollup and retention strategies applied to
clones of a loaded dataset, each dashboard query measured from three viewpoints with its
answer checked against the `index=seed` strategy (docs/benchmarking.md)."""

from wedsync_analytics.bench.run import BenchConfig, BenchResult, run_bench
from wedsync_analytics.bench.strategies import Variant, default_variants, discover, parse_variant

__all__ = [
    "BenchConfig",
    "BenchResult",
    "Variant",
    "default_variants",
    "discover",
    "parse_variant",
    "run_bench",
]
