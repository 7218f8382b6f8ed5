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
    allow_incomplete: Annotated[
        bool,
        typer.Option(
            "--allow-incomplete", help="Validate even if the data's last load did not complete."
        ),
    ] = False,
) -> None:
    """Verify the export, run every analysis on PostgreSQL, DuckDB and Polars and compare.

    Exit 1 on a mismatch, 3 if PostgreSQL could not be compared (without --no-postgres),
    4 if the connection to it was lost.
    """
    from wedsync_analytics import validate as v
    from wedsync_analytics.analyses.params import parse_as_of
    from wedsync_analytics.config import resolve_dsn
    from wedsync_analytics.exits import Interrupted
    from wedsync_analytics.output_dir import check_output_file

    if json_file is not None:
        check_output_file(json_file)
    engines = ("duckdb", "polars") if no_postgres else ("postgres", "duckdb", "polars")
    when = parse_as_of(as_of) if as_of else None
    target = None if no_postgres else resolve_dsn(dsn)
    try:
        report = v.validate(data, target, when, engines=engines, allow_incomplete=allow_incomplete)
    except KeyboardInterrupt:
        raise Interrupted(
            "validate interrupted before comparing every engine: nothing compared, "
            "nothing written; the export and the database are unchanged"
        ) from None
    v.print_report(report)
    if json_file is not None:
        report.write_json(json_file)
    if not report.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add `validate` to the app."""
    app.command("validate")(validate)
