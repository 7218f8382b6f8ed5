"""Each analysis on each engine at WSA_BENCH_ROWS performance_metrics rows (default 10M).

Prints seconds per analysis per engine and the ratio to PostgreSQL.
Run: `make bench` (or `.venv/bin/pytest benchmarks/bench_analyses.py -s`).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from _bench_data import AS_OF, bench_dsn, ensure_data
from wedsync_analytics.analyses import ANALYSES, ENGINES, Params, run_all
from wedsync_analytics.export import export_database, open_export

RESULTS: dict[tuple[str, str], float] = {}  # median seconds of ROUNDS runs
ROUNDS = 3


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    dsn = bench_dsn()
    loaded = ensure_data(dsn)
    if loaded:
        print(f"\nloaded benchmark data in {loaded:.0f}s")
    out = tmp_path_factory.mktemp("bench") / "export"
    export_database(dsn, out, [t for a in ANALYSES.values() for t in a.tables])
    yield dsn, out
    print(f"\nanalysis            engine      median s  ratio to postgres ({ROUNDS} runs each)")
    for name in ANALYSES:
        base = RESULTS.get((name, "postgres"))
        for engine in ENGINES:
            seconds = RESULTS.get((name, engine))
            if seconds is None:
                continue
            ratio = f"{seconds / base:8.3f}" if base else "       -"
            print(f"{name:<19} {engine:<10} {seconds:8.3f}  {ratio}")


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", list(ANALYSES))
def test_analysis(benchmark: Any, env: tuple[str, Path], name: str, engine: str) -> None:
    dsn, out = env
    reader = open_export(out, check=False)
    params = Params(as_of=AS_OF)

    times: list[float] = []

    def run() -> None:
        started = time.perf_counter()
        (result,) = run_all(params, reader=reader, dsn=dsn, analyses=[name], engines=(engine,))
        times.append(time.perf_counter() - started)
        assert result.error is None, result.error

    benchmark.pedantic(run, rounds=ROUNDS, iterations=1)
    RESULTS[(name, engine)] = statistics.median(times)
