"""The state of a database's loads (`generation_runs`), as export and validate see it.

A load holds a session advisory lock (`LOAD_LOCK_KEY`) for its whole run. A row left
`running` while that lock is free belongs to a process that is gone (killed, or the
server stopped): the next command that looks marks it `interrupted`. `export` and
`validate` refuse a database whose last load did not complete, or whose bulk load left
indexes or foreign keys to rebuild (`bulk.pending`), unless told otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

from wedsync_analytics import bulk
from wedsync_analytics.errors import UserError

LOAD_LOCK_KEY = 725_925_902  # the advisory lock a load holds (see load.py)
NOT_MIGRATED = "the database is not migrated: run `wedsync-analytics migrate` first"


class IncompleteLoad(UserError):
    """The database's last load did not complete."""

    exit_code = 2


@dataclass(frozen=True)
class LoadState:
    """The last load of a database."""

    run: int
    status: str  # running | completed | interrupted | failed
    scale: str
    seed: str
    started_at: str

    def describe(self) -> str:
        return (
            f"run {self.run} (scale {self.scale}, seed {self.seed}, started {self.started_at}) "
            f"is {self.status}"
        )

    def to_json(self) -> dict[str, object]:
        return {
            "run": self.run,
            "status": self.status,
            "scale": self.scale,
            "seed": self.seed,
            "started_at": self.started_at,
        }


def require_migrated(conn: psycopg.Connection) -> None:
    """Raise the one line `generate` gives when the schema is missing."""
    row = conn.execute(
        "SELECT to_regclass('public.generation_runs'), to_regclass('public.performance_metrics')"
    ).fetchone()
    if not row or row[0] is None or row[1] is None:
        raise UserError(NOT_MIGRATED)


def mark_dead_runs(conn: psycopg.Connection) -> int:
    """Mark `running` rows whose load is gone as `interrupted`; return how many.

    A load is alive while someone holds the load lock: taking it here (and giving it back
    at once) proves no load runs now. A caller that already holds the lock (a new load)
    gets it again (it is re-entrant), which is right: its own row is not inserted yet.
    """
    if conn.execute("SELECT to_regclass('public.generation_runs')").fetchone() in (None, (None,)):
        return 0
    with conn.transaction():
        running = conn.execute(
            "SELECT count(*) FROM public.generation_runs WHERE status = 'running'"
        ).fetchone()
    if not running or not running[0]:
        return 0
    got = conn.execute("SELECT pg_try_advisory_lock(%s)", (LOAD_LOCK_KEY,)).fetchone()
    if not got or not got[0]:
        return 0  # a load is running now
    try:
        with conn.transaction():
            cur = conn.execute(
                "UPDATE public.generation_runs SET status = 'interrupted', "
                "finished_at = coalesce(finished_at, clock_timestamp()) WHERE status = 'running'"
            )
            return cur.rowcount
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (LOAD_LOCK_KEY,))


def last_load(conn: psycopg.Connection) -> LoadState | None:
    """The newest load of the database (after marking dead ones), or None if never loaded."""
    mark_dead_runs(conn)
    with conn.transaction():
        row = conn.execute(
            "SELECT id, status, scenario->>'scale', scenario->>'seed', "
            "to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || ' UTC' "
            "FROM public.generation_runs ORDER BY id DESC LIMIT 1"
        ).fetchone()
    if row is None:
        return None
    return LoadState(int(row[0]), str(row[1]), str(row[2]), str(row[3]), str(row[4]))


def check_load(
    conn: psycopg.Connection, *, allow_incomplete: bool, command: str
) -> LoadState | None:
    """The last load's state; IncompleteLoad unless it completed and no bulk load left
    indexes or keys to rebuild (or `allow_incomplete`)."""
    state = last_load(conn)
    if state is None or allow_incomplete:
        return state
    with conn.transaction():
        missing = bulk.pending(conn)
    if state.status == "completed" and not missing:
        return state
    if state.status == "running":
        todo = "wait for it to finish"
    else:
        todo = "load again with `wedsync-analytics generate --replace`"
    if state.status == "completed":  # an older run's indexes and keys: not by our loads
        what = f"the database's {bulk.missing_text(missing)} (not rebuilt)"
    else:
        what = f"the database's last load did not complete: {state.describe()}"
        if missing:
            what += f", and {bulk.missing_text(missing)} (not rebuilt)"
    raise IncompleteLoad(
        f"{what}; nothing done; {todo}, or pass --allow-incomplete to {command} it as it is"
    )
