"""The demo job: server, schema, sample data, and a printed summary."""

from __future__ import annotations

from collections.abc import Callable

from wedsync_analytics import catalog
from wedsync_analytics.config import connect, resolve_dsn
from wedsync_analytics.migrations import apply_migrations
from wedsync_analytics.paths import sql_text


def run(dsn: str | None, echo: Callable[[str], None] = print) -> catalog.SchemaSummary:
    """Start (or reach) the server, migrate, insert sample rows through the triggers, summarise."""
    target = resolve_dsn(dsn)
    echo(f"database: {target}")
    applied = apply_migrations(target)
    echo(f"migrations applied now: {len(applied)}")
    with connect(target, autocommit=False) as conn:
        with conn.transaction():
            conn.execute(sql_text("fixtures/demo_seed.sql").encode("utf-8"))
        summary = catalog.summarise(conn)
    for line in format_summary(summary):
        echo(line)
    return summary


def format_summary(summary: catalog.SchemaSummary) -> list[str]:
    """Plain-text lines: tables with row counts, then views, enums and functions."""
    width = max(len(name) for name in summary.table_rows) if summary.table_rows else 10
    lines = [f"{len(summary.table_rows)} tables:"]
    lines += [f"  {name:<{width}} {rows:>12,}" for name, rows in summary.table_rows.items()]
    lines.append(f"{len(summary.views)} views: {', '.join(summary.views)}")
    lines.append(f"{len(summary.enums)} enums: {', '.join(summary.enums)}")
    lines.append(f"{len(summary.functions)} functions: {', '.join(summary.functions)}")
    return lines
