"""The budget guard: each budget's dataset built or reused, statistics pinned, every query
measured as its viewpoint in each plan mode, and judged (docs/budgets.md).

Judged deterministically (a breach fails): shared buffers (hit + read) and temp buffers
against the budget, the plan requirements, the plan shape against its snapshot (or a
warning, per entry). Judged as a warning band (a breach fails only with `strict_time`):
the p95 of the custom plan against `p95_ms`, and only on the machine whose fingerprint
the time baseline carries; elsewhere the time check is skipped and says why.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from wedsync_analytics.bench import datasets
from wedsync_analytics.bench.fingerprint import machine_fingerprint
from wedsync_analytics.bench.queries import DashboardQuery, dashboard_queries
from wedsync_analytics.bench.run import bench_as_of
from wedsync_analytics.bench.viewpoints import Viewpoint, choose_viewpoints
from wedsync_analytics.budget import plan as plans
from wedsync_analytics.budget.measure import measure, pin_statistics
from wedsync_analytics.budget.spec import Budget, BudgetFile
from wedsync_analytics.config import connect
from wedsync_analytics.errors import UserError
from wedsync_analytics.generate import build_scenario

Say = Callable[[str], None]
# The parts of a machine fingerprint that decide whether two timings compare.
MACHINE_KEYS = ("cpu_model", "cores", "memory_bytes", "postgresql", "postgresql_settings")


def query_names() -> list[str]:
    """The dashboard queries a budget may name (the bench's catalog)."""
    return [q.name for q in dashboard_queries(datetime(2000, 1, 1, tzinfo=UTC))]


@dataclass
class Check:
    """One budget in one plan mode, measured and judged."""

    budget: Budget
    mode: str
    shared_buffers: int
    temp_buffers: int
    breaches: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    shape: str = "same"  # same | changed | missing | written
    diff: str = ""
    p95_ms: float | None = None
    time: str = "not budgeted"
    plan: str = ""
    settings: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.budget.query}.{self.budget.viewpoint}.{self.mode}"

    def to_json(self) -> dict[str, Any]:
        b = self.budget
        return {
            "query": b.query,
            "viewpoint": b.viewpoint,
            "scale": b.scale,
            "seed": b.seed,
            "plan_mode": self.mode,
            "shared_buffers": self.shared_buffers,
            "max_shared_buffers": b.max_shared_buffers,
            "temp_buffers": self.temp_buffers,
            "max_temp_buffers": b.max_temp_buffers,
            "breaches": self.breaches,
            "warnings": self.warnings,
            "shape": self.shape,
            "shape_diff": self.diff,
            "p95_ms": self.p95_ms,
            "p95_band_ms": b.p95_ms,
            "time": self.time,
            "plan": self.plan,
            "settings": self.settings,
        }


@dataclass
class GuardResult:
    """Every check, the machine and whether time was comparable."""

    checks: list[Check]
    fingerprint: dict[str, Any]
    time_note: str

    @property
    def ok(self) -> bool:
        return all(not c.breaches for c in self.checks)

    def to_json(self) -> dict[str, Any]:
        return {
            "wedsync_budget_report": 1,
            "ok": self.ok,
            "machine": self.fingerprint,
            "time_note": self.time_note,
            "checks": [c.to_json() for c in self.checks],
        }


def snapshot_path(bf: BudgetFile, budget: Budget, mode: str) -> Path:
    return bf.snapshots / f"{budget.key}.{budget.scale}-s{budget.seed}.{mode}.txt"


def _machine(fingerprint: dict[str, Any]) -> dict[str, Any]:
    return {k: fingerprint.get(k) for k in MACHINE_KEYS}


def _time_baseline(bf: BudgetFile, fingerprint: dict[str, Any]) -> tuple[bool, str]:
    """Whether times compare on this machine, and the note that says so."""
    if not bf.baseline.is_file():
        return False, (
            f"time check skipped: no baseline {bf.baseline} (--update-snapshots writes it)"
        )
    stored = json.loads(bf.baseline.read_text(encoding="utf-8")).get("machine", {})
    differs = [k for k in MACHINE_KEYS if stored.get(k) != _machine(fingerprint).get(k)]
    if differs:
        return False, (
            f"time check skipped: the baseline was measured on another machine "
            f"({', '.join(differs)} differ); times are not compared across machines"
        )
    return True, "time compared: same machine fingerprint as the baseline"


def run_guard(
    admin_dsn: str,
    bf: BudgetFile,
    say: Say,
    *,
    update_snapshots: bool = False,
    strict_time: bool = False,
) -> GuardResult:
    """Measure and judge every budget of `bf`; with `update_snapshots`, rewrite the plan
    snapshots and the time baseline instead of comparing shapes."""
    groups: dict[tuple[str, int], list[Budget]] = {}
    for budget in bf.budgets:
        groups.setdefault((budget.scale, budget.seed), []).append(budget)
    checks: list[Check] = []
    fingerprint: dict[str, Any] = {}
    timings: dict[str, float] = {}
    comparable, note = False, ""
    for (scale, seed), budgets in groups.items():
        scenario = build_scenario(scale, seed=seed, market=bf.market)
        dsn = datasets.ensure_dataset(admin_dsn, scenario, say)
        pin_statistics(dsn, bf.statistics_target)
        as_of = bench_as_of(dsn)
        queries = {q.name: q for q in dashboard_queries(as_of)}
        with connect(dsn, autocommit=True) as conn:
            viewpoints = {v.name: v for v in choose_viewpoints(conn)}
            fingerprint = machine_fingerprint(conn)
        if not note:
            comparable, note = _time_baseline(bf, fingerprint)
        for budget in budgets:
            viewpoint = viewpoints.get(budget.viewpoint)
            if viewpoint is None:
                raise UserError(
                    f"dataset {scale} seed {seed} has no {budget.viewpoint} viewpoint "
                    "(no tenant with an active member): pick another scale or seed"
                )
            for mode in budget.plans:
                check = _check(dsn, bf, budget, mode, queries[budget.query], viewpoint, bf.runs)
                _judge_shape(bf, check, update_snapshots)
                _judge_time(check, comparable, note, strict_time)
                if check.p95_ms is not None:
                    timings[f"{check.name}.{scale}-s{seed}"] = check.p95_ms
                say(row(check))
                checks.append(check)
    if update_snapshots:
        bf.baseline.parent.mkdir(parents=True, exist_ok=True)
        bf.baseline.write_text(
            json.dumps({"machine": _machine(fingerprint), "p95_ms": timings}, indent=2) + "\n",
            encoding="utf-8",
        )
        note = f"time baseline written to {bf.baseline} with this machine's fingerprint"
    return GuardResult(checks, fingerprint, note)


