"""Bulk-load mode: COPY the big tables bare, then build their indexes and validate their keys.

Before the COPY, the secondary indexes and foreign keys of the big tables (`TABLE_FACTS`,
`big=True`) are read from the catalog (`sql/load/deferrable.sql`: pg_get_indexdef,
pg_get_constraintdef), recorded in the run's `generation_runs.deferred` and dropped, in one
transaction. After the COPY the indexes are built on parallel connections (one table at a
time per connection, largest first), the foreign keys are added `NOT VALID` and validated,
and the record is emptied: the catalog ends as the streaming load leaves it.

A run killed in between leaves its `deferred` list behind: `pending` reads it, export and
validate refuse the database (`runs.check_load`), and `restore` (called by a `--replace`
load) rebuilds what is missing.
The incident trigger needs nothing here: every loader session sets `wedsync.bulk_load`.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass

import psycopg
from psycopg import sql

from wedsync_analytics.config import connect
from wedsync_analytics.generate.tables import TABLES, TableDef
from wedsync_analytics.paths import sql_text
from wedsync_analytics.table_facts import TABLE_FACTS

MAINTENANCE_WORK_MEM = "256MB"  # per index-building connection


@dataclass(frozen=True)
class Deferred:
    """A secondary index or foreign key dropped for a bulk load, with its catalog definition."""

    kind: str  # 'index' or 'foreign_key'
    table: str  # regclass text, e.g. public.performance_metrics
    name: str  # index: its regclass text; foreign key: the constraint's name
    definition: str


def big_tables() -> list[str]:
    """Qualified names of the tables a bulk load loads bare."""
    return [
        f"{t.schema}.{t.table}"
        for t in TABLES
        if t.table in TABLE_FACTS and TABLE_FACTS[t.table].big
    ]


def copy_lanes(
    tables: tuple[TableDef, ...], rows: dict[str, int], streams: int
) -> tuple[list[TableDef], list[list[TableDef]], list[TableDef]]:
    """The COPY order of a bulk load on `streams` connections: the tables before the first
    big one, then the big tables spread over the streams (the largest first, each onto the
    stream with fewest rows; their foreign keys are dropped, so no order binds them), then
    the other tables in their order (they may reference the big ones)."""
    big = {name.split(".")[-1] for name in big_tables()}
    first = next(i for i, t in enumerate(tables) if t.table in big)
    lanes: list[list[TableDef]] = [[] for _ in range(streams)]
    loaded = [0] * streams
    for t in sorted((t for t in tables if t.table in big), key=lambda t: -rows[t.name]):
        lane = loaded.index(min(loaded))
        lanes[lane].append(t)
        loaded[lane] += rows[t.name]
    return list(tables[:first]), lanes, [t for t in tables[first:] if t.table not in big]


def deferrable(conn: psycopg.Connection, tables: list[str]) -> list[Deferred]:
    """The secondary indexes and foreign keys of `tables`, as the catalog defines them."""
    rows = conn.execute(sql_text("load/deferrable.sql"), {"tables": tables}).fetchall()
    return [Deferred(*row) for row in rows]


def _drop(item: Deferred) -> sql.Composed:
    if item.kind == "index":
        return sql.SQL("DROP INDEX {}").format(sql.SQL(item.name))
    return sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
        sql.SQL(item.table), sql.Identifier(item.name)
    )


def defer(conn: psycopg.Connection, run_id: int) -> list[Deferred]:
    """Record, then drop, the big tables' secondary indexes and foreign keys (one transaction)."""
    with conn.transaction():
        items = deferrable(conn, big_tables())
        conn.execute(
            "UPDATE public.generation_runs SET deferred = %s WHERE id = %s",
            (json.dumps([asdict(i) for i in items]), run_id),
        )
        for item in items:
            conn.execute(_drop(item))
    return items


def _build_indexes(dsn: str, items: list[Deferred]) -> None:
    with connect(dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("SET maintenance_work_mem = {}").format(MAINTENANCE_WORK_MEM))
        for item in items:
            conn.execute(sql.SQL(item.definition))


def _validate(dsn: str, items: list[Deferred]) -> None:
    with connect(dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("SET maintenance_work_mem = {}").format(MAINTENANCE_WORK_MEM))
        for item in items:
            conn.execute(
                sql.SQL("ALTER TABLE {} VALIDATE CONSTRAINT {}").format(
                    sql.SQL(item.table), sql.Identifier(item.name)
                )
            )


