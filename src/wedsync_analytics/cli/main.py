"""Entry point: builds the Typer app from one module per command group, maps errors to exits."""

from __future__ import annotations

import importlib
import sys

import psycopg
import typer

from wedsync_analytics.config import first_line
from wedsync_analytics.errors import UserError

COMMAND_MODULES = ("db", "migrate", "demo", "export", "validate", "generate")

app = typer.Typer(
    name="wedsync-analytics",
    help="Offline analytics and capacity testing for the WedSync monitoring database.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

for _module in COMMAND_MODULES:
    importlib.import_module(f"wedsync_analytics.cli.{_module}").register(app)


def _fail(message: str, code: int) -> None:
    print(f"wedsync-analytics: error: {message}", file=sys.stderr)
    raise SystemExit(code)


def run(argv: list[str] | None = None) -> None:
    """Run the CLI; user errors and database errors print one line and exit non-zero."""
    try:
        app(args=argv, standalone_mode=True)
    except UserError as exc:
        _fail(str(exc), exc.exit_code)
    except psycopg.Error as exc:
        _fail(f"database error: {first_line(exc)}", 1)
    except KeyboardInterrupt:
        _fail("interrupted", 130)


if __name__ == "__main__":  # pragma: no cover
    run()
