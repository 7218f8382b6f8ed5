"""Opening an export for Polars and DuckDB, after checking it against its manifest.

Checks, each failure a UserError naming the file: manifest present and readable;
every listed file present and a readable Parquet file (a truncated file has no
footer); its row count and schema as the manifest says; no unlisted Parquet files.

Readers get the files the manifest lists (`export.layout`: the big time series one folder
per UTC month, each file sorted by event time), without the hive key as a column: the rows
carry their own time, and a time filter skips whole files and row groups by their min/max
statistics of that column.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import duckdb
import polars as pl
import pyarrow.parquet as pq

from wedsync_analytics.errors import UserError
from wedsync_analytics.export.manifest import Manifest, TableEntry, read_manifest


def _describe(dtype: pl.DataType) -> str:
    return str(dtype)


def _check_file(path: Path, table: TableEntry, expected_rows: int) -> None:
    if not path.is_file():
        raise UserError(
            f"{path}: missing (table {table.name} lists it with {expected_rows} rows); export again"
        )
    try:
        rows = pq.read_metadata(path).num_rows
        schema = pl.read_parquet_schema(path)
    except Exception as exc:  # pyarrow/polars raise several types for a damaged file
        raise UserError(
            f"{path}: not a readable Parquet file (truncated or corrupt: "
            f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}); export again"
        ) from exc
    if rows != expected_rows:
        raise UserError(
            f"{path}: has {rows} rows, manifest.json says {expected_rows}; export again"
        )
    expected = {c.name: c.dtype() for c in table.columns}
    problems = []
    for name, dtype in expected.items():
        if name not in schema:
            problems.append(f"column {name} missing")
        elif schema[name] != dtype:
            problems.append(f"column {name} is {_describe(schema[name])}, expected {dtype}")
    problems += [f"unexpected column {name}" for name in schema if name not in expected]
    if problems:
        raise UserError(f"{path}: schema differs from manifest.json: {'; '.join(problems)}")


class ExportReader:
    """A checked export: file lists, Polars LazyFrames and a DuckDB connection over it."""

    def __init__(self, directory: Path, manifest: Manifest) -> None:
        self.directory = directory
        self.manifest = manifest

    @property
    def tables(self) -> list[str]:
        return list(self.manifest.tables)

    def entry(self, table: str) -> TableEntry:
        try:
            return self.manifest.tables[table]
        except KeyError:
            raise UserError(
                f"{self.directory}: table {table} is not in this export "
                f"(it has: {', '.join(self.tables) or 'none'}); export it with --tables"
            ) from None

    def files(self, table: str) -> list[Path]:
        return [self.directory / f.path for f in self.entry(table).files]

    def check(self, tables: Iterable[str] | None = None) -> None:
        """Verify the listed tables' files (all tables by default); raise UserError if not."""
        for name in tables if tables is not None else self.tables:
            entry = self.entry(name)
            total = sum(f.rows for f in entry.files)
            if total != entry.rows:
                raise UserError(
                    f"{self.directory / 'manifest.json'}: table {name} lists {total} rows in "
                    f"files but {entry.rows} in total; export again"
                )
            listed = set()
            for f in entry.files:
                _check_file(self.directory / f.path, entry, f.rows)
                listed.add((self.directory / f.path).resolve())
            for stray in sorted((self.directory / name).rglob("*.parquet")):
                if stray.resolve() not in listed:
                    raise UserError(
                        f"{stray}: not listed in manifest.json (left from another export?); "
                        "remove it or export again"
                    )

    def scan(self, table: str) -> pl.LazyFrame:
        """A Polars LazyFrame over the table's files (the hive `month` key is not added)."""
        files = [str(p) for p in self.files(table)]
        return pl.scan_parquet(files, hive_partitioning=False)

    def duckdb(self, tables: Iterable[str] | None = None) -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB connection (TimeZone UTC) with one view per table."""
        con = duckdb.connect()
        con.execute("SET TimeZone = 'UTC'")
        for name in tables if tables is not None else self.tables:
            files = [str(p) for p in self.files(name)]
            con.read_parquet(files, hive_partitioning=False).create_view(name, replace=True)
        return con


def open_export(
    directory: str | Path, tables: Iterable[str] | None = None, *, check: bool = True
) -> ExportReader:
    """Open the export in `directory`; with `check`, verify `tables` (default all) first."""
    path = Path(directory)
    reader = ExportReader(path, read_manifest(path))
    if check:
        reader.check(list(tables) if tables is not None else None)
    return reader
