"""Every analysis on every engine at volume, side by side (`make bench`).

The data is a season-like scenario from the real generator (`_bench_data`, sized by
WSA_BENCH_ROWS), exported once. Each engine is prepared outside the timed section
(connecting, registering the Parquet files, starting Spark) and warmed by one untimed run
of each analysis; then each analysis runs ROUNDS times and the median is kept.
Prints seconds per analysis and engine and the ratio to PostgreSQL (no speed target is
set for the analyses; the export and generation benchmarks print theirs as met / not met).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator

import pytest

from _bench_data import as_of, bench_db  # noqa: F401 - bench_db is a fixture
from wedsync_analytics.analyses import ANALYSES, Params
from wedsync_analytics.analyses.runner import run_one
from wedsync_analytics.engines import ENGINES, engine_class
from wedsync_analytics.engines.base import Source
from wedsync_analytics.export import export_database, open_export
from wedsync_analytics.generate.scenario import Scenario

RESULTS: dict[tuple[str, str], float] = {}  # median seconds of ROUNDS runs
ROUNDS = 3


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
    engines = [e for e in ENGINES if any((a, e) in RESULTS for a in ANALYSES)]
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
    print("(no speed target is set for the analyses: figures and ratios only)")


@pytest.mark.parametrize("engine", list(ENGINES))
def test_engine(source: tuple[Source, Params], engine: str) -> None:
    src, params = source
    problem = engine_class(engine).missing(src.options)
    if problem:
        pytest.skip(problem)
    opened = engine_class(engine)(src, sorted({t for a in ANALYSES.values() for t in a.tables}))
    try:
        for analysis in ANALYSES.values():  # warm: plans, caches, JIT; not timed
            warm = run_one(opened, analysis, params)
            assert warm.error is None, (analysis.name, warm.error)
        for analysis in ANALYSES.values():
            times = []
            for _ in range(ROUNDS):
                started = time.perf_counter()
                result = run_one(opened, analysis, params)
                times.append(time.perf_counter() - started)
                assert result.error is None, (analysis.name, result.error)
            RESULTS[(analysis.name, engine)] = statistics.median(times)
    finally:
        opened.close()
