"""DuckDB's `memory` storage (engine option `duckdb_storage`): the same answers as
PostgreSQL on the hand-shaped edge-case data, the manifest's uuid and enum columns held in
DuckDB's own types with every row, and a storage it does not know is one line."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from tests import synthetic
from wedsync_analytics import validate as v
from wedsync_analytics.analyses import ANALYSES, Params
from wedsync_analytics.engines import engine_class
from wedsync_analytics.engines.base import Source
from wedsync_analytics.engines.duckdb import STORAGE_OPTION
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
            for column in entry.columns:
                if column.kind == "uuid":
                    assert found[column.name] == "UUID", (table, column.name)
                if column.kind == "enum":
                    labels = engine.con.execute(
                        f"SELECT enum_range(any_value({column.name})) FROM {table}"
                    ).fetchall()[0][0]
                    assert labels == list(column.labels or ()), (table, column.name)
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