def _check(
    dsn: str,
    bf: BudgetFile,
    budget: Budget,
    mode: str,
    query: DashboardQuery,
    viewpoint: Viewpoint,
    runs: int,
) -> Check:
    timed = runs if mode == "custom" else 0
    measured = measure(dsn, query.sql, query.params, viewpoint, mode, timed)
    top = measured["doc"]["Plan"]
    nodes = plans.flatten(top)
    shared = int(top.get("Shared Hit Blocks", 0)) + int(top.get("Shared Read Blocks", 0))
    temp = int(top.get("Temp Read Blocks", 0)) + int(top.get("Temp Written Blocks", 0))
    check = Check(budget, mode, shared, temp, settings=measured["settings"])
    if measured["runs_ms"]:
        check.p95_ms = float(np.percentile(np.asarray(measured["runs_ms"]), 95))
    if shared > budget.max_shared_buffers:
        check.breaches.append(f"shared buffers {shared} > budget {budget.max_shared_buffers}")
    if temp > budget.max_temp_buffers:
        check.breaches.append(f"temp buffers {temp} > budget {budget.max_temp_buffers}")
    broken, offending = plans.requirement_breaches(
        nodes, budget.no_seq_scan_on, budget.uses_any_of, budget.no_disk_sort
    )
    check.breaches += broken
    check.plan = plans.trimmed(nodes, offending)
    check.shape = plans.shape_text(nodes)  # replaced by the verdict in _judge_shape
    return check


def _judge_shape(bf: BudgetFile, check: Check, update: bool) -> None:
    now = check.shape
    path = snapshot_path(bf, check.budget, check.mode)
    if update:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(now, encoding="utf-8")
        check.shape = "written"
        return
    if not path.is_file():
        check.shape = "missing"
        check.breaches.append(f"no plan snapshot {path} (run with --update-snapshots)")
        return
    check.diff = plans.shape_diff(path.read_text(encoding="utf-8"), now, check.name)
    check.shape = "changed" if check.diff else "same"
    if check.diff:
        message = f"plan shape changed from {path.name}"
        if check.budget.on_shape_change == "fail":
            check.breaches.append(message)
        else:
            check.warnings.append(message)


def _judge_time(check: Check, comparable: bool, note: str, strict: bool) -> None:
    band = check.budget.p95_ms
    if check.mode == "generic":
        check.time = "custom plan timed"
        return
    if band is None or check.p95_ms is None:
        return
    if not comparable:
        check.time = "skipped"
        if strict:
            check.breaches.append(f"--strict-time, but {note}")
        return
    if check.p95_ms <= band:
        check.time = "within band"
        return
    check.time = "over band"
    message = f"p95 {check.p95_ms:.2f} ms > band {band:g} ms"
    (check.breaches if strict else check.warnings).append(message)


def row(check: Check) -> str:
    """One printed line per check."""
    b = check.budget
    requirements = "ok" if not any(_is_requirement(x) for x in check.breaches) else "BROKEN"
    p95 = "-" if check.p95_ms is None else f"{check.p95_ms:.1f}"
    band = "-" if b.p95_ms is None else f"{b.p95_ms:g}"
    verdict = "FAIL" if check.breaches else ("warn" if check.warnings else "ok")
    return (
        f"{check.name:<52} buffers {check.shared_buffers:>6}/{b.max_shared_buffers:<6} "
        f"temp {check.temp_buffers}/{b.max_temp_buffers}  plan {requirements:<6} "
        f"shape {check.shape:<7} p95 {p95} ms/{band} ({check.time})  {verdict}"
    )


def _is_requirement(message: str) -> bool:
    return message.startswith(("Seq Scan", "uses none")) or "spills to disk" in message


def breach_report(check: Check) -> str:
    """What a failed check prints: the query, the budget, each breach, the trimmed plan."""
    b = check.budget
    lines = [
        f"BREACH {check.name} (scale {b.scale}, seed {b.seed}): budget max_shared_buffers="
        f"{b.max_shared_buffers}, max_temp_buffers={b.max_temp_buffers}"
        + (f", no_seq_scan_on={list(b.no_seq_scan_on)}" if b.no_seq_scan_on else "")
        + (f", uses_any_of={list(b.uses_any_of)}" if b.uses_any_of else ""),
        *[f"  - {x}" for x in check.breaches],
        "  plan (trimmed to the nodes that matter):",
        *[f"    {line}" for line in check.plan.splitlines()],
    ]
    if check.diff:
        lines += ["  shape diff:", *[f"    {line}" for line in check.diff.splitlines()]]
    return "\n".join(lines)
