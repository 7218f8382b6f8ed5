"""`manifest.json`: what an export contains, with server-computed row counts and checksums.

Format 2 adds content digests: each file's SHA-256 and size (computed over the bytes as
written), a per-table digest over its files, the source database (host, port, dbname;
never a password), the state of its last load, and a `seal`: the SHA-256 of the manifest
itself (canonical JSON without the seal), so an edited count or checksum is detected.
Format 3 changes the layout (`export.layout`: the big time series by UTC month instead of
by day, files sorted by event time) and records it per table (`layout`). Only format 3 is
read: an export of an earlier format says so and asks to export again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import psycopg
import pyarrow as pa
from psycopg import sql

from wedsync_analytics.errors import UserError
from wedsync_analytics.export.layout import Layout
from wedsync_analytics.export.pg_types import Column, table_columns

FORMAT = "wedsync-export/3"
MANIFEST_NAME = "manifest.json"
CHECKSUM_DEFINITION = (
    "sum over all rows of hash_record_extended(ROW(columns in attribute order), 0) "
    "(PostgreSQL's 64-bit hash of each column value; a column type without an extended "
    "hash is hashed as its text), as an exact decimal; each row's hash computed by "
    "PostgreSQL in the export's snapshot and sent with the row, the sum taken exactly by "
    "the exporter (equal to the server's own sum); order-independent; independent of "
    "TimeZone and DateStyle"
)


@dataclass(frozen=True)
class FileEntry:
    """One Parquet file of a table, relative to the export directory."""

    path: str
    rows: int
    sha256: str = ""
    bytes: int = 0

    def to_json(self) -> dict[str, object]:
        return {"path": self.path, "rows": self.rows, "bytes": self.bytes, "sha256": self.sha256}


def table_digest(files: list[FileEntry]) -> str:
    """SHA-256 over each file's path, rows, size and digest, in the listed order."""
    lines = "".join(f"{f.path}\t{f.rows}\t{f.bytes}\t{f.sha256}\n" for f in files)
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def seal_of(data: dict[str, object]) -> str:
    """SHA-256 of the manifest's canonical JSON without its `seal`."""
    body = {k: v for k, v in data.items() if k != "seal"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class TableEntry:
    """One exported table."""

    name: str
    rows: int
    checksum: str
    columns: list[Column]
    layout: Layout = field(default_factory=Layout)
    files: list[FileEntry] = field(default_factory=list)
    seconds: float = 0.0  # the data pass (COPY with the row hashes, parse, Parquet)

    @property
    def partition_column(self) -> str | None:
        """The column whose UTC month names the hive directories, if partitioned."""
        return self.layout.partition_column

    def to_json(self) -> dict[str, object]:
        return {
            "rows": self.rows,
            "checksum": self.checksum,
            "digest": table_digest(self.files),
            "partition_column": self.partition_column,
            "layout": self.layout.to_json(),
            "seconds": round(self.seconds, 3),
            "columns": [c.to_manifest() for c in self.columns],
            "files": [f.to_json() for f in self.files],
        }


@dataclass
class Manifest:
    """The whole export."""

    exported_at: str
    snapshot_time: str
    source: dict[str, str]
    tables: dict[str, TableEntry]
    format: str = FORMAT
    load: dict[str, object] | None = None  # the source's last load (runs.LoadState), if any

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "format": self.format,
            "exported_at": self.exported_at,
            "snapshot_time": self.snapshot_time,
            "source": self.source,
            "load": self.load,
            "checksum_definition": CHECKSUM_DEFINITION,
            "digest_definition": "sha256 of each file's bytes; a table's digest is sha256 of "
            "its files' 'path TAB rows TAB bytes TAB sha256' lines in order; seal = sha256 of "
            "this JSON without `seal`, keys sorted, no spaces",
            "tables": {name: t.to_json() for name, t in self.tables.items()},
        }
        data["seal"] = seal_of(data)
        return data

    def write(self, directory: Path) -> Path:
        path = directory / MANIFEST_NAME
        path.write_text(json.dumps(self.to_json(), indent=2) + "\n", encoding="utf-8")
        return path

    @property
    def total_rows(self) -> int:
        return sum(t.rows for t in self.tables.values())


def read_manifest(directory: Path) -> Manifest:
    """Load `<directory>/manifest.json`, turning every defect into a UserError naming the file."""
    path = Path(directory) / MANIFEST_NAME
    if not Path(directory).is_dir():
        raise UserError(f"{directory}: no such export directory (run `wedsync-analytics export`)")
    if not path.is_file():
        raise UserError(f"{path}: missing; {directory} is not a complete export (export again)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            raise UserError(
                f"{path}: format {data.get('format')!r}, this version reads {FORMAT!r} "
                "(files by month, sorted by time); export again"
            )
        tables = {}
        for name, t in data["tables"].items():
            tables[name] = TableEntry(
                name=name,
                rows=int(t["rows"]),
                checksum=str(t["checksum"]),
                columns=[Column.from_manifest(c) for c in t["columns"]],
                layout=Layout.from_json(t["layout"]),
                files=[
                    FileEntry(
                        str(f["path"]),
                        int(f["rows"]),
                        str(f.get("sha256", "")),
                        int(f.get("bytes", 0)),
                    )
                    for f in t["files"]
                ],
                seconds=float(t.get("seconds", 0.0)),
            )
        return Manifest(
            exported_at=str(data["exported_at"]),
            snapshot_time=str(data["snapshot_time"]),
            source={str(k): str(v) for k, v in data.get("source", {}).items()},
            tables=tables,
            format=str(data["format"]),
            load=data.get("load"),
        )
    except UserError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UserError(f"{path}: unreadable manifest ({type(exc).__name__}: {exc})") from exc


def server_checksum(
    conn: psycopg.Connection, table: str, columns: list[Column] | None = None
) -> tuple[int, str]:
    """Row count and content checksum of `public.<table>`, computed by the server.

    `hash_record_extended` hashes each value with its type's own hash function (no text
    output), so this costs about a quarter of an md5 over `row::text`; the sum of int8
    hashes is exact (numeric), so the result does not depend on the order of the rows.
    """
    cols = columns if columns is not None else table_columns(conn, table)
    query = sql.SQL("SELECT count(*), coalesce(sum({}), 0)::text FROM {}").format(
        row_hash(cols), sql.Identifier("public", table)
    )
    row = conn.execute(query).fetchone()
    assert row is not None
    return int(row[0]), str(row[1])


def row_hash(columns: list[Column]) -> sql.Composable:
    """One row's 64-bit hash, the term of the checksum: `hash_record_extended(ROW(...), 0)`."""
    values = sql.SQL(", ").join(c.hash_expr() for c in columns) if columns else sql.SQL("NULL")
    return sql.SQL("hash_record_extended(ROW({}), 0)").format(values)


def add_row_hashes(total: int, hashes: pa.Array) -> int:
    """`total` plus the sum of `hashes` (int8, no NULLs), exactly as the server's numeric sum.

    Each hash splits into its high 32 bits (signed) and low 32 bits (unsigned); each half sums
    in int64 without overflow for fewer than 2**31 rows per call.
    """
    values = hashes.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
    high = int(np.right_shift(values, 32).sum(dtype=np.int64))
    low = int(np.bitwise_and(values, 0xFFFFFFFF).sum(dtype=np.int64))
    return total + (high << 32) + low
