"""`verify`: an export is exactly what was exported (no database, only file reads and hashes).

Checked: the manifest's seal (an edited count, checksum or file list shows), each table's
digest over its files, each listed file's size and SHA-256, the row totals, and that no
Parquet file lies in the folder unlisted. Only the current manifest format is read
(`read_manifest`: an older export is refused with "export again"). Every table and file
listed is checked, not only those an analysis reads. Each problem names the table, the
file and what differs.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from wedsync_analytics.errors import UserError
from wedsync_analytics.export.manifest import (
    MANIFEST_NAME,
    Manifest,
    read_manifest,
    seal_of,
    table_digest,
)
from wedsync_analytics.output_dir import OUTPUT_LIST, PARTIAL_NOTE


class ExportDamaged(UserError):
    """The export differs from its manifest."""

    exit_code = 2


@dataclass
class Verification:
    """What `verify_export` found."""

    directory: Path
    manifest: Manifest
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    files: int = 0
    bytes: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def raise_if_damaged(self) -> None:
        """One line: the first problem, and how many more there are."""
        if self.problems:
            more = len(self.problems) - 1
            tail = (
                f" (and {more} more problem(s): `wedsync-analytics verify --data "
                f"{self.directory}` lists them)"
                if more
                else ""
            )
            raise ExportDamaged(f"{self.problems[0]}{tail}; export again")


def _sha256(path: Path) -> str:
    with path.open("rb") as source:
        return hashlib.file_digest(source, "sha256").hexdigest()


def _check_seal(directory: Path, found: Verification) -> dict[str, object]:
    path = directory / MANIFEST_NAME
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("seal") != seal_of(data):
        found.problems.append(
            f"{path}: edited after the export (its seal does not match its content: "
            "a count, checksum, digest or file list was changed)"
        )
    tables = data.get("tables", {})
    return tables if isinstance(tables, dict) else {}


def verify_export(directory: str | Path) -> Verification:
    """Check every table and file the manifest lists; collect every problem found."""
    root = Path(directory)
    found = Verification(root, read_manifest(root))
    raw_tables = _check_seal(root, found)
    listed: set[Path] = set()
    for name, table in found.manifest.tables.items():
        raw = raw_tables.get(name)
        recorded = raw.get("digest") if isinstance(raw, dict) else None
        if recorded != table_digest(table.files):
            found.problems.append(
                f"table {name}: its digest in manifest.json ({recorded}) does not match the "
                f"digests of its files ({table_digest(table.files)})"
            )
        total = sum(f.rows for f in table.files)
        if total != table.rows:
            found.problems.append(
                f"table {name}: manifest.json lists {total} rows in its files but {table.rows} "
                "in total"
            )
        missing = [f for f in table.files if not (root / f.path).is_file()]
        if len(missing) > 1 and len(missing) == len(table.files):
            found.problems.append(
                f"table {name}: all its {len(missing)} files are missing "
                f"({table.rows} rows listed), e.g. {root / missing[0].path}"
            )
        for entry in table.files:
            path = root / entry.path
            listed.add(path.resolve())
            where = f"table {name}, file {path}"
            if entry in missing:
                if len(missing) < len(table.files) or len(missing) == 1:
                    found.problems.append(f"{where}: missing ({entry.rows} rows listed)")
                continue
            size = path.stat().st_size
            found.files += 1
            found.bytes += size
            if size != entry.bytes:
                found.problems.append(
                    f"{where}: {size} bytes, manifest.json says {entry.bytes} "
                    f"(truncated, replaced or edited)"
                )
                continue
            digest = _sha256(path)
            if digest != entry.sha256:
                found.problems.append(
                    f"{where}: content differs (sha256 {digest[:16]}..., manifest.json says "
                    f"{entry.sha256[:16]}...: replaced or edited)"
                )
    _check_unlisted(root, listed, found)
    return found


def _check_unlisted(root: Path, listed: set[Path], found: Verification) -> None:
    known = {MANIFEST_NAME, OUTPUT_LIST, PARTIAL_NOTE}
    for folder, _dirs, files in os.walk(root):
        for name in files:
            path = Path(folder) / name
            if path.resolve() in listed or (Path(folder) == root and name in known):
                continue
            if name.endswith(".parquet"):
                found.problems.append(
                    f"{path}: a Parquet file not listed in manifest.json (left from another "
                    "export?)"
                )
            else:
                found.notes.append(f"{path}: not part of the export")
