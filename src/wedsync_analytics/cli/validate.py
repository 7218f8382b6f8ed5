"""`wedsync-analytics validate --data DIR [--dsn DSN] [--json FILE] [--as-of TIME]`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from wedsync_analytics.cli.options import DsnOption


def validate(
    data: Annotated[Path, typer.Option("--data", help="Export directory (from `export`).")],
    dsn: DsnOption = None,
    json_file: Annotated[
        Path | None, typer.Option("--json", help="Also write the report as JSON to this file.")
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", help="ISO time the windows end at; default: the hour after the newest event."
        ),
    ] = None,
    no_postgres: Annotated[
        bool, typer.Option("--no-postgres", help="Compare DuckDB and Polars only.")
    ] = False,
) -> None:
    """Run every analysis on PostgreSQL, DuckDB and Polars and compare; exit 1 on a mismatch."""
    from wedsync_analytics import validate as v
    from wedsync_analytics.analyses.params import parse_as_of
    from wedsync_analytics.config import resolve_dsn

    engines = ("duckdb", "polars") if no_postgres else ("postgres", "duckdb", "polars")
    target = None if no_postgres else resolve_dsn(dsn)
    report = v.validate(data, target, parse_as_of(as_of) if as_of else None, engines=engines)
    v.print_report(report)
    if json_file is not None:
        report.write_json(json_file)
    if not report.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add `validate` to the app."""
    app.command("validate")(validate)
