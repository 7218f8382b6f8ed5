"""The layout of a folder written by `generate --out DIR`: part folders with their manifests.

A generation in N parts writes `DIR/part-IIIII-of-NNNNN/` for each part I in 0..N-1: one
Parquet file per table (`auth.users.parquet` for auth.users) holding the part's rows of the
table, and `manifest.json` (format FORMAT) naming the scenario and, per table, the file, its
rows, its first row's global index, the table's total rows and the file's SHA-256. Part I of
a table of T rows holds the rows [I*T//N, (I+1)*T//N): disjoint, and their union, in part
order, is the whole table row for row.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq

from wedsync_analytics.errors import UserError
from wedsync_analytics.generate.scenario import Scenario, validate
from wedsync_analytics.output_dir import OUTPUT_LIST

FORMAT = "wedsync-generate/1"
MANIFEST_NAME = "manifest.json"
MAX_PARTS = 99_999
PART_RE = re.compile(r"part-(\d{5})-of-(\d{5})")
PARTIAL_PREFIX = ".partial-"  # a part being written: `.partial-part-00001-of-00004-<host>-<pid>`


def part_name(part: int, parts: int) -> str:
    """Folder name of part `part` (0-based) of `parts`."""
    return f"part-{part:05d}-of-{parts:05d}"


def part_range(total: int, part: int, parts: int) -> tuple[int, int]:
    """The global row range [a, b) of `part` in a table of `total` rows split in `parts`."""
    return part * total // parts, (part + 1) * total // parts


def check_part_args(part: int | None, parts: int) -> None:
    """UserError unless 1 <= parts <= MAX_PARTS and 0 <= part < parts."""
    if not 1 <= parts <= MAX_PARTS:
        raise UserError(f"invalid --parts {parts}: use a whole number from 1 to {MAX_PARTS}")
    if part is not None and not 0 <= part < parts:
        raise UserError(f"invalid --part {part}: parts are numbered 0 to {parts - 1}")


@dataclass(frozen=True)
class TableFile:
    """One table's slice in one part."""

    file: str
    rows: int
    first_row: int
    table_rows: int
    sha256: str


@dataclass
class PartManifest:
    """What one part folder holds."""

    scenario: Scenario
    part: int
    parts: int
    tables: dict[str, TableFile] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return {
            "format": FORMAT,
            "scenario": json.loads(self.scenario.to_json()),
            "fingerprint": self.scenario.fingerprint,
            "part": self.part,
            "parts": self.parts,
            "tables": {
                name: {
                    "file": t.file,
                    "rows": t.rows,
                    "first_row": t.first_row,
                    "table_rows": t.table_rows,
                    "sha256": t.sha256,
                }
                for name, t in self.tables.items()
            },
        }

    def write(self, folder: Path) -> None:
        text = json.dumps(self.to_json(), indent=2) + "\n"
        (folder / MANIFEST_NAME).write_text(text, encoding="utf-8")


