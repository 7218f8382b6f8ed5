"""Options shared by several commands."""

from __future__ import annotations

from typing import Annotated

import typer

DsnOption = Annotated[
    str | None,
    typer.Option(
        "--dsn",
        help="libpq URL of the database; default: $WEDSYNC_DSN, else the embedded server.",
        show_default=False,
    ),
]