def _by_table(items: Iterable[Deferred], rows: dict[str, int]) -> list[list[Deferred]]:
    """Items grouped by table, the table with most rows first (it bounds the wall time)."""
    groups: dict[str, list[Deferred]] = {}
    for item in items:
        groups.setdefault(item.table, []).append(item)
    return sorted(groups.values(), key=lambda g: -rows.get(g[0].table.split(".")[-1], 0))


def _run_parallel(
    work: Callable[[str, list[Deferred]], None], dsn: str, groups: list[list[Deferred]]
) -> None:
    """Run `work(dsn, group)` for every group on up to one connection per core."""
    workers = max(1, min(os.cpu_count() or 1, len(groups)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for done in [pool.submit(work, dsn, g) for g in groups]:
            done.result()


def rebuild(
    dsn: str,
    conn: psycopg.Connection,
    run_id: int,
    items: list[Deferred],
    rows: dict[str, int],
) -> dict[str, float]:
    """Build the deferred indexes, add and validate the foreign keys, clear the record.

    Returns the seconds spent on index builds and on validation.
    """
    started = time.perf_counter()
    _run_parallel(_build_indexes, dsn, _by_table((i for i in items if i.kind == "index"), rows))
    built = time.perf_counter()
    keys = [i for i in items if i.kind == "foreign_key"]
    with conn.transaction():
        for item in keys:
            conn.execute(
                sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {} NOT VALID").format(
                    sql.SQL(item.table), sql.Identifier(item.name), sql.SQL(item.definition)
                )
            )
    _run_parallel(_validate, dsn, _by_table(keys, rows))
    conn.execute("UPDATE public.generation_runs SET deferred = '[]' WHERE id = %s", (run_id,))
    return {"indexes": built - started, "validation": time.perf_counter() - built}


def pending(conn: psycopg.Connection) -> list[tuple[int, list[Deferred]]]:
    """Runs whose bulk load was interrupted, with what they dropped and did not rebuild."""
    rows = conn.execute(
        "SELECT id, deferred FROM public.generation_runs WHERE deferred <> '[]' ORDER BY id"
    ).fetchall()
    return [(int(r[0]), [Deferred(**d) for d in r[1]]) for r in rows]


def missing_text(runs: list[tuple[int, list[Deferred]]]) -> str:
    """What interrupted bulk loads left missing, e.g. 'run 3's bulk load left 5 indexes and
    3 foreign keys missing'."""
    items = [i for _, found in runs for i in found]
    n_index = sum(i.kind == "index" for i in items)
    return (
        f"run {runs[-1][0]}'s bulk load left {n_index} indexes and "
        f"{len(items) - n_index} foreign keys missing"
    )


def pending_message(runs: list[tuple[int, list[Deferred]]]) -> str:
    """One line saying that an interrupted bulk load left indexes or keys missing."""
    return (
        f"an interrupted bulk load: {missing_text(runs)}; nothing done; "
        "run `load --replace` or `generate --replace` to reload and rebuild them"
    )


def _exists(conn: psycopg.Connection, item: Deferred) -> bool:
    if item.kind == "index":
        row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (item.name,)).fetchone()
    else:
        row = conn.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = %s::regclass "
            "AND conname = %s)",
            (item.table, item.name),
        ).fetchone()
    return bool(row and row[0])


def restore(conn: psycopg.Connection, runs: list[tuple[int, list[Deferred]]]) -> None:
    """Rebuild what interrupted bulk loads dropped (the tables are empty: it is quick).

    Their runs' status is not touched here: `runs.mark_dead_runs`, which the load calls
    first, has marked every dead run 'interrupted' already.
    """
    with conn.transaction():
        for run_id, items in runs:
            for item in items:
                if _exists(conn, item):
                    continue
                if item.kind == "index":
                    conn.execute(sql.SQL(item.definition))
                else:
                    conn.execute(
                        sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
                            sql.SQL(item.table), sql.Identifier(item.name), sql.SQL(item.definition)
                        )
                    )
            conn.execute(
                "UPDATE public.generation_runs SET deferred = '[]' WHERE id = %s", (run_id,)
            )