def sha256_of(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def read_part_manifest(folder: Path) -> PartManifest:
    """The manifest of a part folder; UserError naming the file when it is missing or bad."""
    path = folder / MANIFEST_NAME
    if not path.is_file():
        raise UserError(f"{path}: missing; the part was not written completely (generate it again)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            raise UserError(f"{path}: format {data.get('format')!r}, expected {FORMAT!r}")
        raw = dict(data["scenario"])
        raw["start"] = date.fromisoformat(raw["start"])
        scenario = Scenario(**raw)
        validate(scenario)
        if scenario.fingerprint != data["fingerprint"]:
            raise UserError(f"{path}: the scenario does not match its fingerprint (edited?)")
        tables = {
            str(name): TableFile(
                file=str(t["file"]),
                rows=int(t["rows"]),
                first_row=int(t["first_row"]),
                table_rows=int(t["table_rows"]),
                sha256=str(t["sha256"]),
            )
            for name, t in data["tables"].items()
        }
        return PartManifest(scenario, int(data["part"]), int(data["parts"]), tables)
    except UserError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UserError(f"{path}: unreadable manifest ({type(exc).__name__}: {exc})") from exc


def is_our_part(folder: Path) -> bool:
    """Whether `folder` is a part folder we wrote: our manifest, and only the files it lists."""
    if not folder.is_dir() or not PART_RE.fullmatch(folder.name):
        return False
    try:
        manifest = read_part_manifest(folder)
    except UserError:
        return False
    listed = {t.file for t in manifest.tables.values()} | {MANIFEST_NAME}
    return all(p.name in listed and p.is_file() for p in folder.iterdir())


@dataclass(frozen=True)
class GeneratedData:
    """A checked folder of generated data: its parts, in order."""

    directory: Path
    manifests: list[PartManifest]

    @property
    def scenario(self) -> Scenario:
        return self.manifests[0].scenario

    def table_rows(self, name: str) -> int:
        return self.manifests[0].tables[name].table_rows

    def files(self, name: str) -> list[Path]:
        """The files of table `name`, in part order (their rows in order make the table)."""
        return [
            self.directory / part_name(m.part, m.parts) / m.tables[name].file
            for m in self.manifests
        ]


def open_data(directory: Path, table_names: list[str]) -> GeneratedData:
    """`directory` checked whole (see `read_data_dir`)."""
    return GeneratedData(Path(directory), read_data_dir(Path(directory), table_names))


def read_data_dir(directory: Path, table_names: list[str]) -> list[PartManifest]:
    """The manifests of every part in `directory`, after checking that the data is complete.

    Every entry must be a part folder; all N parts of one scenario must be there, each with
    exactly the files its manifest lists, with their recorded SHA-256, and the parts of every
    table must cover its rows once. Any defect is one UserError naming the file, before any
    data is read.
    """
    if not directory.is_dir():
        raise UserError(
            f"{directory}: no such folder (write one with `wedsync-analytics generate --out DIR`)"
        )
    present: dict[int, set[int]] = {}
    for entry in sorted(directory.iterdir()):
        if entry.name == OUTPUT_LIST and entry.is_file():  # a whole generation's file list
            continue
        if entry.name.startswith(PARTIAL_PREFIX):
            raise UserError(
                f"{entry}: a part still being written or left by an interrupted generate; "
                "nothing loaded; wait for it or generate that part again"
            )
        match = PART_RE.fullmatch(entry.name)
        if match is None or not entry.is_dir():
            raise UserError(
                f"{entry}: not written by `generate --out` (a data folder holds only "
                "part-NNNNN-of-NNNNN folders); nothing loaded; move it out of the folder"
            )
        present.setdefault(int(match[2]), set()).add(int(match[1]))
    if not present:
        raise UserError(
            f"{directory}: holds no generated data "
            "(write it with `wedsync-analytics generate --out DIR`)"
        )
    if len(present) > 1:
        sizes = " and ".join(str(n) for n in sorted(present))
        raise UserError(
            f"{directory}: holds parts of different generations (of {sizes} parts); "
            "nothing loaded; generate again into an empty folder"
        )
    (parts, numbers), *_ = present.items()
    for i in range(parts):
        if i not in numbers:
            raise UserError(
                f"{directory / part_name(i, parts)}: missing, part {i} of {parts}; nothing "
                f"loaded; write it with `generate --out DIR --part {i} --parts {parts}`"
            )
    manifests = [read_part_manifest(directory / part_name(i, parts)) for i in range(parts)]
    for i, m in enumerate(manifests):
        _check_part(directory / part_name(i, parts), m, i, parts, manifests[0], table_names)
    _check_coverage(directory, manifests, table_names)
    return manifests


def _check_part(
    folder: Path,
    m: PartManifest,
    i: int,
    parts: int,
    first: PartManifest,
    table_names: list[str],
) -> None:
    if (m.part, m.parts) != (i, parts):
        raise UserError(f"{folder / MANIFEST_NAME}: says part {m.part} of {m.parts}; renamed?")
    if m.scenario != first.scenario:
        raise UserError(
            f"{folder}: of another scenario (seed {m.scenario.seed}, scale {m.scenario.scale}) "
            f"than part 0 (seed {first.scenario.seed}, scale {first.scenario.scale}); "
            "nothing loaded; generate every part with the same options"
        )
    if sorted(m.tables) != sorted(table_names):
        odd = sorted(set(m.tables) ^ set(table_names))
        raise UserError(
            f"{folder / MANIFEST_NAME}: tables differ from this version's ({', '.join(odd)}); "
            "nothing loaded; generate the data again with this version"
        )
    listed = {t.file for t in m.tables.values()} | {MANIFEST_NAME}
    for path in sorted(folder.iterdir()):
        if path.name not in listed:
            raise UserError(
                f"{path}: not listed in its part's manifest; nothing loaded; move it out"
            )
    for t in m.tables.values():
        path = folder / t.file
        if not path.is_file():
            raise UserError(f"{path}: missing; nothing loaded; generate part {i} again")
        if sha256_of(path) != t.sha256:
            raise UserError(
                f"{path}: content differs from its manifest (corrupt or changed); "
                f"nothing loaded; generate part {i} again"
            )
        if pq.read_metadata(path).num_rows != t.rows:
            raise UserError(
                f"{path}: holds {pq.read_metadata(path).num_rows} rows, its manifest says "
                f"{t.rows}; nothing loaded; generate part {i} again"
            )


def _check_coverage(directory: Path, manifests: list[PartManifest], table_names: list[str]) -> None:
    parts = len(manifests)
    for name in table_names:
        total = manifests[0].tables[name].table_rows
        for i, m in enumerate(manifests):
            t = m.tables[name]
            a, b = part_range(total, i, parts)
            if (t.table_rows, t.first_row, t.rows) != (total, a, b - a):
                raise UserError(
                    f"{directory / part_name(i, parts) / MANIFEST_NAME}: {name} holds rows "
                    f"{t.first_row}..{t.first_row + t.rows} of {t.table_rows}, expected {a}..{b} "
                    f"of {total}; nothing loaded; generate the data again"
                )
