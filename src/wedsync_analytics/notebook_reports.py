"""Benchmark and capacity reports for the capacity notebook: the folders a user names,
else tiny ones measured on the spot.

A report is the `results.json` of `wedsync-analytics bench --out DIR` or
`wedsync-analytics capacity --out DIR` (the folder or the file itself). Without one,
`tiny_reports` measures both at the `tiny` scale on a throwaway embedded server (its own
temporary home and free port, deleted afterwards), or on `$WEDSYNC_DSN`'s server when set:
a few strategies and two dashboard queries, so it runs unattended in well under a minute.
Figures of a tiny run show how to read the report, not this machine's capacity.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wedsync_analytics import settings
from wedsync_analytics.errors import UserError

Say = Callable[[str], None]
TINY_SEED = 5
TINY_QUERIES = ["percentiles", "incident_response"]
TINY_BENCH_STRATEGIES = ["retention=delete", "retention=partition"]
TINY_CAPACITY_STRATEGIES: list[str] = []  # index=seed only
KINDS = {"bench": "variants", "capacity": "curves"}  # report kind -> a key only it has


def read_report(path: str | Path, kind: str) -> dict[str, Any]:
    """The `results.json` of a `kind` ("bench" or "capacity") run, from its folder or file."""
    file = Path(path).expanduser()
    if file.is_dir():
        file = file / "results.json"
    if not file.is_file():
        raise UserError(
            f"{file}: missing; give a folder written by `wedsync-analytics {kind} --out`"
        )
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(f"{file}: not readable JSON ({exc}); run {kind} again") from exc
    if not isinstance(data, dict) or KINDS[kind] not in data:
        raise UserError(f"{file}: not a {kind} report (no {KINDS[kind]!r}); check the folder")
    return data


@dataclass(frozen=True)
class Reports:
    """A benchmark and a capacity report, and where each came from."""

    bench: dict[str, Any]
    capacity: dict[str, Any]
    origin: str


@contextmanager
def _server(say: Say) -> Iterator[str]:
    """An admin DSN: `$WEDSYNC_DSN`, else a throwaway embedded server deleted afterwards."""
    given = settings.dsn()
    if given:
        yield given
        return
    from wedsync_analytics.server import EmbeddedServer, free_port

    home = Path(tempfile.mkdtemp(prefix="wsa-notebook-server-"))
    home.chmod(0o755)  # as root the server runs as an unprivileged user, who must enter it
    server = EmbeddedServer(
        home=home / "server",
        port=free_port(),
        extra_settings=(("fsync", "off"), ("synchronous_commit", "off")),
    )
    say(f"starting a throwaway PostgreSQL in {home} (deleted afterwards)")
    try:
        server.start()
        yield server.url("postgres")
    finally:
        server.destroy()
        home.rmdir() if home.exists() and not any(home.iterdir()) else None


def tiny_reports(
    out_dir: Path, say: Say = print, detail: Say = lambda line: None
) -> tuple[Path, Path]:
    """Measure a tiny benchmark and capacity run; write them (results.json, report.md, PNGs)
    into `out_dir/bench` and `out_dir/capacity`; the two folders. `say` gets one line per
    step, `detail` every line of the runs' own narration."""
    from wedsync_analytics.bench import BenchConfig, capacity_report, parse_variant, run_bench
    from wedsync_analytics.bench import output as bench_output
    from wedsync_analytics.bench.capacity import CapacityConfig, check_variants, run_capacity
    from wedsync_analytics.generate import build_scenario

    bench_dir, capacity_dir = Path(out_dir) / "bench", Path(out_dir) / "capacity"
    bench_output.check_out_dir(bench_dir)
    capacity_report.check_out_dir(capacity_dir)
    scenario = build_scenario("tiny", seed=TINY_SEED)
    with _server(say) as admin:
        say("benchmark: " + ", ".join(["index=seed", *TINY_BENCH_STRATEGIES]))
        bench = BenchConfig(
            scenario,
            [parse_variant(s) for s in TINY_BENCH_STRATEGIES],
            TINY_QUERIES,
            runs=2,
            load_rows=1_000,
        )
        bench_output.write_outputs(run_bench(admin, bench, detail).to_json(), bench_dir)
        say("capacity curve: four volumes of 2 to 14 days")
        capacity = CapacityConfig(
            scenario,
            check_variants([parse_variant(s) for s in TINY_CAPACITY_STRATEGIES]),
            TINY_QUERIES,
            budget_ms=50.0,
            runs=2,
        )
        capacity_report.write_outputs(run_capacity(admin, capacity, detail).to_json(), capacity_dir)
    return bench_dir, capacity_dir


def open_reports(
    bench: str | Path | None = None,
    capacity: str | Path | None = None,
    *,
    out_dir: Path | None = None,
    say: Say = print,
) -> Reports:
    """The reports named (else `$WEDSYNC_NOTEBOOK_BENCH` / `$WEDSYNC_NOTEBOOK_CAPACITY`);
    when either is missing, both measured now by `tiny_reports` into `out_dir` (default: a
    new temporary folder)."""
    bench = bench or settings.notebook_bench()
    capacity = capacity or settings.notebook_capacity()
    if bench and capacity:
        origin = f"benchmark {bench}, capacity {capacity}"
    else:
        folder = out_dir or Path(tempfile.mkdtemp(prefix="wsa-notebook-reports-"))
        bench, capacity = tiny_reports(folder, say)
        origin = f"tiny runs measured now (scale tiny, seed {TINY_SEED}), written to {folder}"
    return Reports(read_report(bench, "bench"), read_report(capacity, "capacity"), origin)
