"""`wedsync-analytics generate`: synthetic wedding-season data into PostgreSQL or Parquet."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from wedsync_analytics.cli.load import phase_line
from wedsync_analytics.cli.options import BulkOption, ChunkRowsOption, DsnOption, ReplaceOption
from wedsync_analytics.cli.progress import rows_table, table_bars
from wedsync_analytics.errors import UserError
from wedsync_analytics.generate import PRESETS, build_scenario, plan
from wedsync_analytics.generate.parts import check_part_args


def _parts_and_workers(
    out: Path | None, part: int | None, parts: int | None, workers: int | None
) -> tuple[int, int]:
    """The number of parts and of worker processes; UserError on a bad combination."""
    if out is None and (part, parts, workers) != (None, None, None):
        raise UserError(
            "--part, --parts and --workers apply to --out (Parquet); "
            "the streaming load into the database runs in one process"
        )
    if part is not None and parts is None:
        raise UserError("--part I needs --parts N (parts are numbered 0 to N-1)")
    if part is not None and workers is not None:
        raise UserError("--part I writes one part in this process; --workers is for all parts")
    if workers is not None and workers < 1:
        raise UserError(f"invalid --workers {workers}: use a positive number")
    chosen_workers = workers or os.cpu_count() or 1
    chosen_parts = chosen_workers if parts is None else parts
    check_part_args(part, chosen_parts)
    return chosen_parts, chosen_workers


def generate(
    scale: Annotated[str, typer.Option(help=f"Size preset: {', '.join(PRESETS)}.")] = "small",
    seed: Annotated[int, typer.Option(help="Seed: same seed, same rows.")] = 0,
    market: Annotated[str, typer.Option(help="Market calendar: us or uk.")] = "us",
    start: Annotated[str | None, typer.Option(help="First day (YYYY-MM-DD), local.")] = None,
    days: Annotated[
        int | None, typer.Option(help="Number of days (default: the preset's).")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="Write Parquet part folders here (read by `load --data`), no database."),
    ] = None,
    part: Annotated[
        int | None,
        typer.Option(help="With --out and --parts: write only part I (0-based), in this process."),
    ] = None,
    parts: Annotated[
        int | None,
        typer.Option(help="With --out: split every table into N row ranges (default: --workers)."),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(help="With --out: local processes writing the parts (default: cores)."),
    ] = None,
    dsn: DsnOption = None,
    replace: ReplaceOption = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print planned row counts only.")
    ] = False,
    chunk_rows: ChunkRowsOption = 50_000,
    bulk: BulkOption = None,
) -> None:
    """Generate a deterministic wedding-season scenario and load it (or write Parquet)."""
    n_parts, n_workers = _parts_and_workers(out, part, parts, workers)
    if out is not None and bulk is not None:
        raise UserError("--bulk/--no-bulk apply to a load into the database, not to --out")
    scenario = build_scenario(scale, seed=seed, market=market, start=start, days=days)
    console = Console()
    if dry_run:
        console.print(rows_table(scenario, plan(scenario), None))
        return
    note = ""
    began = time.perf_counter()
    with table_bars(console) as (progress, seconds):
        if out is not None and part is not None:
            from wedsync_analytics.generate.output import write_part

            manifest = write_part(scenario, out, part, n_parts, chunk_rows, progress)
            rows = {name: t.rows for name, t in manifest.tables.items()}
            note = f"; part {part} of {n_parts}"
        elif out is not None:
            from wedsync_analytics.generate import write_parquet

            rows = write_parquet(
                scenario, out, chunk_rows, progress, parts=n_parts, workers=n_workers
            )
            note = f"; {n_parts} parts, {min(n_parts, n_workers)} processes"
            if min(n_parts, n_workers) > 1:
                seconds.clear()  # tables overlap across processes: only the total's time
        else:
            from wedsync_analytics.config import resolve_dsn
            from wedsync_analytics.load import load_scenario

            summary = load_scenario(
                resolve_dsn(dsn),
                scenario,
                replace=replace,
                chunk_rows=chunk_rows,
                progress=progress,
                bulk=bulk,
            )
            rows = summary.rows
            note = f"; {phase_line(summary)}"
    wall = time.perf_counter() - began
    console.print(rows_table(scenario, rows, seconds, note, wall))
    if out is not None:
        console.print(f"wrote {len(rows)} tables to {out}{note}")


def register(app: typer.Typer) -> None:
    """Add `generate` to the app."""
    app.command("generate")(generate)
