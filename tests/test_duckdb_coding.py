"""The DuckDB engine's coded columns (`engines.duckdb.coding`): a column's "table.column"
type is an ENUM of its distinct values in byte order when it has few, else the type it has
in the storage; ENUM results decode into Polars as the same text DuckDB would have written."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wedsync_analytics.engines.duckdb import coding
from wedsync_analytics.export.pg_types import Column

LABEL = st.text(st.characters(exclude_characters="\x00", exclude_categories=["Cs"]), max_size=8)


@settings(max_examples=60, deadline=None)
@given(st.lists(LABEL | st.none(), max_size=20), st.integers(min_value=1, max_value=5))
def test_enum_results_decode_to_the_text_duckdb_writes(
    values: list[str | None], batch: int
) -> None:
    """An ENUM column (NULLs, empty text, no rows, several Arrow batches) decodes to the
    values DuckDB stored, row for row."""
    labels = sorted({v for v in values if v is not None}, key=str.encode)
    con = duckdb.connect()
    con.execute("CREATE TABLE raw (i INTEGER, v VARCHAR)")
    if values:
        con.executemany("INSERT INTO raw VALUES (?, ?)", list(enumerate(values)))
    kind = coding.enum_type(labels) if labels else "VARCHAR"
    con.execute(f"CREATE TABLE t AS SELECT i, CAST(v AS {kind}) AS v FROM raw")
    reader = con.sql("SELECT i, v FROM t ORDER BY i").to_arrow_reader(batch_size=batch)
    table = pa.Table.from_batches(list(reader), schema=reader.schema)
    decoded = coding.to_polars(table)
    assert decoded.schema == pl.Schema({"i": pl.Int32, "v": pl.String})
    assert decoded["v"].to_list() == values


def test_a_column_of_many_values_keeps_its_storage_type(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above CODED_LIMIT distinct values a uuid column stays UUID in memory and VARCHAR on
    Parquet, a text column VARCHAR; within it each is an ENUM of its values in byte order;
    enum columns take the manifest's labels; other kinds get no type."""
    monkeypatch.setattr(coding, "CODED_LIMIT", 2)
    path = tmp_path / "part-00000.parquet"
    ids = ["6f1c1c8e-4c62-4a8b-9d5e-3f0b8c1a2d01", "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"]
    pq.write_table(
        pa.table(
            {
                "few": ["b", "a", None],
                "many": ["x", "y", "z"],
                "id": [*ids, ids[0]],
                "state": ["on", "off", "on"],
                "n": [1, 2, 3],
            }
        ),
        path,
    )
    columns = [
        Column("few", "text", "text"),
        Column("many", "text", "text"),
        Column("id", "uuid", "uuid"),
        Column("state", "state", "enum", labels=("on", "off", "Zed")),
        Column("n", "int8", "int8"),
    ]
    for stored in (True, False):
        con = duckdb.connect()
        declared = coding.declare_types(con, "t", columns, [path], stored=stored)
        assert declared == {c: coding.type_name("t", c) for c in ("few", "many", "id", "state")}

        def kind(column: str, con: duckdb.DuckDBPyConnection = con) -> str:
            found = con.execute(f"SELECT typeof(CAST(NULL AS {coding.type_name('t', column)}))")
            return str(found.fetchall()[0][0])

        assert kind("few") == "ENUM('a', 'b')"
        assert kind("id") == f"ENUM('{ids[1]}', '{ids[0]}')"
        assert kind("state") == "ENUM('Zed', 'off', 'on')"
        assert kind("many") == "VARCHAR"

    monkeypatch.setattr(coding, "CODED_LIMIT", 1)
    for stored, uuid_type in ((True, "UUID"), (False, "VARCHAR")):
        con = duckdb.connect()
        coding.declare_types(con, "t", columns, [path], stored=stored)
        assert con.execute('SELECT typeof(CAST(NULL AS "t.id"))').fetchall()[0][0] == uuid_type


def test_a_table_without_a_column_list_is_coded_from_its_files(tmp_path: Path) -> None:
    """Parquet listed with no columns (the notebooks' generated files): its text columns
    are typed as text columns of the manifest would be; a listed column list is kept."""
    path = tmp_path / "part-00000.parquet"
    pq.write_table(pa.table({"org": ["b", "a", "b"], "n": [1, 2, 3]}), path)
    con = duckdb.connect()
    found = coding.file_columns(con, [path], [])
    assert [(c.name, c.kind) for c in found] == [("org", "text"), ("n", "bigint")]
    assert coding.declare_types(con, "t", found, [path], stored=True) == {"org": '"t.org"'}
    assert con.execute('SELECT typeof(CAST(NULL AS "t.org"))').fetchall()[0][0] == "ENUM('a', 'b')"
    listed = [Column("org", "text", "text")]
    assert coding.file_columns(con, [path], listed) == listed
