"""`wedsync-analytics live`: dashboards under live ingest, k stepped up until something
breaks, and retention under load (docs/capacity.md)."""

from __future__ import annotations

import json
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

OUTPUTS = ("live.json", "live.md")


def live(
    scale: ScaleOption = "small",
    seed: SeedOption = 0,
    market: MarketOption = "us",
    strategy: StrategyOption = None,
    queries: QueriesOption = None,
    budget_ms: BudgetOption = 1000.0,
    query_rate: Annotated[float, typer.Option(help="Requests per second per query.")] = 2.0,
    step_seconds: Annotated[
        float, typer.Option(help="Seconds per value of k (one replay of the busiest day).")
    ] = 5.0,
    max_k: Annotated[float, typer.Option(help="Largest k (k doubles from 1).")] = 65536.0,
    connections: Annotated[int, typer.Option(help="Ingest connections (COPY).")] = 2,
    retention: Annotated[
        list[str] | None,
        typer.Option(
            "--retention",
            help="Retention strategy run under load after the steps (repeatable, e.g. "
            "retention=delete); default: every retention strategy; 'none' for none.",
        ),
    ] = None,
    out: Annotated[Path, typer.Option(help="Directory for live.json and live.md.")] = Path(
        "out/live"
    ),
    dsn: DsnOption = None,
) -> None:
    """Open-loop dashboard load while COPY ingests at k times the calendar's busiest day."""
    from wedsync_analytics.bench.capacity import check_queries, check_variants
    from wedsync_analytics.bench.live import LiveConfig, check_loopback, run_live
    from wedsync_analytics.bench.live_report import markdown
    from wedsync_analytics.bench.strategies import discover, parse_variant
    from wedsync_analytics.config import resolve_dsn

    for name, value in (("query-rate", query_rate), ("step-seconds", step_seconds)):
        if not 0 < value <= 600:
            raise UserError(f"invalid --{name} {value:g}: use a number in (0, 600]")
    if not 1 <= max_k <= 2**20:
        raise UserError(f"invalid --max-k {max_k:g}: use a number from 1 to 1048576")
    if not 1 <= connections <= 8:
        raise UserError(f"invalid --connections {connections}: use 1 to 8")
    if budget_ms <= 0:
        raise UserError(f"invalid --budget-ms {budget_ms:g}: use a positive number")
    scenario = build_scenario(scale, seed=seed, market=market)
    variants = check_variants([parse_variant(s) for s in strategy or []])
    if retention is None:
        retention = sorted(k for k in discover() if k.startswith("retention="))
    kept = [r for r in retention if r != "none"]
    retentions = tuple(parse_variant(r) for r in kept)
    for r in retentions:
        if r.run_text("retention") is None:
            raise UserError(f"--retention {r.name}: not a retention strategy (retention=NAME)")
    check_queries(list(queries) if queries else None)
    if out.exists() and (not out.is_dir() or any(p.name not in OUTPUTS for p in out.iterdir())):
        raise UserError(f"--out {out} holds other files: nothing done; give a new directory")
    ks: list[float] = []
    while (k := 2.0 ** len(ks)) <= max_k:
        ks.append(k)
    config = LiveConfig(budget_ms, query_rate, step_seconds, tuple(ks), connections, retentions)
    admin_dsn = resolve_dsn(dsn)
    check_loopback(admin_dsn)
    console = Console(stderr=True, soft_wrap=True)
    result = run_live(
        admin_dsn,
        scenario,
        variants,
        list(queries) if queries else None,
        config,
        lambda line: console.print(line, markup=False, highlight=False),
    )
    out.mkdir(parents=True, exist_ok=True)
    (out / "live.json").write_text(json.dumps(result, indent=1, default=str) + "\n", "utf-8")
    (out / "live.md").write_text(markdown(result), encoding="utf-8")
    for run in result["runs"]:
        console.print(
            f"{run['variant']}: highest k sustained {run['highest_k_sustained']}; "
            f"first break: {run['first_break']}"
        )
    console.print(f"wrote {out / 'live.json'} and {out / 'live.md'}")


def register(app: typer.Typer) -> None:
    """Add `live` to the app."""
    app.command("live")(live)
