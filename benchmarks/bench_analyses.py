"""Every analysis on every engine at volume, side by side, against issue 10's targets.

The data is a season-like scenario from the real generator (`_bench_data`, sized by
WSA_BENCH_ROWS), exported once. Every engine is opened outside the timed section
(connecting, registering the Parquet files, starting Spark; the open times are printed) and
warmed by one untimed run of each analysis; then each analysis runs ROUNDS rounds, the
engines one after the other in each round (so a change in the machine's load touches all
of them alike), and the median is kept. Each round starts one engine later than the one
before (so no engine always runs right after the same other one), and Python's garbage is
collected before every timed run, untimed (so no engine pays for another's). Prints
seconds per analysis and engine, each as a ratio to PostgreSQL, and the targets as met or
not met: DuckDB and Polars at most 2x PostgreSQL's time on every analysis, and at least
10x faster than PostgreSQL on the heavy ones (HEAVY); the PostgreSQL engine's end-to-end
time on the percentiles over 180 days at most 1.5x the server's execution time of the same
query (EXPLAIN ANALYZE, run outside the timed section). Spark has no target.

DuckDB and Polars run twice: on their default storage (the export's Parquet) and, as
`duckdb[memory]` and `polars[memory]`, with the engine options `duckdb_storage=memory` and
`polars_tables=memory` (the tables read into the engine's own memory when it opens; that
time is printed, it is not part of any analysis's time, as PostgreSQL's tables are already
in its buffers). Each is held to the same targets.
"""

from __future__ import annotations

import gc
import json
import statistics
import time
from collections.abc import Iterator
from contextlib import ExitStack, closing

import psycopg
import pytest

import _targets
from _bench_data import as_of, bench_db  # noqa: F401 - bench_db is a fixture
from wedsync_analytics.analyses import ANALYSES, Params
from wedsync_analytics.analyses.runner import run_one
from wedsync_analytics.engines import ENGINES, engine_class
from wedsync_analytics.engines.base import Engine, Source
from wedsync_analytics.engines.duckdb import STORAGE_OPTION
from wedsync_analytics.engines.polars import TABLES_OPTION
from wedsync_analytics.engines.postgres import analysis_query
from wedsync_analytics.export import export_database, open_export
from wedsync_analytics.generate.scenario import Scenario

RESULTS: dict[tuple[str, str], float] = {}  # median seconds of ROUNDS runs
SERVER: dict[str, tuple[float, float]] = {}  # label -> (end to end, server execution), seconds
OPENED: dict[str, float] = {}  # engine label -> seconds to open it (untimed preparation)
SKIPPED: dict[str, str] = {}  # engine label -> why it did not run
DUCKDB_MEMORY = "duckdb[memory]"  # DuckDB with the engine option duckdb_storage=memory
POLARS_MEMORY = "polars[memory]"  # Polars with the engine option polars_tables=memory
LABELS = [*ENGINES, DUCKDB_MEMORY, POLARS_MEMORY]  # the table's columns
ROUNDS = 7
TARGETED = _targets.TARGETED_ENGINES
MAX_SLOWER = _targets.MAX_SLOWER
HEAVY = _targets.HEAVY
MIN_FASTER = _targets.MIN_FASTER
TRANSFER_DAYS = _targets.TRANSFER_DAYS
MAX_TRANSFER = _targets.TRANSFER_RATIO


@pytest.fixture(scope="module")
def source(
    bench_db: tuple[str, Scenario],  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Source, Params]]:
    dsn, scenario = bench_db
    out = tmp_path_factory.mktemp("bench") / "export"
    export_database(dsn, out, sorted({t for a in ANALYSES.values() for t in a.tables}))
    reader = open_export(out)
    rows = {t: reader.entry(t).rows for t in reader.tables}
    print(f"\n[analyses] export: {sum(rows.values()):,} rows: {rows}")
    yield Source(dsn=dsn, reader=reader), Params(as_of=as_of(scenario))
    _print_table()


def _print_table() -> None:
    engines = [e for e in LABELS if any((a, e) in RESULTS for a in ANALYSES)]
    print("\nanalysis            " + "".join(f"{e:>20}" for e in engines))
    for name in ANALYSES:
        base = RESULTS.get((name, "postgres"))
        cells = []
        for engine in engines:
            seconds = RESULTS.get((name, engine))
            ratio = f" ({seconds / base:.2f})" if seconds is not None and base else ""
            cells.append(f"{'-' if seconds is None else f'{seconds:.3f}'}{ratio}".rjust(20))
        print(f"{name:<20}" + "".join(cells))
    print(f"(median of {ROUNDS} runs, seconds; in brackets: ratio to postgres)")
    print("opening each engine (untimed): " + ", ".join(f"{e} {s:.3f}s" for e, s in OPENED.items()))
    for label, problem in SKIPPED.items():
        print(f"{label}: skipped, not measured ({problem})")
    _print_targets()


