"""What exists in a migrated database: tables with row counts, views, enums, functions."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg import sql


@dataclass(frozen=True)
class SchemaSummary:
    """Objects of schema `public` (migration bookkeeping excluded)."""

    table_rows: dict[str, int]
    views: list[str]
    enums: list[str]
    functions: list[str]


def table_names(conn: psycopg.Connection) -> list[str]:
    """Ordinary and partitioned tables of `public`, partitions themselves excluded."""
    rows = conn.execute(
        """
        SELECT c.relname FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
          AND c.relname <> 'schema_migrations'
        ORDER BY c.relname
        """
    ).fetchall()
    return [str(r[0]) for r in rows]


def row_count(conn: psycopg.Connection, table: str) -> int:
    """Exact row count of `public.<table>`."""
    query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier("public", table))
    found = conn.execute(query).fetchone()
    return int(found[0]) if found else 0


def summarise(conn: psycopg.Connection) -> SchemaSummary:
    """Collect the summary that `demo` prints."""
    views = conn.execute(
        "SELECT viewname FROM pg_views WHERE schemaname = 'public' ORDER BY viewname"
    ).fetchall()
    enums = conn.execute(
        """
        SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = 'public' AND t.typtype = 'e' ORDER BY t.typname
        """
    ).fetchall()
    functions = conn.execute(
        """
        SELECT DISTINCT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' ORDER BY p.proname
        """
    ).fetchall()
    return SchemaSummary(
        table_rows={name: row_count(conn, name) for name in table_names(conn)},
        views=[str(r[0]) for r in views],
        enums=[str(r[0]) for r in enums],
        functions=[str(r[0]) for r in functions],
    )
