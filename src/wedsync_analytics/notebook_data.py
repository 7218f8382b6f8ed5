"""Data for the notebooks: the folder a user names, else a small dataset made on the spot.

A folder is either an export (`wedsync-analytics export --out DIR`: `manifest.json`) or
generated data (`wedsync-analytics generate --out DIR`: part folders). Both open as an
`ExportReader`, so DuckDB and Polars run the analyses on either without a database.
Without a folder, `open_dataset` generates a scenario straight to Parquet into a cache
folder keyed by the scenario's fingerprint (same scenario, same rows: reused next time).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from wedsync_analytics.errors import UserError
from wedsync_analytics.export.manifest import MANIFEST_NAME, FileEntry, Manifest, TableEntry
from wedsync_analytics.export.reader import ExportReader, open_export
from wedsync_analytics.generate import build_scenario, write_parquet
from wedsync_analytics.generate.parts import GeneratedData, part_name
from wedsync_analytics.generate.scenario import Scenario
from wedsync_analytics.generate.tables import TABLES
from wedsync_analytics.validate import default_as_of

# The notebooks' own dataset when none is given: the `small` preset's organizations over
# eight weeks from Monday 2025-04-07, off season (April) into the wedding season (May).
SAMPLE_SCALE = "small"
SAMPLE_SEED = 42
SAMPLE_MARKET = "us"
SAMPLE_START = "2025-04-07"
SAMPLE_DAYS = 56


class GeneratedReader(ExportReader):
    """What `generate --out` wrote, read like an export (its files were checked on opening:
    every part, file and SHA-256, see `generate.parts.read_data_dir`)."""

    def __init__(self, data: GeneratedData) -> None:
        tables: dict[str, TableEntry] = {}
        for t in TABLES:
            files = [
                FileEntry(
                    f"{part_name(m.part, m.parts)}/{m.tables[t.name].file}",
                    m.tables[t.name].rows,
                    m.tables[t.name].sha256,
                )
                for m in data.manifests
            ]
            tables[t.name] = TableEntry(t.name, data.table_rows(t.name), "", [], files=files)
        scenario = data.scenario
        manifest = Manifest(
            exported_at="",
            snapshot_time=scenario_end(scenario).isoformat(),
            source={"generated": scenario.to_json()},
            tables=tables,
        )
        super().__init__(data.directory, manifest)
        self.scenario = scenario

    def check(self, tables: object = None) -> None:
        """Nothing more to check: the part manifests' digests were verified on opening."""


def scenario_end(scenario: Scenario) -> datetime:
    """Local midnight after the scenario's last day, in UTC."""
    from wedsync_analytics.demo import scenario_end as end

    return end(scenario)


def open_generated(directory: str | Path) -> GeneratedReader:
    """A `generate --out` folder, checked whole, as a reader."""
    from wedsync_analytics.load import open_data

    return GeneratedReader(open_data(Path(directory)))


def open_folder(directory: str | Path) -> ExportReader:
    """An export (it has `manifest.json`) or a `generate --out` folder, checked."""
    path = Path(directory).expanduser()
    if (path / MANIFEST_NAME).is_file():
        return open_export(path)
    return open_generated(path)


def cache_dir() -> Path:
    """Where generated sample datasets are kept: `<temp>/wedsync-notebooks-<uid>`."""
    uid = os.getuid() if hasattr(os, "getuid") else 0
    return Path(tempfile.gettempdir()) / f"wedsync-notebooks-{uid}"


def sample_folder(scenario: Scenario) -> Path:
    return cache_dir() / f"{scenario.scale}-seed{scenario.seed}-{scenario.fingerprint}"


def ensure_sample(scenario: Scenario, say: object = print) -> Path:
    """The scenario generated straight to Parquet (no database), reused when complete."""
    folder = sample_folder(scenario)
    try:
        open_generated(folder)
        return folder
    except UserError:
        pass  # absent or incomplete: (re)write it; only a folder of ours is ever replaced
    if callable(say):
        say(f"generating {scenario.scale!r} (seed {scenario.seed}) to Parquet in {folder} ...")
    folder.parent.mkdir(parents=True, exist_ok=True)
    write_parquet(scenario, folder, parts=1, workers=1)
    return folder


@dataclass(frozen=True)
class Dataset:
    """A dataset opened for the analyses: its reader, the `as_of` its windows end at, and
    where it came from (a sentence for the notebook to print)."""

    reader: ExportReader
    as_of: datetime
    origin: str

    @property
    def generated(self) -> bool:
        return isinstance(self.reader, GeneratedReader)

    @property
    def scenario(self) -> Scenario | None:
        return self.reader.scenario if isinstance(self.reader, GeneratedReader) else None


def open_dataset(
    folder: str | Path | None = None,
    *,
    as_of: datetime | None = None,
    scale: str = SAMPLE_SCALE,
    seed: int = SAMPLE_SEED,
    market: str = SAMPLE_MARKET,
    start: str | None = SAMPLE_START,
    days: int | None = SAMPLE_DAYS,
) -> Dataset:
    """`folder` (else `$WEDSYNC_NOTEBOOK_DATA`) opened and checked; without either, the
    scenario (`scale`, `seed`, `market`, `start`, `days`; None: the preset's) generated to
    Parquet in the cache and opened.

    `as_of` defaults to the top of the hour after the newest event (`validate.default_as_of`).
    """
    from wedsync_analytics import settings

    chosen = folder or settings.notebook_data()
    if chosen:
        reader = open_folder(chosen)
        origin = f"{'generated data' if isinstance(reader, GeneratedReader) else 'export'} "
        origin += f"in {reader.directory}"
    else:
        scenario = build_scenario(scale, seed=seed, market=market, start=start, days=days)
        reader = open_generated(ensure_sample(scenario))
        origin = (
            f"sample: scale {scale!r}, seed {seed}, market {market}, {scenario.days} days from "
            f"{scenario.start}, generated to Parquet in {reader.directory} (no database)"
        )
    return Dataset(reader, as_of or default_as_of(reader), origin)
