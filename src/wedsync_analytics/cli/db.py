"""`wedsync-analytics db start|stop|status|url`: the embedded server."""

from __future__ import annotations

import typer

from wedsync_analytics import settings
from wedsync_analytics.cli.options import DsnOption
from wedsync_analytics.config import connect, redact
from wedsync_analytics.server import EmbeddedServer

db_app = typer.Typer(help="Manage the embedded PostgreSQL server.", no_args_is_help=True)


@db_app.command("start")
def start() -> None:
    """Start the embedded server (initialising its data directory on first use)."""
    server = EmbeddedServer.default()
    started = server.start()
    state = "started" if started else "already running"
    typer.echo(f"{state}: {server.url()} (data in {server.data_dir})")


@db_app.command("stop")
def stop() -> None:
    """Stop the embedded server."""
    server = EmbeddedServer.default()
    typer.echo("stopped" if server.stop() else "not running")


@db_app.command("status")
def status(dsn: DsnOption = None) -> None:
    """Say whether the server runs (the embedded one, or the one at --dsn); exit 1 if not."""
    dsn = dsn or settings.dsn()
    if dsn:
        with connect(dsn) as conn:
            version = conn.execute("SHOW server_version").fetchone()
        typer.echo(f"reachable: {redact(dsn)} (PostgreSQL {version[0] if version else '?'})")
        return
    server = EmbeddedServer.default()
    if server.running():
        typer.echo(f"running: {server.url()} (data in {server.data_dir})")
    else:
        typer.echo(f"not running (data in {server.data_dir})")
        raise typer.Exit(1)


@db_app.command("url")
def url(dsn: DsnOption = None) -> None:
    """Print the URL every command uses: --dsn / WEDSYNC_DSN, else the embedded server's."""
    dsn = dsn or settings.dsn()
    typer.echo(redact(dsn) if dsn else EmbeddedServer.default().url())


def register(app: typer.Typer) -> None:
    """Add the `db` group to the app."""
    app.add_typer(db_app, name="db")
