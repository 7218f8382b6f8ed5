"""Parquet output in parts (layout in `generate.parts`), on local processes or one part alone.

Each part is written into `DIR/.partial-<part>-<pid>/` and renamed into place when complete,
so a part folder is either absent, the previous complete one, or the new complete one. A
whole generation (`write_parts`) is written into a hidden sibling folder and replaces `DIR`
only when `DIR` is an earlier output of ours (`output_dir.staged_output`, as `export`
does); a single part (`write_part`, e.g. a cluster task) replaces only its own folder in the
shared `DIR`, and only when it is ours.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import socket
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from pathlib import Path
from queue import Empty
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from wedsync_analytics import malloc_policy
from wedsync_analytics.errors import UserError
from wedsync_analytics.generate.parts import (
    PARTIAL_PREFIX,
    PartManifest,
    TableFile,
    check_part_args,
    is_our_part,
    part_name,
    part_range,
    sha256_of,
)
from wedsync_analytics.generate.scenario import Scenario
from wedsync_analytics.generate.tables import TABLES, TableDef
from wedsync_analytics.generate.world import World
from wedsync_analytics.output_dir import staged_output

Progress = Callable[[str, int, int], None]


def part_chunks(
    w: World, t: TableDef, part: int, parts: int, chunk_rows: int, total: int
) -> Iterator[pl.DataFrame]:
    """The rows of `t` in part `part` of `parts`, in chunks of at most `chunk_rows`."""
    a, b = part_range(total, part, parts)
    for x in range(a, b, chunk_rows):
        yield t.build(w, x, min(b, x + chunk_rows), total)


# Parquet settings: the files are an intermediate for `load --data`, written at machine speed
# (zstd level 1; dictionary pages only where they pay; no column statistics)
COMPRESSION = "zstd"
COMPRESSION_LEVEL = 1
DICTIONARY_SHARE = 0.25  # dictionary-encode a string column with at most this share distinct


def dictionary_columns(df: pl.DataFrame) -> list[str]:
    """The string columns of `df` (a table's first chunk) with few distinct values: the
    columns a dictionary shrinks; the others (ids, numbers, times) only pay for the hashing."""
    limit = DICTIONARY_SHARE * df.height
    return [
        name
        for name, dtype in df.schema.items()
        if dtype in (pl.String, pl.Categorical) or isinstance(dtype, pl.Enum)
        if df[name].n_unique() <= limit
    ]


def _parquet_writer(path: Path, first: pl.DataFrame, schema: pa.Schema) -> pq.ParquetWriter:
    return pq.ParquetWriter(
        path,
        schema,
        compression=COMPRESSION,
        compression_level=COMPRESSION_LEVEL,
        use_dictionary=dictionary_columns(first),
        write_statistics=False,
    )


def _write_table(
    w: World, t: TableDef, folder: Path, part: int, parts: int, chunk_rows: int, report: Progress
) -> TableFile:
    total = t.count(w)
    a, b = part_range(total, part, parts)
    path = folder / f"{t.name}.parquet"
    writer: pq.ParquetWriter | None = None
    done = 0
    report(t.name, 0, b - a)
    try:
        for df in part_chunks(w, t, part, parts, chunk_rows, total):
            arrow = df.to_arrow()
            if writer is None:
                writer = _parquet_writer(path, df, arrow.schema)
            writer.write_table(arrow)
            done += df.height
            report(t.name, done, b - a)
        if writer is None:  # no rows in this part: a file with the table's columns
            schema = t.build(w, 0, min(1, total), total).head(0)
            pq.write_table(schema.to_arrow(), path, compression=COMPRESSION)
    finally:
        if writer is not None:
            writer.close()
    return TableFile(path.name, done, a, total, sha256_of(path))


def _mkdir(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out}: exists and is not a folder; choose a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create output folder {out}: {exc.strerror}") from exc


def write_part(
    scenario: Scenario,
    out: Path,
    part: int,
    parts: int,
    chunk_rows: int,
    progress: Progress | None = None,
    world: World | None = None,
) -> PartManifest:
    """Write part `part` (0-based) of `parts` as `out/part-IIIII-of-NNNNN/`; its manifest."""
    check_part_args(part, parts)
    malloc_policy.use(malloc_policy.STREAMING)
    _mkdir(out)
    final = out / part_name(part, parts)
    if final.exists() and not is_our_part(final):
        raise UserError(
            f"{final}: exists and was not written by `generate --out`; nothing done; "
            "move it away or choose another --out"
        )
    writer = f"{socket.gethostname()}-{os.getpid()}"  # tasks on several hosts share `out`
    tmp = out / f"{PARTIAL_PREFIX}{final.name}-{writer}"
    shutil.rmtree(tmp, ignore_errors=True)  # ours: a killed run of the same host and pid
    tmp.mkdir()
    report = progress or (lambda name, done, total: None)
    try:
        w = world or World(scenario)
        manifest = PartManifest(scenario, part, parts)
        for t in TABLES:
            manifest.tables[t.name] = _write_table(w, t, tmp, part, parts, chunk_rows, report)
        manifest.write(tmp)
        if final.exists():
            old = out / f"{PARTIAL_PREFIX}old-{final.name}-{writer}"
            final.rename(old)
            tmp.rename(final)
            shutil.rmtree(old)
        else:
            tmp.rename(final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return manifest


_QUEUE: Any = None  # a worker process's progress queue
_WORLD: World | None = None  # a worker process's world (its shared entities, small tables)


def _init_worker(queue: Any) -> None:
    global _QUEUE
    _QUEUE = queue
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # on Ctrl-C the parent stops the workers


def _run_part(
    scenario: Scenario, out: Path, part: int, parts: int, chunk_rows: int
) -> dict[str, int]:
    queue = _QUEUE

    def report(name: str, done: int, total: int) -> None:
        queue.put((name, part, done, total))

    global _WORLD
    if _WORLD is None or _WORLD.s != scenario:  # a worker writing several parts builds it once
        _WORLD = World(scenario)
    manifest = write_part(scenario, out, part, parts, chunk_rows, report, _WORLD)
    return {name: t.rows for name, t in manifest.tables.items()}


class _Tally:
    """Progress of every table summed over its parts."""

    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress
        self.done: dict[str, dict[int, tuple[int, int]]] = {}

    def __call__(self, name: str, part: int, done: int, total: int) -> None:
        self.done.setdefault(name, {})[part] = (done, total)
        if self.progress:
            values = self.done[name].values()
            self.progress(name, sum(d for d, _ in values), sum(t for _, t in values))


def write_parts(
    scenario: Scenario,
    out: Path,
    parts: int,
    workers: int,
    chunk_rows: int,
    progress: Progress | None = None,
    world: World | None = None,
) -> dict[str, int]:
    """Write all `parts` parts into `out` using `workers` local processes; rows per table.

    `out` is replaced whole when complete, and only if it is empty or an earlier output of
    ours; anything else is refused up front (one line, nothing written).
    """
    check_part_args(None, parts)
    if workers < 1:
        raise UserError(f"invalid --workers {workers}: use a positive number")
    with staged_output(out) as staging:  # replaces only an earlier output of ours
        return _write_all(scenario, staging, parts, workers, chunk_rows, progress, world)


def _write_all(
    scenario: Scenario,
    out: Path,
    parts: int,
    workers: int,
    chunk_rows: int,
    progress: Progress | None,
    world: World | None,
) -> dict[str, int]:
    rows: dict[str, int] = {t.name: 0 for t in TABLES}
    tally = _Tally(progress)
    if workers == 1 or parts == 1:
        w = world or World(scenario)
        for i in range(parts):
            m = write_part(scenario, out, i, parts, chunk_rows, _bind(tally, i), w)
            for name, t in m.tables.items():
                rows[name] += t.rows
        return rows
    for part_rows in _run_pool(scenario, out, parts, min(workers, parts), chunk_rows, tally):
        for name, n in part_rows.items():
            rows[name] += n
    return rows


def _bind(tally: _Tally, part: int) -> Progress:
    return lambda name, done, total: tally(name, part, done, total)


def _run_pool(
    scenario: Scenario, out: Path, parts: int, workers: int, chunk_rows: int, tally: _Tally
) -> list[dict[str, int]]:
    """Rows per table of each part, written by a pool of `workers` processes."""
    # no fork of a threaded parent: workers fork from a single-threaded server that imported
    # the generator once (spawn would import it, and the caller's __main__, in every worker)
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([__name__])
    queue = ctx.Queue()

    def drain() -> None:
        while True:
            try:
                tally(*queue.get_nowait())
            except Empty:
                return

    with ProcessPoolExecutor(workers, ctx, initializer=_init_worker, initargs=(queue,)) as pool:
        futures = [
            pool.submit(_run_part, scenario, out, i, parts, chunk_rows) for i in range(parts)
        ]
        pending = set(futures)
        try:
            while pending:
                finished, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                drain()
                for future in finished:
                    future.result()  # a part's error stops the run
        except BaseException:
            # a part failed, or Ctrl-C: stop the other parts now rather than let them finish
            for process in list(getattr(pool, "_processes", {}).values()):
                process.terminate()
            pool.shutdown(cancel_futures=True)
            raise
        drain()
    return [f.result() for f in futures]
