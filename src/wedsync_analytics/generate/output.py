"""Parquet output: the same rows as the database load, streamed chunk by chunk."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from wedsync_analytics.generate.memory import bounded_malloc
from wedsync_analytics.generate.scenario import Scenario
from wedsync_analytics.generate.tables import TABLES, chunks
from wedsync_analytics.generate.world import World
from wedsync_analytics.output_dir import staged_output


def write_tables(
    scenario: Scenario,
    out: Path,
    chunk_rows: int,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, int]:
    """One Parquet file per table (`auth.users.parquet` for auth.users); returns row counts."""
    bounded_malloc()
    with staged_output(out) as staging:  # replaces only an earlier output of ours
        return _write_tables(scenario, staging, chunk_rows, progress)


def _write_tables(
    scenario: Scenario,
    out: Path,
    chunk_rows: int,
    progress: Callable[[str, int, int], None] | None,
) -> dict[str, int]:
    w = World(scenario)
    written: dict[str, int] = {}
    for t in TABLES:
        total = t.count(w)
        path = out / f"{t.name}.parquet"
        tmp = path.with_suffix(".parquet.partial")
        writer: pq.ParquetWriter | None = None
        done = 0
        if progress:
            progress(t.name, 0, total)
        try:
            for df in chunks(w, t, chunk_rows, total):
                arrow = df.to_arrow()
                if writer is None:
                    writer = pq.ParquetWriter(tmp, arrow.schema, compression="zstd")
                writer.write_table(arrow)
                done += df.height
                if progress:
                    progress(t.name, done, total)
            if writer is None:  # an empty table still gets a file with its columns
                empty = t.build(w, 0, 0, 0).to_arrow() if total == 0 else pa.table({})
                pq.write_table(empty, tmp)
        finally:
            if writer is not None:
                writer.close()
        tmp.replace(path)
        written[t.name] = done
    (out / "scenario.json").write_text(
        json.dumps({"scenario": json.loads(scenario.to_json()), "rows": written}, indent=2) + "\n"
    )
    return written
