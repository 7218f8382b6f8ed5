"""`wedsync-analytics capacity`: the volume at which each dashboard query breaks its budget
(docs/capacity.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from wedsync_analytics.cli.options import (
    BudgetOption,
    DsnOption,
    MarketOption,
    QueriesOption,
    ScaleOption,
    SeedOption,
    StrategyOption,
)
from wedsync_analytics.errors import UserError
from wedsync_analytics.generate import build_scenario


def capacity(
    scale: ScaleOption = "small",
    seed: SeedOption = 0,
    market: MarketOption = "us",
    strategy: StrategyOption = None,
    queries: QueriesOption = None,
    budget_ms: BudgetOption = 1000.0,
    volumes: Annotated[
        list[float] | None,
        typer.Option(
            "--volumes",
            help="Fractions of the scale's days, one per volume (repeatable; 4 or more), "
            "each the loaded dataset trimmed to its first days; default 0.1 0.25 0.5 1.",
        ),
    ] = None,
    runs: Annotated[int, typer.Option(help="Timed runs per point, after one warm-up.")] = 5,
    tolerance: Annotated[
        float,
        typer.Option(help="Largest prediction error (fraction) that still gives a breach point."),
    ] = 0.3,
    out: Annotated[Path, typer.Option(help="Directory for results.json, report.md, PNGs.")] = Path(
        "out/capacity"
    ),
    dsn: DsnOption = None,
) -> None:
    """Capacity curve: each query at several volumes, fitted growth, predicted breach volume."""
    from wedsync_analytics.bench.capacity import (
        DEFAULT_FRACTIONS,
        CapacityConfig,
        check_queries,
        check_variants,
        run_capacity,
        volume_days,
    )
    from wedsync_analytics.bench.capacity_report import check_out_dir, write_outputs
    from wedsync_analytics.bench.strategies import parse_variant
    from wedsync_analytics.config import resolve_dsn

    if runs < 1:
        raise UserError(f"invalid --runs {runs}: use a positive number")
    if budget_ms <= 0:
        raise UserError(f"invalid --budget-ms {budget_ms:g}: use a positive number")
    if tolerance <= 0:
        raise UserError(f"invalid --tolerance {tolerance:g}: use a positive fraction, e.g. 0.3")
    scenario = build_scenario(scale, seed=seed, market=market)
    variants = check_variants([parse_variant(s) for s in strategy or []])
    fractions = tuple(volumes) if volumes else DEFAULT_FRACTIONS
    volume_days(scenario, fractions)
    check_queries(list(queries) if queries else None)
    check_out_dir(out)
    console = Console(stderr=True, soft_wrap=True)
    config = CapacityConfig(
        scenario,
        variants,
        list(queries) if queries else None,
        budget_ms,
        fractions,
        runs,
        tolerance,
    )
    result = run_capacity(
        resolve_dsn(dsn), config, lambda line: console.print(line, markup=False, highlight=False)
    )
    written = write_outputs(result.to_json(), out)
    console.print(f"wrote {len(written)} files to {out} (report: {out / 'report.md'})")


def register(app: typer.Typer) -> None:
    """Add `capacity` to the app."""
    app.command("capacity")(capacity)
