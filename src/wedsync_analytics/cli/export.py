"""`wedsync-analytics export --out DIR [--tables ...] [--dsn DSN]`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from wedsync_analytics.cli.options import DsnOption
from wedsync_analytics.config import resolve_dsn


def export(
    out: Annotated[
        Path,
        typer.Option(
            "--out", help="Directory to write (replaced only if it is an earlier output of ours)."
        ),
    ],
    tables: Annotated[
        list[str] | None,
        typer.Option(
            "--tables", help="Tables to export (repeat, or comma-separated); default: all."
        ),
    ] = None,
    dsn: DsnOption = None,
    allow_incomplete: Annotated[
        bool,
        typer.Option(
            "--allow-incomplete", help="Export even if the database's last load did not complete."
        ),
    ] = False,
) -> None:
    """Export PostgreSQL tables to Parquet with a manifest.json (counts, checksums, digests)."""
    from wedsync_analytics.export import export_database
    from wedsync_analytics.output_dir import check_output_dir

    check_output_dir(out)

    chosen = [t.strip() for item in tables or [] for t in item.split(",") if t.strip()] or None

    def progress(table: str, rows: int, seconds: float) -> None:
        rate = rows / seconds if seconds > 0 else 0.0
        typer.echo(f"{table:<28} {rows:>12,} rows {seconds:8.2f}s {rate:>12,.0f} rows/s")

    manifest = export_database(
        resolve_dsn(dsn), out, chosen, progress=progress, allow_incomplete=allow_incomplete
    )
    typer.echo(
        f"exported {len(manifest.tables)} table(s), {manifest.total_rows:,} rows "
        f"to {out} (snapshot {manifest.snapshot_time})"
    )


def register(app: typer.Typer) -> None:
    """Add `export` to the app."""
    app.command("export")(export)
