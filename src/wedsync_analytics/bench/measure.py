"""Measurements on one clone: query latency and plan, answers, sizes, COPY load cost.

Sessions are pinned (`SESSION_SETTINGS`): JIT off, no parallel workers, UTC; psycopg never
prepares statements (`prepare_threshold = None`), so every execution gets a custom plan for
its values. Latency is wall time in the client: execute plus fetching every row.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from uuid import UUID

import numpy as np
import polars as pl
import psycopg

from wedsync_analytics.bench.viewpoints import Viewpoint
from wedsync_analytics.config import connect
from wedsync_analytics.generate import Scenario, World, chunks, table
from wedsync_analytics.load import copy_frame

SESSION_SETTINGS = {
    "jit": "off",
    "max_parallel_workers_per_gather": "0",
    "TimeZone": "UTC",
}
TOP_NODES = 5


def session(dsn: str, viewpoint: Viewpoint | None = None) -> psycopg.Connection:
    """An autocommit connection with the pinned settings, acting as `viewpoint`."""
    conn = connect(dsn, autocommit=True)
    conn.prepare_threshold = None
    for name, value in SESSION_SETTINGS.items():
        conn.execute("SELECT set_config(%s, %s, false)", (name, value))
    if viewpoint is not None:
        viewpoint.enter(conn)
    return conn


# Result columns -> comparator types: floats within 1e-9, everything else exact.
_FLOAT_TYPES = {"float4", "float8", "numeric"}
_INT_TYPES = {"int2", "int4", "int8"}


def fetch_frame(
    conn: psycopg.Connection, query_sql: str, params: dict[str, Any]
) -> tuple[pl.DataFrame, dict[str, pl.DataType]]:
    """Run the query; its rows as a frame (uuid/enum/text as String, numeric as Float64)."""
    with conn.cursor() as cur:
        cur.execute(query_sql.encode(), params)
        rows = cur.fetchall()
        types = {d.name: conn.adapters.types.get(d.type_code) for d in cur.description or []}
    schema: dict[str, pl.DataType] = {}
    for name, info in types.items():
        tname = info.name if info else "text"
        if tname in _FLOAT_TYPES:
            schema[name] = pl.Float64()
        elif tname in _INT_TYPES:
            schema[name] = pl.Int64()
        elif tname == "timestamptz":
            schema[name] = pl.Datetime("us", "UTC")
        elif tname == "date":
            schema[name] = pl.Date()
        elif tname == "bool":
            schema[name] = pl.Boolean()
        else:
            schema[name] = pl.String()
    clean = [tuple(_plain(v) for v in row) for row in rows]
    return pl.DataFrame(clean, schema=schema, orient="row"), schema


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, UUID):
        return str(value)
    return value


@dataclass
class Latency:
    """Wall times of the measured runs (after one warm-up), milliseconds."""

    runs_ms: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, float]:
        arr = np.asarray(self.runs_ms, dtype=float)
        if arr.size == 0:
            return {}
        return {
            "p50_ms": float(np.percentile(arr, 50)),
            "p95_ms": float(np.percentile(arr, 95)),
            "p99_ms": float(np.percentile(arr, 99)),
            "max_ms": float(arr.max()),
            "mean_ms": float(statistics.fmean(arr)),
        }


def time_query(
    conn: psycopg.Connection, query_sql: str, params: dict[str, Any], runs: int
) -> Latency:
    """`runs` timed executions (the caller has warmed up)."""
    out = Latency()
    encoded = query_sql.encode()
    for _ in range(runs):
        started = time.perf_counter()
        with conn.cursor() as cur:
            cur.execute(encoded, params)
            cur.fetchall()
        out.runs_ms.append((time.perf_counter() - started) * 1000.0)
    return out


def explain(conn: psycopg.Connection, query_sql: str, params: dict[str, Any]) -> dict[str, Any]:
    """EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) once: buffers, times, top nodes, plan text."""
    with conn.cursor() as cur:
        cur.execute(b"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + query_sql.encode(), params)
        row = cur.fetchone()
    assert row is not None
    doc = row[0][0]
    plan = doc["Plan"]
    nodes: list[dict[str, Any]] = []
    lines: list[str] = []
    _walk(plan, 0, nodes, lines)
    nodes.sort(key=lambda n: n["self_ms"], reverse=True)
    return {
        "shared_hit": int(plan.get("Shared Hit Blocks", 0)),
        "shared_read": int(plan.get("Shared Read Blocks", 0)),
        "shared_buffers": int(plan.get("Shared Hit Blocks", 0))
        + int(plan.get("Shared Read Blocks", 0)),
        "temp_read": int(plan.get("Temp Read Blocks", 0)),
        "temp_written": int(plan.get("Temp Written Blocks", 0)),
        "planning_ms": float(doc.get("Planning Time", 0.0)),
        "execution_ms": float(doc.get("Execution Time", 0.0)),
        "top_nodes": nodes[:TOP_NODES],
        "plan": "\n".join(lines),
    }


def _label(node: dict[str, Any]) -> str:
    label = node["Node Type"]
    if "Index Name" in node:
        label += f" using {node['Index Name']}"
    if "Relation Name" in node:
        label += f" on {node['Relation Name']}"
    return label


def _walk(node: dict[str, Any], depth: int, nodes: list[dict[str, Any]], lines: list[str]) -> float:
    """Collect every node (self time = its total minus its children's) and an indented plan."""
    loops = int(node.get("Actual Loops", 1)) or 1
    total = float(node.get("Actual Total Time", 0.0)) * loops
    rows = int(node.get("Actual Rows", 0)) * loops
    extra = []
    for key in (
        "Index Cond",
        "Filter",
        "Rows Removed by Filter",
        "Rows Removed by Index Recheck",
        "Lossy Heap Blocks",
        "Heap Fetches",
        "Sort Method",
        "Subplans Removed",
    ):
        if key in node:
            extra.append(f"{key}: {node[key]}")
    buffers = int(node.get("Shared Hit Blocks", 0)) + int(node.get("Shared Read Blocks", 0))
    lines.append(
        f"{'  ' * depth}-> {_label(node)} (rows={rows} loops={loops} time={total:.2f} ms "
        f"buffers={buffers})" + (f" [{'; '.join(extra)}]" if extra else "")
    )
    children = sum(_walk(c, depth + 1, nodes, lines) for c in node.get("Plans", []))
    nodes.append(
        {
            "node": _label(node),
            "self_ms": round(max(0.0, total - children), 3),
            "rows": rows,
            "buffers": buffers,
            **{
                k.lower().replace(" ", "_"): node[k]
                for k in (
                    "Rows Removed by Filter",
                    "Rows Removed by Index Recheck",
                    "Lossy Heap Blocks",
                    "Heap Fetches",
                )
                if k in node
            },
        }
    )
    return total


_SIZES = """
SELECT c.relkind, coalesce(p.relname, c.relname) AS parent,
       pg_relation_size(c.oid) AS bytes
FROM pg_class AS c
JOIN pg_namespace AS n ON n.oid = c.relnamespace
LEFT JOIN pg_inherits AS i ON i.inhrelid = c.oid
LEFT JOIN pg_class AS p ON p.oid = i.inhparent
WHERE n.nspname IN ('public', 'rollup') AND c.relkind IN ('r', 'i', 'm', 't')
"""


def sizes(conn: psycopg.Connection) -> dict[str, Any]:
    """Bytes per table (partitions summed into their parent) and per index, and totals."""
    tables: dict[str, int] = {}
    indexes: dict[str, int] = {}
    for kind, parent, nbytes in conn.execute(_SIZES).fetchall():
        if kind == "i":
            indexes[parent] = indexes.get(parent, 0) + int(nbytes)
        else:
            tables[parent] = tables.get(parent, 0) + int(nbytes)
    return {
        "tables": dict(sorted(tables.items())),
        "indexes": dict(sorted(indexes.items())),
        "table_bytes": sum(tables.values()),
        "index_bytes": sum(indexes.values()),
    }


def load_cost(dsn: str, scenario: Scenario, tables: list[str], rows: int) -> dict[str, Any]:
    """COPY rows/s of the first generated chunk of each table into the clone, rolled back.

    The chunk is the generator's own (same scenario); its `id` column is left out so the
    table's default gives new keys. Triggers, indexes, partitions and rollup triggers of
    the strategy all do their work; the transaction is rolled back, the clone unchanged.
    """
    world = World(scenario)
    out: dict[str, Any] = {}
    with connect(dsn) as conn:
        for name in tables:
            frame = next(chunks(world, table(name), rows), None)
            if frame is None or frame.height == 0:
                continue
            frame = frame.drop("id") if "id" in frame.columns else frame
            conn.execute("SET LOCAL wedsync.bulk_load = 'on'")
            started = time.perf_counter()
            copy_frame(conn, table(name), frame)
            seconds = time.perf_counter() - started
            conn.rollback()
            out[name] = {
                "rows": frame.height,
                "seconds": seconds,
                "rows_per_s": frame.height / seconds,
            }
    return out
