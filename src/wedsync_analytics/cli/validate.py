"""`wedsync-analytics validate --data DIR [--dsn DSN] [--engines LIST] [--spark-remote URL]
[--json FILE] [--as-of TIME]`."""

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
) -> None:
    """Run every analysis on every engine and compare; exit 1 on a mismatch."""
    from wedsync_analytics import validate as v
    from wedsync_analytics.analyses.params import parse_as_of
    from wedsync_analytics.config import resolve_dsn
    from wedsync_analytics.engines import ENGINES

    chosen = tuple(e.strip() for e in engines.split(",") if e.strip()) if engines else None
    if chosen == ("all",):
        chosen = tuple(ENGINES)
    target = resolve_dsn(dsn) if chosen is None or "postgres" in chosen else None
    report = v.validate(
        data,
        target,
        parse_as_of(as_of) if as_of else None,
        engines=chosen,
        options={"spark_remote": spark_remote} if spark_remote else None,
    )
    v.print_report(report)
    if json_file is not None:
        report.write_json(json_file)
    if not report.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add `validate` to the app."""
    app.command("validate")(validate)
