"""`wedsync-analytics live`: dashboards under live ingest, k stepped up until something
breaks (docs/capacity.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from wedsync_analytics.cli.options import DsnOption
from wedsync_analytics.errors import UserError
from wedsync_analytics.generate import PRESETS, build_scenario

OUTPUT = "live.json"


def live(
    scale: Annotated[str, typer.Option(help=f"Dataset preset: {', '.join(PRESETS)}.")] = "small",
    seed: Annotated[int, typer.Option(help="Dataset seed (a loaded dataset is reused).")] = 0,
    market: Annotated[str, typer.Option(help="Market calendar: us or uk.")] = "us",
    strategy: Annotated[
        str, typer.Option(help="KIND=NAME (or several joined with +) applied to the clone.")
    ] = "index=seed",
    queries: Annotated[
        list[str] | None,
        typer.Option("--queries", help="Dashboard queries under load (repeatable); default all."),
    ] = None,
    budget_ms: Annotated[float, typer.Option(help="The p95 budget, milliseconds.")] = 1000.0,
    query_rate: Annotated[float, typer.Option(help="Requests per second per query.")] = 2.0,
    step_seconds: Annotated[float, typer.Option(help="Seconds per value of k.")] = 5.0,
    max_k: Annotated[float, typer.Option(help="Largest k (k doubles from 1).")] = 65536.0,
    out: Annotated[Path, typer.Option(help="Directory for live.json.")] = Path("out/live"),
    dsn: DsnOption = None,
) -> None:
    """Open-loop dashboard load while COPY ingests at k times the season's peak hour."""
    from wedsync_analytics.bench.capacity import check_queries, check_variants
    from wedsync_analytics.bench.live import LiveConfig, run_live
    from wedsync_analytics.bench.strategies import parse_variant
    from wedsync_analytics.config import resolve_dsn

    for name, value in (("query-rate", query_rate), ("step-seconds", step_seconds)):
        if not 0 < value <= 600:
            raise UserError(f"invalid --{name} {value:g}: use a number in (0, 600]")
    if not 1 <= max_k <= 2**20:
        raise UserError(f"invalid --max-k {max_k:g}: use a number from 1 to 1048576")
    if budget_ms <= 0:
        raise UserError(f"invalid --budget-ms {budget_ms:g}: use a positive number")
    scenario = build_scenario(scale, seed=seed, market=market)
    variant = check_variants([parse_variant(strategy)])[-1]
    check_queries(list(queries) if queries else None)
    target = out / OUTPUT
    if out.exists() and (not out.is_dir() or any(p.name != OUTPUT for p in out.iterdir())):
        raise UserError(f"--out {out} holds other files: nothing done; give a new directory")
    ks: list[float] = []
    while (k := 2.0 ** len(ks)) <= max_k:
        ks.append(k)
    config = LiveConfig(budget_ms, query_rate, step_seconds, tuple(ks))
    console = Console(stderr=True, soft_wrap=True)
    result = run_live(
        resolve_dsn(dsn),
        scenario,
        variant,
        list(queries) if queries else None,
        config,
        lambda line: console.print(line, markup=False, highlight=False),
    )
    out.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(result, indent=1, default=str) + "\n", encoding="utf-8")
    console.print(
        f"highest k sustained: {result['highest_k_sustained']}; first break: "
        f"{result['first_break']}; wrote {target}"
    )


def register(app: typer.Typer) -> None:
    """Add `live` to the app."""
    app.command("live")(live)