def _print_targets() -> None:
    for engine in [*TARGETED, DUCKDB_MEMORY, POLARS_MEMORY]:
        for name in ANALYSES:
            mine, base = RESULTS.get((name, engine)), RESULTS.get((name, "postgres"))
            if mine is None or base is None:
                if engine in TARGETED:
                    print(f"target {engine} {name}: not measured")
                continue
            slower = _targets.record(
                _targets.SLOWER.format(engine=engine, analysis=name),
                f"<= {MAX_SLOWER:g}x",
                f"{mine / base:.2f}x",
                mine <= MAX_SLOWER * base,
            )
            line = f"target {engine} {name}: {mine / base:.2f}x postgres's time "
            line += f"(<= {MAX_SLOWER:g}x: {slower})"
            if name in HEAVY:
                faster = _targets.record(
                    _targets.FASTER.format(engine=engine, analysis=name),
                    f">= {MIN_FASTER:g}x",
                    f"{base / mine:.1f}x",
                    base >= MIN_FASTER * mine,
                )
                line += f"; {base / mine:.1f}x faster than postgres (>= {MIN_FASTER:g}x: {faster})"
            print(line)
    for label, (end_to_end, server) in SERVER.items():
        ratio = end_to_end / server
        target = ""
        if label.endswith(f"{TRANSFER_DAYS} days"):
            met = _targets.record(
                _targets.TRANSFER,
                f"<= {MAX_TRANSFER:g}x",
                f"{ratio:.2f}x",
                end_to_end <= MAX_TRANSFER * server,
            )
            target = f" (<= {MAX_TRANSFER:g}x: {met})"
        print(
            f"postgres {label}: end to end {end_to_end:.3f}s, server execution "
            f"{server:.3f}s (EXPLAIN ANALYZE), ratio {ratio:.2f}{target}"
        )


def _server_seconds(dsn: str, name: str, params: Params, rounds: int = ROUNDS) -> float:
    """Median of the server's own execution time of the engine's query (no transfer)."""
    query = analysis_query(ANALYSES[name], params.values(ANALYSES[name]))
    times = []
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SET TimeZone = 'UTC'")
        for _ in range(rounds):
            row = conn.execute(
                f"EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) {query}".encode()
            ).fetchone()
            assert row is not None
            plan = row[0] if isinstance(row[0], list) else json.loads(row[0])
            times.append(plan[0]["Execution Time"] / 1000)
    return statistics.median(times)


def _variants(src: Source) -> list[tuple[str, str, Source]]:
    """(label, engine, source) of every engine, then the storage variants of DuckDB and Polars."""
    every = [(name, name, src) for name in ENGINES]
    for label, engine, option in (
        (DUCKDB_MEMORY, "duckdb", {STORAGE_OPTION: "memory"}),
        (POLARS_MEMORY, "polars", {TABLES_OPTION: "memory"}),
    ):
        every.append((label, engine, Source(src.dsn, src.reader, {**src.options, **option})))
    return every


def test_every_engine_interleaved(source: tuple[Source, Params]) -> None:
    """Open every engine (timed apart), warm each analysis on each, then time the analysis
    round by round, the engines one after the other in each round (in a rotating order), so
    a change in the machine's load touches every engine of an analysis alike; the median of
    ROUNDS."""
    src, params = source
    tables = sorted({t for a in ANALYSES.values() for t in a.tables})
    with ExitStack() as stack:
        opened: dict[str, Engine] = {}
        for label, engine, variant in _variants(src):
            problem = engine_class(engine).missing(variant.options)
            if problem:
                SKIPPED[label] = problem
                continue
            started = time.perf_counter()
            opened[label] = stack.enter_context(closing(engine_class(engine)(variant, tables)))
            OPENED[label] = time.perf_counter() - started
        for name, analysis in ANALYSES.items():
            for label, engine in opened.items():  # warm: plans, caches, JIT; not timed
                warm = run_one(engine, analysis, params)
                assert warm.error is None, (label, name, warm.error)
            times: dict[str, list[float]] = {label: [] for label in opened}
            order = list(opened.items())
            for round_number in range(ROUNDS):
                turn = round_number % len(order)  # each round starts one engine later
                for label, engine in order[turn:] + order[:turn]:
                    gc.collect()  # no engine pays for the garbage of the one before it
                    started = time.perf_counter()
                    result = run_one(engine, analysis, params)
                    times[label].append(time.perf_counter() - started)
                    assert result.error is None, (label, name, result.error)
            for label, seconds in times.items():
                RESULTS[(name, label)] = statistics.median(seconds)
        if "postgres" in opened:
            _transfer(opened["postgres"], src, params)


def _transfer(postgres: Engine, src: Source, params: Params) -> None:
    """The PostgreSQL engine end to end against the server's execution, 24 hours and 180 days."""
    assert src.dsn is not None
    long = Params(params.as_of, {"percentiles": {"hours": TRANSFER_DAYS * 24}})
    run_one(postgres, ANALYSES["percentiles"], long)  # warm the long window's pages
    for label, p in (("percentiles 24 hours", params), (f"percentiles {TRANSFER_DAYS} days", long)):
        times = []
        for _ in range(ROUNDS):
            started = time.perf_counter()
            assert run_one(postgres, ANALYSES["percentiles"], p).error is None
            times.append(time.perf_counter() - started)
        SERVER[label] = (statistics.median(times), _server_seconds(src.dsn, "percentiles", p))
