"""PostgreSQL → Parquet export with a manifest, and checked reading of an export."""

from wedsync_analytics.export.manifest import Manifest, TableEntry, read_manifest
from wedsync_analytics.export.reader import ExportReader, open_export
from wedsync_analytics.export.writer import export_database, list_tables

__all__ = [
    "ExportReader",
    "Manifest",
    "TableEntry",
    "export_database",
    "list_tables",
    "open_export",
    "read_manifest",
]
