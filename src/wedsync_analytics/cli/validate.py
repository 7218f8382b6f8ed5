"""`wedsync-analytics validate --data DIR [--dsn DSN] [--engines LIST] [--spark-remote URL]
[--json FILE] [--as-of TIME] [--no-postgres] [--allow-incomplete]`."""

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
    engines: Annotated[
        str | None,
        typer.Option(
            "--engines",
            help="Comma-separated engines of postgres,duckdb,polars,spark, or `all`; "
            "default: postgres,duckdb,polars.",
        ),
    ] = None,
    spark_remote: Annotated[
        str | None,
        typer.Option(
            "--spark-remote",
            help="Spark Connect URL (sc://host:15002) for the spark engine; default: "
            "$SPARK_REMOTE, else a local session.",
        ),
    ] = None,
    no_postgres: Annotated[
        bool, typer.Option("--no-postgres", help="Leave PostgreSQL out of the engines.")
    ] = False,
    allow_incomplete: Annotated[
        bool,
        typer.Option(
            "--allow-incomplete", help="Validate even if the data's last load did not complete."
        ),
    ] = False,
) -> None:
    """Verify the export, run every analysis on every engine and compare.

    Exit 1 on a mismatch, 3 if PostgreSQL was chosen but could not be compared, 4 if the
    connection to it was lost.
    """
    from wedsync_analytics import validate as v
    from wedsync_analytics.analyses.params import parse_as_of
    from wedsync_analytics.config import resolve_dsn
    from wedsync_analytics.engines import DEFAULT_ENGINES, ENGINES
    from wedsync_analytics.exits import Interrupted
    from wedsync_analytics.output_dir import check_output_file

    if json_file is not None:
        check_output_file(json_file)
    chosen = tuple(e.strip() for e in engines.split(",") if e.strip()) if engines else None
    if chosen == ("all",):
        chosen = tuple(ENGINES)
    if no_postgres:
        chosen = tuple(e for e in chosen or DEFAULT_ENGINES if e != "postgres")
    target = resolve_dsn(dsn) if chosen is None or "postgres" in chosen else None
    try:
        report = v.validate(
            data,
            target,
            parse_as_of(as_of) if as_of else None,
            engines=chosen,
            options={"spark_remote": spark_remote} if spark_remote else None,
            allow_incomplete=allow_incomplete,
        )
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
