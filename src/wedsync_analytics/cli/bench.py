"""`wedsync-analytics bench`: the strategy benchmark (docs/benchmarking.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from wedsync_analytics.cli.options import (
    DsnOption,
    MarketOption,
    QueriesOption,
    ScaleOption,
    SeedOption,
    StrategyOption,
)
from wedsync_analytics.errors import UserError
from wedsync_analytics.generate import build_scenario


def bench(
    scale: ScaleOption = "small",
    seed: SeedOption = 0,
    market: MarketOption = "us",
    strategy: StrategyOption = None,
    queries: QueriesOption = None,
    runs: Annotated[int, typer.Option(help="Timed runs per query, after one warm-up.")] = 10,
    load_rows: Annotated[int, typer.Option(help="Rows of the COPY load-cost chunk.")] = 20_000,
    out: Annotated[Path, typer.Option(help="Directory for results.json, report.md, PNGs.")] = Path(
        "out/bench"
    ),
    dsn: DsnOption = None,
) -> None:
    """Benchmark index, layout, policy, rollup and retention strategies on a loaded dataset
    (default: every folder of sql/strategies on its own)."""
    from wedsync_analytics.bench import BenchConfig, default_variants, parse_variant, run_bench
    from wedsync_analytics.bench.output import check_out_dir, write_outputs, write_partial
    from wedsync_analytics.config import resolve_dsn

    if runs < 1:
        raise UserError(f"invalid --runs {runs}: use a positive number")
    if load_rows < 1:
        raise UserError(f"invalid --load-rows {load_rows}: use a positive number")
    scenario = build_scenario(scale, seed=seed, market=market)
    variants = [parse_variant(s) for s in strategy] if strategy else default_variants()
    check_out_dir(out)
    console = Console(stderr=True, soft_wrap=True)
    config = BenchConfig(scenario, variants, list(queries) if queries else None, runs, load_rows)
    result = run_bench(
        resolve_dsn(dsn),
        config,
        lambda line: console.print(line, markup=False, highlight=False),
        lambda so_far: write_partial(so_far.to_json(), out),
    )
    written = write_outputs(result.to_json(), out)
    console.print(f"wrote {len(written)} files to {out} (report: {out / 'report.md'})")
    if not result.ok:
        raise UserError(
            "a strategy changed an answer or removed other rows: see report.md",
        )


def register(app: typer.Typer) -> None:
    """Add `bench` to the app."""
    app.command("bench")(bench)
