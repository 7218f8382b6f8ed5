"""Entry point: builds the Typer app from one module per command group, maps errors to exits."""

from __future__ import annotations

import importlib
import sys
from typing import Annotated

import psycopg
import typer

# Typer 0.29 vendors Click as `typer._click`; its usage errors are not re-exported.
from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError

from wedsync_analytics import __version__, settings
from wedsync_analytics.config import first_line
from wedsync_analytics.engines import ENGINES
from wedsync_analytics.errors import UserError

COMMAND_MODULES = (
    "db",
    "migrate",
    "demo",
    "export",
    "validate",
    "generate",
    "load",
    "bench",
    "budget",
    "capacity",
    "live",
)

app = typer.Typer(
    name="wedsync-analytics",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},  # inherited by every command
)


def _print_version(wanted: bool) -> None:
    if wanted:
        print(f"wedsync-analytics {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Print the version (from the installed package) and exit.",
        ),
    ] = False,
) -> None:
    """Offline analytics and capacity testing for the WedSync monitoring database."""


for _module in COMMAND_MODULES:
    importlib.import_module(f"wedsync_analytics.cli.{_module}").register(app)
importlib.import_module("wedsync_analytics.cli.verify").register(app)


def _fail(message: str, code: int) -> None:
    print(f"wedsync-analytics: error: {message}", file=sys.stderr)
    raise SystemExit(code)


ENGINE_PACKAGES = frozenset(p for packages in ENGINES.values() for p in packages)


def _from_engine(exc: BaseException) -> bool:
    """Whether `exc` was raised by an engine's library (checked without importing them)."""
    return type(exc).__module__.split(".")[0] in ENGINE_PACKAGES


def run(argv: list[str] | None = None) -> None:
    """Run the CLI; every error prints one line and exits non-zero, never a traceback."""
    try:
        debug = settings.debug()  # a bad value is reported like any other bad input
        code = app(args=argv, prog_name="wedsync-analytics", standalone_mode=False)
    except NoArgsIsHelpError as exc:
        exc.show()
        raise SystemExit(2) from None
    except UsageError as exc:
        where = exc.ctx.command_path if exc.ctx else "wedsync-analytics"
        _fail(f"{exc.format_message()} (see `{where} --help`)", 2)
    except ClickException as exc:
        _fail(exc.format_message(), exc.exit_code)
    except UserError as exc:
        _fail(str(exc), exc.exit_code)
    except psycopg.Error as exc:
        _fail(f"database error: {first_line(exc)}", 1)
    except OSError as exc:
        target = f": {exc.filename}" if exc.filename else ""
        _fail(f"{exc.strerror or first_line(exc)}{target}", 1)
    except (KeyboardInterrupt, typer.Abort):
        _fail("interrupted", 130)
    except Exception as exc:
        # Errors of the data engines (a file changed under DuckDB or Polars, say) are
        # reported in one line like the rest; anything else is a bug and keeps its traceback.
        if debug or not _from_engine(exc):
            raise
        _fail(f"{type(exc).__name__}: {first_line(exc)} (WEDSYNC_DEBUG=1 shows the traceback)", 1)
    raise SystemExit(code if isinstance(code, int) else 0)


if __name__ == "__main__":  # pragma: no cover
    run()
