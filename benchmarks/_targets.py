"""Issue 10's targets: their thresholds, and what the benchmarks of one run measured.

Each benchmark prints its own figures and calls `record` for every target it measures;
the root `conftest.py` prints what was recorded as one table when the run ends, so one
`make bench` says which targets were met, which were not and which were not measured (a
benchmark that failed or was deselected records nothing: its targets show "not measured").
"""

from __future__ import annotations

from dataclasses import dataclass

from wedsync_analytics.analyses import ANALYSES

LOAD_SECONDS = 180.0  # the season load end to end, at most
LOAD_SHARE = 0.8  # the load's rate, at least this share of the server's own ceiling
EXPORT_SHARE = 0.85  # export with checksum, at least this share of the server's COPY TO
GENERATE_ROWS_PER_S = 1_000_000  # generation to Parquet with both cores, at least
TRANSFER_RATIO = 1.5  # PostgreSQL engine end to end / server execution, at most
TRANSFER_DAYS = 180  # ... on the percentiles over this many days
TARGETED_ENGINES = ("duckdb", "polars")  # the engines the 2x / 10x targets are about
MAX_SLOWER = 2.0  # each analysis at most this many times PostgreSQL's time
HEAVY = ("percentiles", "error_trending", "web_vitals")
MIN_FASTER = 10.0  # the heavy ones at least this many times faster than PostgreSQL

LOAD_TIME = "season load end to end, {mode}"
LOAD_RATE = "season load share of the server's ceiling, {mode}"
EXPORT = "export of performance_metrics (checksum included) / server COPY TO"
TRANSFER = f"PostgreSQL engine percentiles {TRANSFER_DAYS} days, end to end / server"
GENERATE = "generation to Parquet, 2 workers"
SLOWER = "{engine} {analysis}: time / PostgreSQL's"
FASTER = "{engine} {analysis}: PostgreSQL's time / its time"
LOAD_MODES = ("load --data (after generate --out)", "generate (one step)")


@dataclass(frozen=True)
class Target:
    """One target: what is asked, what this run measured, and whether it was met."""

    name: str
    wanted: str
    measured: str
    met: bool


def expected() -> list[str]:
    """Every target of issue 10, in the order of the issue."""
    names = [LOAD_TIME.format(mode=m) for m in LOAD_MODES]
    names += [LOAD_RATE.format(mode=m) for m in LOAD_MODES]
    names += [EXPORT, TRANSFER, GENERATE]
    for engine in TARGETED_ENGINES:
        for analysis in ANALYSES:
            names.append(SLOWER.format(engine=engine, analysis=analysis))
            if analysis in HEAVY:
                names.append(FASTER.format(engine=engine, analysis=analysis))
    return names


RECORDED: dict[str, Target] = {}


def record(name: str, wanted: str, measured: str, met: bool) -> str:
    """Keep one measured target for the final table; return "met" or "not met"."""
    RECORDED[name] = Target(name, wanted, measured, met)
    return "met" if met else "not met"


def summary() -> list[str]:
    """The table's lines: expected targets in order (then any others), and a count."""
    names = expected()
    names += [n for n in RECORDED if n not in names]
    width = max(len(n) for n in names)
    lines = [f"{'target':{width}}  {'asked':>12}  {'measured':>14}  verdict"]
    for name in names:
        t = RECORDED.get(name)
        if t is None:
            lines.append(f"{name:{width}}  {'':>12}  {'':>14}  not measured in this run")
        else:
            verdict = "met" if t.met else "NOT MET"
            lines.append(f"{name:{width}}  {t.wanted:>12}  {t.measured:>14}  {verdict}")
    met = sum(t.met for t in RECORDED.values())
    lines.append(
        f"{met} of {len(names)} targets met, {len(RECORDED) - met} not met, "
        f"{len(names) - len(RECORDED)} not measured in this run"
    )
    return lines
