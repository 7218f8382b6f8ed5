"""`wedsync-analytics db start|stop|status|url`: the embedded server."""

from __future__ import annotations

import typer

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
def status() -> None:
    """Say whether the embedded server runs; exit 1 if it does not."""
    server = EmbeddedServer.default()
    if server.running():
        typer.echo(f"running: {server.url()} (data in {server.data_dir})")
    else:
        typer.echo(f"not running (data in {server.data_dir})")
        raise typer.Exit(1)


@db_app.command("url")
def url() -> None:
    """Print the embedded server's URL (whether or not it runs)."""
    typer.echo(EmbeddedServer.default().url())


def register(app: typer.Typer) -> None:
    """Add the `db` group to the app."""
    app.add_typer(db_app, name="db")
