"""`wedsync-analytics migrate [--list]`."""

from __future__ import annotations

from typing import Annotated

import typer

from wedsync_analytics import migrations
from wedsync_analytics.cli.options import DsnOption
from wedsync_analytics.config import resolve_dsn
from wedsync_analytics.exits import Interrupted


def migrate(
    dsn: DsnOption = None,
    list_only: Annotated[
        bool, typer.Option("--list", help="Show applied and pending migrations; apply nothing.")
    ] = False,
) -> None:
    """Apply pending migrations from sql/migrations, in order."""
    target = resolve_dsn(dsn)
    if list_only:
        for state in migrations.status(target):
            when = state.applied_at.isoformat(timespec="seconds") if state.applied_at else ""
            label = "applied" if state.applied_at else "pending"
            typer.echo(f"{state.migration.name:<40} {label:<8} {when}")
        return
    try:
        applied = migrations.apply_migrations(
            target, waiting=lambda: typer.echo("another migrate is running: waiting for it")
        )
    except KeyboardInterrupt:
        raise Interrupted(
            "migrate interrupted: the migrations applied before stay applied (each one whole); "
            "run `wedsync-analytics migrate` again to apply the rest"
        ) from None
    for name in applied:
        typer.echo(f"applied {name}")
    typer.echo(f"{len(applied)} migration(s) applied" if applied else "nothing to apply")


def register(app: typer.Typer) -> None:
    """Add `migrate` to the app."""
    app.command("migrate")(migrate)
