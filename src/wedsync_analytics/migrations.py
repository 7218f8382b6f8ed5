"""Numbered SQL migrations in `sql/migrations/NNNN_name.sql`, each recorded with its checksum.

A migration runs in one transaction together with its record in `schema_migrations`.
A file whose first line is `-- wedsync:no-transaction` runs outside a transaction,
one statement at a time (split on a `;` that ends a line), which is what
`CREATE INDEX CONCURRENTLY` needs; its statements must therefore be idempotent
(`IF NOT EXISTS`) so that a rerun after a failure completes it.

Concurrent `migrate` runs take turns on an advisory lock. A waiting run polls with
`pg_try_advisory_lock` between short sleeps instead of blocking in `pg_advisory_lock`:
a blocked statement is a transaction that `CREATE INDEX CONCURRENTLY` (run by the
holder) waits for, which the server reports as a deadlock. After its wait a run finds
the migrations applied and has nothing to do; after `LOCK_WAIT_SECONDS` it gives up
saying another migrate is running.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import psycopg

from wedsync_analytics.config import connect, first_line
from wedsync_analytics.errors import UserError
from wedsync_analytics.paths import sql_dir

NO_TRANSACTION_MARKER = "-- wedsync:no-transaction"
_FILE_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_STATEMENT_END = re.compile(r";[ \t]*(?:--[^\n]*)?$", re.MULTILINE)
_LOCK_KEY = 725_925_901  # advisory lock serialising concurrent `migrate` runs
LOCK_WAIT_SECONDS = 600.0
_POLL_SECONDS = 0.2

_CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS public.schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT clock_timestamp()
)
"""


@dataclass(frozen=True)
class Migration:
    """One migration file."""

    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode("utf-8")).hexdigest()

    @property
    def transactional(self) -> bool:
        return not self.sql.lstrip().startswith(NO_TRANSACTION_MARKER)

    def statements(self) -> list[str]:
        """The statements of a non-transactional file, comments-only chunks dropped."""
        chunks = _STATEMENT_END.split(self.sql)
        kept = []
        for chunk in chunks:
            code = "\n".join(
                line for line in chunk.splitlines() if not line.strip().startswith("--")
            ).strip()
            if code:
                kept.append(code)
        return kept


@dataclass(frozen=True)
class MigrationState:
    """A migration and whether (and when) it was applied."""

    migration: Migration
    applied_at: datetime | None


def load_migrations(directory: Path | None = None) -> list[Migration]:
    """Every migration file in `directory` (default `sql/migrations`), in version order."""
    directory = directory or sql_dir() / "migrations"
    if not directory.is_dir():
        raise UserError(f"no migrations directory at {directory}")
    found: dict[int, Migration] = {}
    for path in sorted(directory.glob("*.sql")):
        match = _FILE_NAME.match(path.name)
        if match is None:
            raise UserError(f"{path.name}: migration files must be named NNNN_name.sql")
        version = int(match.group(1))
        if version in found:
            raise UserError(f"{path.name}: version {version:04d} is used twice")
        found[version] = Migration(version, path.stem, path.read_text(encoding="utf-8"))
    return [found[v] for v in sorted(found)]


def _applied(conn: psycopg.Connection) -> dict[int, tuple[str, str, datetime]]:
    rows = conn.execute(
        "SELECT version, name, checksum, applied_at FROM public.schema_migrations"
    ).fetchall()
    return {int(r[0]): (str(r[1]), str(r[2]), r[3]) for r in rows}


def _check_consistent(
    migrations: list[Migration], applied: dict[int, tuple[str, str, datetime]]
) -> None:
    known = {m.version: m for m in migrations}
    for version, (name, checksum, _) in sorted(applied.items()):
        migration = known.get(version)
        if migration is None:
            raise UserError(
                f"the database has migration {name} applied, which is not in sql/migrations: "
                "it was migrated by newer code; upgrade wedsync-analytics"
            )
        if migration.checksum != checksum:
            raise UserError(
                f"migration {migration.name}.sql changed after it was applied "
                f"(checksum {checksum[:12]} in the database, {migration.checksum[:12]} on disk): "
                "restore the file and put the change in a new migration"
            )


def status(dsn: str, directory: Path | None = None) -> list[MigrationState]:
    """Each migration with its applied time, or None when pending."""
    migrations = load_migrations(directory)
    with connect(dsn, autocommit=True) as conn:
        exists = conn.execute("SELECT to_regclass('public.schema_migrations')").fetchone()
        applied = _applied(conn) if exists and exists[0] else {}
    _check_consistent(migrations, applied)
    return [
        MigrationState(m, applied[m.version][2] if m.version in applied else None)
        for m in migrations
    ]


def _take_lock(
    conn: psycopg.Connection, wait_seconds: float, waiting: Callable[[], None] | None
) -> None:
    """Take the migrate lock, polling (never blocking inside a statement)."""
    deadline = time.monotonic() + wait_seconds
    told = False
    while True:
        row = conn.execute("SELECT pg_try_advisory_lock(%s)", (_LOCK_KEY,)).fetchone()
        if row and row[0]:
            return
        if time.monotonic() >= deadline:
            raise UserError(
                f"another migrate is running on this database (waited {wait_seconds:.0f} s); "
                "nothing done; run again when it has finished"
            )
        if waiting is not None and not told:
            waiting()
            told = True
        time.sleep(_POLL_SECONDS)


def apply_migrations(
    dsn: str,
    directory: Path | None = None,
    *,
    wait_seconds: float = LOCK_WAIT_SECONDS,
    waiting: Callable[[], None] | None = None,
) -> list[str]:
    """Apply every pending migration in order; return the names applied (empty if none).

    `waiting` is called once if another migrate holds the lock (then this one waits).
    """
    migrations = load_migrations(directory)
    done: list[str] = []
    with connect(dsn, autocommit=True) as conn:
        _take_lock(conn, wait_seconds, waiting)
        try:
            conn.execute(_CREATE_TABLE)
            applied = _applied(conn)
            _check_consistent(migrations, applied)
            for migration in migrations:
                if migration.version not in applied:
                    _apply_one(conn, migration)
                    done.append(migration.name)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_KEY,))
    return done


def _record(conn: psycopg.Connection, migration: Migration) -> None:
    conn.execute(
        "INSERT INTO public.schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
        (migration.version, migration.name, migration.checksum),
    )


def _apply_one(conn: psycopg.Connection, migration: Migration) -> None:
    try:
        if migration.transactional:
            with conn.transaction():
                conn.execute(migration.sql.encode("utf-8"))
                _record(conn, migration)
        else:
            for statement in migration.statements():
                conn.execute(statement.encode("utf-8"))
            _record(conn, migration)
    except psycopg.Error as exc:
        raise UserError(f"migration {migration.name}.sql failed: {first_line(exc)}") from exc
