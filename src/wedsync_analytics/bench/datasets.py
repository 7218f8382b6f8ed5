"""The loaded dataset of one scale and seed, reused between runs, and its per-variant clones.

The dataset is database `wsa_bench_<scale>_s<seed>` on the server of the given DSN, built
once with the generator and the COPY loader (then VACUUM ANALYZE). Each variant runs in a
clone, `CREATE DATABASE ... TEMPLATE` (FILE_COPY: no WAL for the copy), dropped after.
"""

from __future__ import annotations

from collections.abc import Callable

import psycopg
from psycopg import sql

from wedsync_analytics.config import connect
from wedsync_analytics.errors import UserError
from wedsync_analytics.generate import PRESETS, Scenario
from wedsync_analytics.load import load_scenario
from wedsync_analytics.migrations import apply_migrations
from wedsync_analytics.table_facts import TABLE_FACTS

DATASET_PREFIX = "wsa_bench_"
Say = Callable[[str], None]


def with_database(dsn: str, database: str) -> str:
    """`dsn` pointing at another database of the same server."""
    info = psycopg.conninfo.conninfo_to_dict(dsn)
    info["dbname"] = database
    return psycopg.conninfo.make_conninfo(**{k: str(v) for k, v in info.items()})


def dataset_name(scenario: Scenario) -> str:
    """`wsa_bench_<scale>_s<seed>_<market>`, plus `_d<days>` when the days differ from the
    preset's (the capacity curve's smaller volumes)."""
    name = f"{DATASET_PREFIX}{scenario.scale}_s{scenario.seed}_{scenario.market}"
    if scenario.days != PRESETS[scenario.scale].days:
        name += f"_d{scenario.days}"
    return name


def _exists(admin: psycopg.Connection, name: str) -> bool:
    return (
        admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        is not None
    )


def _ours(dsn: str) -> bool:
    """Whether the database is empty or was written by the loader (a generation run)."""
    with connect(dsn, autocommit=True) as conn:
        row = conn.execute(
            "SELECT to_regclass('public.generation_runs') IS NOT NULL "
            "OR NOT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast'))"
        ).fetchone()
        return bool(row and row[0])


def _loaded(dsn: str, scenario: Scenario) -> bool:
    with connect(dsn, autocommit=True) as conn:
        if conn.execute("SELECT to_regclass('public.generation_runs')").fetchone() == (None,):
            return False
        row = conn.execute(
            "SELECT count(*) FROM public.generation_runs WHERE fingerprint = %s "
            "AND status = 'completed'",
            (scenario.fingerprint,),
        ).fetchone()
        return bool(row and row[0])


def ensure_dataset(admin_dsn: str, scenario: Scenario, say: Say) -> str:
    """DSN of the loaded dataset of `scenario`, building it when missing or incomplete."""
    name = dataset_name(scenario)
    dsn = with_database(admin_dsn, name)
    with connect(admin_dsn, autocommit=True) as admin:
        present = _exists(admin, name)
    if present and _loaded(dsn, scenario):
        apply_migrations(dsn)  # a newer schema migration reaches a reused dataset
        say(f"dataset {name}: reusing the loaded scale {scenario.scale}, seed {scenario.seed}")
        return dsn
    if present and not _ours(dsn):
        raise UserError(
            f"database {name} exists but holds no generation run: it is not a bench dataset; "
            "nothing done; drop or rename it, or use another --seed"
        )
    with connect(admin_dsn, autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    say(f"dataset {name}: generating and loading scale {scenario.scale}, seed {scenario.seed}")
    apply_migrations(dsn)
    summary = load_scenario(dsn, scenario)
    with connect(dsn, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    say(
        f"dataset {name}: {sum(summary.rows.values()):,} rows "
        f"in {sum(summary.seconds.values()):.1f} s"
    )
    return dsn


def clone(admin_dsn: str, template: str, name: str) -> str:
    """A fresh copy of database `template` named `name` (replacing an older clone)."""
    with connect(admin_dsn, autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        admin.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY = FILE_COPY").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        )
    dsn = with_database(admin_dsn, name)
    with connect(dsn, autocommit=True) as conn:
        install_table_facts(conn)
    return dsn


def drop(admin_dsn: str, name: str) -> None:
    with connect(admin_dsn, autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def install_table_facts(conn: psycopg.Connection) -> None:
    """Schema `bench` with `table_facts`: the strategies' SQL reads time columns from here."""
    with conn.transaction():
        conn.execute("CREATE SCHEMA IF NOT EXISTS bench")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS bench.table_facts (name text PRIMARY KEY, "
            "event_time text NOT NULL, tenant text NOT NULL, big boolean NOT NULL)"
        )
        conn.execute("TRUNCATE bench.table_facts")
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO bench.table_facts VALUES (%s, %s, %s, %s)",
                [(f.name, f.event_time, f.tenant, f.big) for f in TABLE_FACTS.values()],
            )
