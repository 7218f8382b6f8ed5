"""`wedsync-analytics generate`: synthetic wedding-season data into PostgreSQL or Parquet."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from wedsync_analytics.cli.options import DsnOption
from wedsync_analytics.errors import UserError
from wedsync_analytics.generate import PRESETS, build_scenario, plan
from wedsync_analytics.generate.scenario import Scenario


class RateColumn(ProgressColumn):
    """Rows per second of a task."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} rows/s" if speed else "", style="progress.data.speed")


def rows_table(
    scenario: Scenario, counts: dict[str, int], seconds: dict[str, float] | None
) -> Table:
    title = (
        f"scale {scenario.scale}, seed {scenario.seed}, market {scenario.market}, "
        f"{scenario.start} + {scenario.days} days, {scenario.suppliers} suppliers, "
        f"{scenario.couples} couples"
    )
    out = Table(title=title)
    out.add_column("table")
    out.add_column("rows", justify="right")
    if seconds is not None:
        out.add_column("seconds", justify="right")
        out.add_column("rows/s", justify="right")
    for name, n in counts.items():
        if seconds is None:
            out.add_row(name, f"{n:,}")
        else:
            s = seconds.get(name, 0.0)
            out.add_row(name, f"{n:,}", f"{s:.2f}", f"{n / s:,.0f}" if s > 0 else "")
    total = sum(counts.values())
    if seconds is None:
        out.add_row("total", f"{total:,}", style="bold")
    else:
        s = sum(seconds.values())
        out.add_row(
            "total", f"{total:,}", f"{s:.2f}", f"{total / s:,.0f}" if s else "", style="bold"
        )
    return out


def generate(
    scale: Annotated[str, typer.Option(help=f"Size preset: {', '.join(PRESETS)}.")] = "small",
    seed: Annotated[int, typer.Option(help="Seed: same seed, same rows.")] = 0,
    market: Annotated[str, typer.Option(help="Market calendar: us or uk.")] = "us",
    start: Annotated[str | None, typer.Option(help="First day (YYYY-MM-DD), local.")] = None,
    days: Annotated[
        int | None, typer.Option(help="Number of days (default: the preset's).")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Write Parquet files here, no database.")] = None,
    dsn: DsnOption = None,
    replace: Annotated[
        bool, typer.Option(help="Truncate generated tables before loading.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print planned row counts only.")
    ] = False,
    chunk_rows: Annotated[int, typer.Option(help="Rows per chunk (transaction).")] = 50_000,
) -> None:
    """Generate a deterministic wedding-season scenario and load it (or write Parquet)."""
    if chunk_rows < 1:
        raise UserError(f"invalid --chunk-rows {chunk_rows}: use a positive number")
    scenario = build_scenario(scale, seed=seed, market=market, start=start, days=days)
    console = Console()
    counts = plan(scenario)
    if dry_run:
        console.print(rows_table(scenario, counts, None))
        return
    seconds: dict[str, float] = {}
    started: dict[str, float] = {}
    columns = (
        TextColumn("{task.description:<26}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as bar:
        tasks: dict[str, TaskID] = {}

        def progress(name: str, done: int, total: int) -> None:
            if name not in tasks:
                tasks[name] = bar.add_task(name, total=max(total, 1))
                started[name] = time.perf_counter()
            bar.update(tasks[name], completed=done if total else 1)
            seconds[name] = time.perf_counter() - started[name]

        if out is not None:
            from wedsync_analytics.generate import write_parquet

            rows = write_parquet(scenario, out, chunk_rows, progress)
        else:
            from wedsync_analytics.config import resolve_dsn
            from wedsync_analytics.load import load_scenario

            summary = load_scenario(
                resolve_dsn(dsn),
                scenario,
                replace=replace,
                chunk_rows=chunk_rows,
                progress=progress,
            )
            rows = summary.rows
    console.print(rows_table(scenario, rows, seconds))
    if out is not None:
        console.print(f"wrote {len(rows)} Parquet files to {out}")


def register(app: typer.Typer) -> None:
    """Add `generate` to the app."""
    app.command("generate")(generate)
