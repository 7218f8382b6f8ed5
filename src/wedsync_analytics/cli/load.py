"""`wedsync-analytics load --data DIR`: COPY what `generate --out DIR` wrote into PostgreSQL."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from wedsync_analytics.cli.options import DsnOption
from wedsync_analytics.cli.progress import rows_table, table_bars
from wedsync_analytics.errors import UserError


def load(
    data: Annotated[
        Path, typer.Option(help="A folder written by `generate --out` (all its parts).")
    ],
    dsn: DsnOption = None,
    replace: Annotated[
        bool, typer.Option(help="Truncate generated tables before loading.")
    ] = False,
    chunk_rows: Annotated[int, typer.Option(help="Rows per chunk (transaction).")] = 50_000,
) -> None:
    """Load generated Parquet into the database, checking the folder whole first."""
    if chunk_rows < 1:
        raise UserError(f"invalid --chunk-rows {chunk_rows}: use a positive number")
    from wedsync_analytics.config import resolve_dsn
    from wedsync_analytics.load import load_data, open_data

    generated = open_data(data)  # every defect is reported before the database is touched
    console = Console()
    began = time.perf_counter()
    with table_bars(console) as (progress, seconds):
        summary = load_data(
            resolve_dsn(dsn), generated, replace=replace, chunk_rows=chunk_rows, progress=progress
        )
    wall = time.perf_counter() - began
    note = f"; from {len(generated.manifests)} parts in {data}"
    console.print(rows_table(summary.scenario, summary.rows, seconds, note, wall))


def register(app: typer.Typer) -> None:
    """Add `load` to the app."""
    app.command("load")(load)
