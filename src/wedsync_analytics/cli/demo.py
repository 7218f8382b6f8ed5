"""`wedsync-analytics demo`: the main job at a small scale."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from wedsync_analytics import demo as demo_job
from wedsync_analytics.cli.generate import rows_table
from wedsync_analytics.cli.options import DsnOption
from wedsync_analytics.exits import Interrupted
from wedsync_analytics.output_dir import check_output_dir
from wedsync_analytics.validate import print_report


def demo(
    dsn: DsnOption = None,
    scale: Annotated[str, typer.Option(help="Size preset of the generated load.")] = "small",
    seed: Annotated[int, typer.Option(help="Seed of the generated load.")] = 42,
    market: Annotated[str, typer.Option(help="Market calendar: us or uk.")] = "uk",
    out: Annotated[
        Path,
        typer.Option(
            help="Export directory (replaced on each run if it is an earlier output of ours)."
        ),
    ] = demo_job.DEFAULT_OUT,
) -> None:
    """Migrate, generate and load, storm the incident trigger, export, validate, summarise."""
    check_output_dir(out)
    console = Console()
    try:
        result = demo_job.run(
            dsn, scale=scale, seed=seed, market=market, out_dir=out, echo=console.print
        )
    except KeyboardInterrupt:
        raise Interrupted(
            "demo interrupted: its database may hold a partial load (its run is marked "
            f"interrupted; the next demo replaces it); {out} is unchanged"
        ) from None
    console.print(rows_table(result.scenario, result.load.rows, result.load.seconds))
    storm = Table(title="Error storm through the live trigger: one incident per fingerprint")
    for column in ("incident", "error type", "times seen"):
        storm.add_column(column)
    for number, error_type, seen in result.storm:
        storm.add_row(number, error_type, str(seen))
    console.print(storm)
    exported = sum(entry.rows for entry in result.manifest.tables.values())
    console.print(
        f"exported {exported:,} rows of {len(result.manifest.tables)} tables to {out} "
        "(manifest.json has counts and server-side checksums)"
    )
    print_report(result.report, console)
    for line in demo_job.format_summary(result.summary):
        console.print(line, highlight=False)
    if not result.report.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add `demo` to the app."""
    app.command("demo")(demo)
