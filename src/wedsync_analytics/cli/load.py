"""`wedsync-analytics load --data DIR`: COPY what `generate --out DIR` wrote into PostgreSQL."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from wedsync_analytics.cli.options import BulkOption, ChunkRowsOption, DsnOption, ReplaceOption
from wedsync_analytics.cli.progress import rows_table, table_bars

if TYPE_CHECKING:
    from wedsync_analytics.load import LoadSummary


def phase_line(summary: LoadSummary) -> str:
    """The load's mode and time split, one line."""
    split = ", ".join(f"{name} {sec:.1f} s" for name, sec in summary.phases.items())
    return f"{'bulk' if summary.bulk else 'streaming'} load (run {summary.run_id}): {split}"


def load(
    data: Annotated[
        Path, typer.Option(help="A folder written by `generate --out` (all its parts).")
    ],
    dsn: DsnOption = None,
    replace: ReplaceOption = False,
    chunk_rows: ChunkRowsOption = 50_000,
    bulk: BulkOption = None,
) -> None:
    """Load generated Parquet into the database, checking the folder whole first."""
    from wedsync_analytics.config import resolve_dsn
    from wedsync_analytics.load import load_data, open_data

    generated = open_data(data)  # every defect is reported before the database is touched
    console = Console()
    began = time.perf_counter()
    with table_bars(console) as (progress, seconds):
        summary = load_data(
            resolve_dsn(dsn),
            generated,
            replace=replace,
            chunk_rows=chunk_rows,
            progress=progress,
            bulk=bulk,
        )
    wall = time.perf_counter() - began
    note = f"; from {len(generated.manifests)} parts in {data}"
    console.print(rows_table(summary.scenario, summary.rows, seconds, note, wall))
    console.print(phase_line(summary))


def register(app: typer.Typer) -> None:
    """Add `load` to the app."""
    app.command("load")(load)
