"""What `validate` checks before comparing engines: the export is intact and complete, and
PostgreSQL is the database it was exported from. A skipped check is not a pass: each
failure raises its own error (exit codes in `exits`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import psycopg

from wedsync_analytics.config import connect, first_line, redact
from wedsync_analytics.errors import UserError
from wedsync_analytics.exits import ConnectionLost, PostgresSkipped, conn_lost
from wedsync_analytics.export.manifest import Manifest
from wedsync_analytics.export.verify import verify_export
from wedsync_analytics.runs import IncompleteLoad, check_load, require_migrated

NO_POSTGRES = "or pass --no-postgres (or --engines without postgres) to leave it out"


def check_export(data_dir: str | Path, *, allow_incomplete: bool) -> None:
    """The export is byte for byte what was exported, from a load that completed."""
    found = verify_export(data_dir)
    found.raise_if_damaged()
    load = found.manifest.load
    if isinstance(load, dict) and load.get("status") != "completed" and not allow_incomplete:
        raise IncompleteLoad(
            f"{data_dir} was exported from a load that did not complete: run {load.get('run')} "
            f"(scale {load.get('scale')}, seed {load.get('seed')}) was {load.get('status')}; "
            "nothing done; load and export again, or pass --allow-incomplete"
        )


def _same_database(dsn: str, manifest: Manifest) -> bool:
    try:
        info = psycopg.conninfo.conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        return False
    source = manifest.source
    return (
        str(info.get("host")) == source.get("host")
        and str(info.get("port", "5432")) == source.get("port")
        and str(info.get("dbname")) == source.get("database")
    )


def matching_dsn(dsn: str, manifest: Manifest) -> str:
    """`dsn` pointed at the export's source database (same user and options, no password)."""
    source = manifest.source
    if not {"host", "port", "database"} <= set(source):
        return f"the database {source.get('database', '?')} it was exported from"
    try:
        info = psycopg.conninfo.conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        info = {}
    user = f"{info['user']}@" if info.get("user") else ""
    url = f"postgresql://{user}{source['host']}:{source['port']}/{source['database']}"
    if info.get("passfile"):
        url += f"?passfile={info['passfile']}"
    return redact(url)


def postgres_target(
    dsn: str,
    manifest: Manifest,
    tables: list[str],
    matches: Callable[[psycopg.Connection], str | None],
    *,
    allow_incomplete: bool,
) -> None:
    """Raise unless `dsn` holds what was exported of `tables` (per `matches`)."""
    if _same_database(dsn, manifest):
        hint = f"it changed since the export: export again, {NO_POSTGRES}"
    else:
        hint = (
            f"pass --dsn {matching_dsn(dsn, manifest)} (where it was exported from), {NO_POSTGRES}"
        )
    try:
        conn = connect(dsn, autocommit=True)
    except UserError as exc:
        raise PostgresSkipped(f"postgres not compared: {exc}; {hint}") from exc
    try:
        with conn:
            try:
                require_migrated(conn)
            except UserError as exc:
                raise PostgresSkipped(
                    f"postgres not compared: {redact(dsn)}: {exc}; {hint}"
                ) from exc
            check_load(conn, allow_incomplete=allow_incomplete, command="validate")
            differs = matches(conn)
    except psycopg.Error as exc:
        if conn_lost(exc):
            raise ConnectionLost(
                f"validate: lost the connection to PostgreSQL while comparing the database "
                f"with the export ({first_line(exc)}); nothing was compared; run again"
            ) from exc
        raise
    if differs:
        raise PostgresSkipped(
            f"postgres not compared: the database is not the exported one ({differs}); {hint}"
        )
