"""`manifest.json`: what an export contains, with server-computed row counts and checksums."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

from wedsync_analytics.errors import UserError
from wedsync_analytics.export.pg_types import Column

FORMAT = "wedsync-export/1"
MANIFEST_NAME = "manifest.json"
CHECKSUM_DEFINITION = (
    "sum over all rows of the first 16 hex digits of md5(row::text) read as a signed "
    "64-bit integer, as an exact decimal; computed by PostgreSQL in the export's snapshot "
    "with TimeZone=UTC, DateStyle=ISO, extra_float_digits=1; order-independent"
)


@dataclass(frozen=True)
class FileEntry:
    """One Parquet file of a table, relative to the export directory."""

    path: str
    rows: int


@dataclass
class TableEntry:
    """One exported table."""

    name: str
    rows: int
    checksum: str
    columns: list[Column]
    partition_column: str | None = None
    files: list[FileEntry] = field(default_factory=list)
    seconds: float = 0.0

    def to_json(self) -> dict[str, object]:
        return {
            "rows": self.rows,
            "checksum": self.checksum,
            "partition_column": self.partition_column,
            "partitioning": "hive day=YYYY-MM-DD (UTC)" if self.partition_column else None,
            "seconds": round(self.seconds, 3),
            "columns": [c.to_manifest() for c in self.columns],
            "files": [{"path": f.path, "rows": f.rows} for f in self.files],
        }


@dataclass
class Manifest:
    """The whole export."""

    exported_at: str
    snapshot_time: str
    source: dict[str, str]
    tables: dict[str, TableEntry]
    format: str = FORMAT

    def to_json(self) -> dict[str, object]:
        return {
            "format": self.format,
            "exported_at": self.exported_at,
            "snapshot_time": self.snapshot_time,
            "source": self.source,
            "checksum_definition": CHECKSUM_DEFINITION,
            "tables": {name: t.to_json() for name, t in self.tables.items()},
        }

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
            raise UserError(f"{path}: format {data.get('format')!r}, expected {FORMAT!r}")
        tables = {}
        for name, t in data["tables"].items():
            tables[name] = TableEntry(
                name=name,
                rows=int(t["rows"]),
                checksum=str(t["checksum"]),
                columns=[Column.from_manifest(c) for c in t["columns"]],
                partition_column=t.get("partition_column"),
                files=[FileEntry(str(f["path"]), int(f["rows"])) for f in t["files"]],
                seconds=float(t.get("seconds", 0.0)),
            )
        return Manifest(
            exported_at=str(data["exported_at"]),
            snapshot_time=str(data["snapshot_time"]),
            source={str(k): str(v) for k, v in data.get("source", {}).items()},
            tables=tables,
        )
    except UserError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UserError(f"{path}: unreadable manifest ({type(exc).__name__}: {exc})") from exc


def server_checksum(conn: psycopg.Connection, table: str) -> tuple[int, str]:
    """Row count and content checksum of `public.<table>`, computed by the server."""
    query = sql.SQL(
        "SELECT count(*), coalesce(sum(('x' || left(md5(t::text), 16))::bit(64)::int8::numeric),"
        " 0)::text FROM {} AS t"
    ).format(sql.Identifier("public", table))
    row = conn.execute(query).fetchone()
    assert row is not None
    return int(row[0]), str(row[1])
