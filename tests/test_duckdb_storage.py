"""DuckDB's `memory` storage (engine option `duckdb_storage`): the same answers as
PostgreSQL on the hand-shaped edge-case data, the manifest's enum columns and its uuid and
text columns of few distinct values held as ENUMs (labels in byte order) with every value,
and a storage it does not know is one line. The `parquet` storage's views: files grouped
by their all-NULL columns."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import psycopg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests import synthetic
from wedsync_analytics import validate as v
from wedsync_analytics.analyses import ANALYSES, Params
from wedsync_analytics.engines import engine_class
from wedsync_analytics.engines.base import Source
from wedsync_analytics.engines.duckdb import STORAGE_OPTION, null_columns, parquet_view
from wedsync_analytics.errors import UserError
from wedsync_analytics.export import export_database, open_export
from wedsync_analytics.export.manifest import Manifest
from wedsync_analytics.export.reader import ExportReader

AS_OF = datetime(2024, 3, 31, 1, 30, tzinfo=UTC)  # just after the EU DST change
MEMORY = {STORAGE_OPTION: "memory"}


def test_memory_storage_agrees_with_postgres_and_keeps_types(
    db: psycopg.Connection, db_dsn: str, tmp_path: Path
) -> None:
    synthetic.load_dataset(db, synthetic.random_dataset(22, AS_OF, 300))
    tables = sorted({t for a in ANALYSES.values() for t in a.tables})
    export_database(db_dsn, tmp_path / "export", tables)
    report = v.validate(
        tmp_path / "export",
        db_dsn,
        engines=("postgres", "duckdb"),
        params=Params(AS_OF),
        options=MEMORY,
    )
    statuses = {(c.analysis, c.engine): (c.status, c.message) for c in report.comparisons}
    assert len(statuses) == 2 * len(ANALYSES)
    assert all(s in ("pass", "reference") for s, _ in statuses.values()), statuses
    assert all(c.rows for c in report.comparisons), "every analysis has rows on this data"

    reader = open_export(tmp_path / "export")
    engine = engine_class("duckdb")(Source(reader=reader, options=MEMORY), tables)
    try:
        assert engine.open_seconds > 0
        for table in tables:
            entry = reader.entry(table)
            found = dict(
                engine.con.execute(
                    "SELECT column_name, data_type FROM information_schema.columns "
                    "WHERE table_name = $t",
                    {"t": table},
                ).fetchall()
            )
            assert list(found) == [c.name for c in entry.columns], table
            files = [str(p) for p in reader.files(table)]
            for column in entry.columns:
                name = column.name
                if column.kind in ("uuid", "varchar", "text", "enum"):
                    distinct = engine.con.execute(
                        f'SELECT DISTINCT "{name}" FROM read_parquet($f) '
                        f'WHERE "{name}" IS NOT NULL',
                        {"f": files},
                    ).fetchall()
                    # an enum's labels, else the column's few distinct values, in byte order
                    domain = column.labels if column.kind == "enum" else [d[0] for d in distinct]
                    labels = engine.con.execute(
                        f'SELECT enum_range(CAST(NULL AS "{table}.{name}"))'
                    ).fetchall()[0][0]
                    assert labels == sorted(domain or (), key=str.encode), (table, name)
                    assert found[name].startswith("ENUM("), (table, name)
                # every value as its text, as the files hold it
                as_text = f'SELECT CAST("{name}" AS VARCHAR) AS v FROM {{}} ORDER BY v'
                stored = engine.con.execute(as_text.format(table)).fetchall()
                exported = engine.con.execute(as_text.format("read_parquet($f)"), {"f": files})
                assert stored == exported.fetchall(), (table, name)
            rows = engine.con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
            assert rows == entry.rows, table
    finally:
        engine.close()


def test_unknown_storage_is_one_line(tmp_path: Path) -> None:
    empty = ExportReader(tmp_path, Manifest("", "", {}, {}))
    source = Source(reader=empty, options={STORAGE_OPTION: "disk"})
    with pytest.raises(UserError) as raised:
        engine_class("duckdb")(source, [])
    assert str(raised.value) == (
        "duckdb_storage='disk' is not a DuckDB storage; choose from parquet, memory"
    )


def test_parquet_view_drops_the_files_a_null_filter_rules_out(tmp_path: Path) -> None:
    """Files grouped by their all-NULL columns: the view has every row with its types, and
    `step IS NOT NULL` plans no scan of the files whose `step` is NULL throughout."""
    steps = tmp_path / "part-00000-step.parquet"
    others = tmp_path / "part-00000.parquet"
    pq.write_table(
        pa.table({"n": [1, 2], "step": ["a", "b"], "note": pa.nulls(2, pa.string())}), steps
    )
    pq.write_table(
        pa.table({"n": [3, 4, 5], "step": pa.nulls(3, pa.string()), "note": ["x", None, "z"]}),
        others,
    )
    assert null_columns(steps) == {"note"} and null_columns(others) == {"step"}
    con = duckdb.connect()
    con.execute(f"CREATE VIEW t AS {parquet_view(con, 't', [steps, others])}")
    plain = f"read_parquet(['{steps}', '{others}'])"
    describe = "DESCRIBE SELECT * FROM {}"
    assert con.execute(describe.format("t")).fetchall() == (
        con.execute(describe.format(plain)).fetchall()
    )
    every = "SELECT * FROM {} ORDER BY n"
    assert con.execute(every.format("t")).fetchall() == con.execute(every.format(plain)).fetchall()
    scans = [
        con.execute(f"EXPLAIN SELECT n FROM t {where}").fetchall()[0][1].count("READ_PARQUET")
        for where in ("", "WHERE step IS NOT NULL")
    ]
    assert scans == [2, 1]
    assert con.execute("SELECT n FROM t WHERE step IS NOT NULL ORDER BY n").fetchall() == [
        (1,),
        (2,),
    ]
