"""`wedsync-analytics demo`: the main job at a small scale, told step by step."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from wedsync_analytics import demo as demo_job
from wedsync_analytics import settings
from wedsync_analytics.cli.generate import rows_table
from wedsync_analytics.cli.options import DsnOption
from wedsync_analytics.cli.progress import table_bars
from wedsync_analytics.exits import Interrupted
from wedsync_analytics.export import Manifest
from wedsync_analytics.generate import Scenario
from wedsync_analytics.load import LoadSummary
from wedsync_analytics.load import Progress as LoadProgress
from wedsync_analytics.output_dir import check_output_dir
from wedsync_analytics.validate import Report, print_report


class ConsoleNarrator(demo_job.Narrator):
    """Prints each step when it starts and its result when it ends, with progress bars."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def step(self, text: str) -> None:
        self.console.print(f"[bold]>[/bold] {text}", highlight=False, soft_wrap=True)

    @contextmanager
    def loading(self, scenario: Scenario) -> Iterator[LoadProgress | None]:
        with table_bars(self.console) as (progress, _seconds):
            yield progress

    @contextmanager
    def exporting(self, tables: int) -> Iterator[demo_job.ExportProgress | None]:
        columns = (
            TextColumn("{task.description:<26}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=self.console) as bar:
            task = bar.add_task("export (tables)", total=tables)

            def progress(table: str, rows: int, seconds: float) -> None:
                bar.update(task, advance=1, description=f"export: {table}")

            yield progress
            bar.update(task, description="export (tables)")

    @contextmanager
    def validating(self) -> Iterator[None]:
        with self.console.status("running the analyses on each engine"):
            yield

    def loaded(self, load: LoadSummary) -> None:
        self.console.print(rows_table(load.scenario, load.rows, load.seconds))

    def stormed(self, incidents: list[tuple[str, str, int]]) -> None:
        storm = Table(title="Error storm through the live trigger: one incident per fingerprint")
        for column in ("incident", "error type", "times seen"):
            storm.add_column(column)
        for number, error_type, seen in incidents:
            storm.add_row(number, error_type, str(seen))
        self.console.print(storm)

    def exported(self, manifest: Manifest, out_dir: Path) -> None:
        exported = sum(entry.rows for entry in manifest.tables.values())
        self.console.print(
            f"exported {exported:,} rows of {len(manifest.tables)} tables to {out_dir} "
            "(manifest.json has counts, server-side checksums and digests)",
            highlight=False,
        )

    def validated(self, report: Report) -> None:
        print_report(report, self.console)


def _rerun_note() -> str:
    assigned = "; ".join(
        f"{table}: {', '.join(columns)}" for table, columns in demo_job.SERVER_ASSIGNED.items()
    )
    return (
        "A rerun exports the same rows: the load history "
        f"({', '.join(demo_job.HISTORY_TABLES)}) is not exported, and the load replaces the "
        "demo's data. Only what the live trigger assigns to the storm's rows "
        f"(gen_random_uuid(), now()) differs between runs ({assigned})."
    )


def _where(result: demo_job.DemoResult, embedded: bool, console: Console) -> None:
    plots = (
        f"{result.report_dir / demo_job.PLOTS} ({', '.join(p.name for p in result.plots)})"
        if result.plots
        else "none (no analysis returned rows to draw)"
    )
    lines = [
        "",
        "[bold]Where things are[/bold]",
        f"  export:    {result.out_dir} "
        f"(check it: wedsync-analytics verify --data {result.out_dir})",
        f"  report:    {result.report_dir / 'validation.json'} (every analysis, every engine)",
        f"  plots:     {plots}",
        "  notebooks: .venv/bin/jupyter lab notebooks/",
        f"  database:  {result.dsn}",
    ]
    if embedded:
        lines.append(
            "The embedded PostgreSQL server is still running (the notebooks and other "
            "commands use it); stop it with `make db-stop` or "
            "`.venv/bin/wedsync-analytics db stop`."
        )
    lines.append(_rerun_note())
    for line in lines:
        console.print(line, highlight=False, soft_wrap=True)


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
    report: Annotated[
        Path | None,
        typer.Option(
            help="Report directory (validation.json, plots/*.png; replaced like --out); "
            f"default: {demo_job.REPORT_NAME} beside --out."
        ),
    ] = None,
) -> None:
    """Migrate, generate and load, storm the incident trigger, export, validate, summarise."""
    report_dir = demo_job.default_report_dir(out) if report is None else report
    check_output_dir(out)
    check_output_dir(report_dir, "--report")
    console = Console()
    try:
        result = demo_job.run(
            dsn,
            scale=scale,
            seed=seed,
            market=market,
            out_dir=out,
            report_dir=report_dir,
            narrator=ConsoleNarrator(console),
        )
    except KeyboardInterrupt:
        raise Interrupted(
            "demo interrupted: its database may hold a partial load (its run is marked "
            f"interrupted; the next demo replaces it); {out} is unchanged"
        ) from None
    for line in demo_job.format_summary(result.summary):
        console.print(line, highlight=False)
    _where(result, embedded=not (dsn or settings.dsn()), console=console)
    if not result.report.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add `demo` to the app."""
    app.command("demo")(demo)
