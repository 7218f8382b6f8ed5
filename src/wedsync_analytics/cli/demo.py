"""`wedsync-analytics demo`: the main job at a small scale."""

from __future__ import annotations

import typer

from wedsync_analytics import demo as demo_job
from wedsync_analytics.cli.options import DsnOption


def demo(dsn: DsnOption = None) -> None:
    """Start the server if needed, migrate, load sample data and print what exists."""
    demo_job.run(dsn, echo=typer.echo)


def register(app: typer.Typer) -> None:
    """Add `demo` to the app."""
    app.command("demo")(demo)
