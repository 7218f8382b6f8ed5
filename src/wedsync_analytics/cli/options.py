"""Options shared by several commands."""

from __future__ import annotations

from typing import Annotated

import typer

from wedsync_analytics.generate.calendar import MARKETS
from wedsync_analytics.generate.scenario import PRESETS

DsnOption = Annotated[
    str | None,
    typer.Option(
        "--dsn",
        help="libpq URL of the database; default: $WEDSYNC_DSN, else the embedded server.",
        show_default=False,
    ),
]

ScaleOption = Annotated[
    str,
    typer.Option(
        help=f"Dataset size preset: {', '.join(PRESETS)} (a loaded dataset is reused).",
    ),
]
SeedOption = Annotated[int, typer.Option(help="Dataset seed: same seed, same rows.")]
MarketOption = Annotated[str, typer.Option(help=f"Market calendar: {' or '.join(MARKETS)}.")]
StrategyOption = Annotated[
    list[str] | None,
    typer.Option(
        "--strategy",
        help="KIND=NAME, or several joined with + (repeatable); index=seed, the reference, "
        "always runs.",
    ),
]
QueriesOption = Annotated[
    list[str] | None,
    typer.Option("--queries", help="Dashboard queries to measure (repeatable); default all."),
]
BudgetOption = Annotated[float, typer.Option(help="The p95 budget, milliseconds.")]

ReplaceOption = Annotated[bool, typer.Option(help="Truncate the generated tables before loading.")]
ChunkRowsOption = Annotated[
    int,
    typer.Option(
        help="Rows per chunk generated, written or copied (a streaming load commits each "
        "chunk; a bulk load copies each big table in one transaction).",
        min=1,
    ),
]
BulkOption = Annotated[
    bool | None,
    typer.Option(
        "--bulk/--no-bulk",
        help="Load the big tables bare, then build indexes and validate keys "
        "(default: on when the tables are empty).",
    ),
]
