"""Budgets files (`budgets.toml`): what each dashboard query may cost, read and validated.

Every key and value is checked; anything unknown is one `UserError` line naming the file,
the entry and what to write instead (docs/budgets.md describes the format).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wedsync_analytics.errors import UserError

VIEWPOINTS = ("platform", "large_tenant", "small_tenant")
PLAN_MODES = ("custom", "generic")
ON_CHANGE = ("fail", "warn")

# Keys of [settings]: name -> (type, default).
SETTINGS: dict[str, tuple[type, Any]] = {
    "scale": (str, "tiny"),
    "seed": (int, 3),
    "market": (str, "us"),
    "statistics_target": (int, 1000),
    "runs": (int, 5),
    "snapshots": (str, "budgets/plans"),
    "baseline": (str, "budgets/baseline.json"),
}
# Keys of one [[budget]]: name -> type (lists hold strings).
ENTRY_KEYS: dict[str, type] = {
    "query": str,
    "viewpoint": str,
    "scale": str,
    "seed": int,
    "plans": list,
    "max_shared_buffers": int,
    "max_temp_buffers": int,
    "no_seq_scan_on": list,
    "uses_any_of": list,
    "no_disk_sort": bool,
    "p95_ms": float,
    "on_shape_change": str,
}
REQUIRED = ("query", "viewpoint", "max_shared_buffers")


@dataclass(frozen=True)
class Budget:
    """One query as one viewpoint, at one scale and seed: its limits and plan requirements."""

    query: str
    viewpoint: str
    scale: str
    seed: int
    max_shared_buffers: int
    max_temp_buffers: int = 0
    plans: tuple[str, ...] = ("custom",)
    no_seq_scan_on: tuple[str, ...] = ()
    uses_any_of: tuple[str, ...] = ()
    no_disk_sort: bool = True
    p95_ms: float | None = None
    on_shape_change: str = "fail"

    @property
    def key(self) -> str:
        return f"{self.query}.{self.viewpoint}"


@dataclass(frozen=True)
class BudgetFile:
    """A parsed budgets file: its settings, entries, and where its snapshots live."""

    path: Path
    market: str
    statistics_target: int
    runs: int
    snapshots: Path
    baseline: Path
    budgets: list[Budget] = field(default_factory=list)


def _typed(where: str, key: str, value: Any, want: type) -> Any:
    if want is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    ok = isinstance(value, want) and not (want is int and isinstance(value, bool))
    if not ok:
        raise UserError(f"{where}: {key} = {value!r} is not {want.__name__}: fix the value")
    if want is list:
        if not all(isinstance(v, str) for v in value):
            raise UserError(f"{where}: {key} must be a list of strings")
        return tuple(value)
    if want in (int, float) and value < 0:
        raise UserError(f"{where}: {key} = {value} is negative: use 0 or more")
    return value


def _choice(where: str, key: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise UserError(f"{where}: unknown {key} {value!r}: choose from {', '.join(allowed)}")


def parse_budgets(path: Path, known_queries: list[str], scales: list[str]) -> BudgetFile:
    """Read and validate `path`; `known_queries` and `scales` are the valid names."""
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"budgets file {path} not found: pass an existing --budgets FILE") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: not valid TOML ({exc}): fix the file") from None
    for key in doc:
        if key not in ("settings", "budget"):
            raise UserError(f"{path}: unknown table [{key}]: use [settings] and [[budget]]")
    raw_settings = doc.get("settings", {})
    settings: dict[str, Any] = {}
    for key, value in raw_settings.items():
        if key not in SETTINGS:
            raise UserError(f"{path} [settings]: unknown key {key!r}: use {', '.join(SETTINGS)}")
        settings[key] = _typed(f"{path} [settings]", key, value, SETTINGS[key][0])
    merged = {k: settings.get(k, default) for k, (_, default) in SETTINGS.items()}
    _choice(f"{path} [settings]", "scale", merged["scale"], tuple(scales))
    if merged["runs"] < 1 or merged["statistics_target"] < 1:
        raise UserError(f"{path} [settings]: runs and statistics_target must be at least 1")
    entries = doc.get("budget", [])
    if not isinstance(entries, list) or not entries:
        raise UserError(f"{path}: no [[budget]] entries: add at least one")
    budgets: list[Budget] = []
    seen: set[tuple[str, str, str, int]] = set()
    for i, raw in enumerate(entries, 1):
        budget = _entry(f"{path} [[budget]] #{i}", raw, merged, known_queries, scales)
        ident = (budget.query, budget.viewpoint, budget.scale, budget.seed)
        if ident in seen:
            raise UserError(f"{path} [[budget]] #{i}: {budget.key} appears twice: keep one")
        seen.add(ident)
        budgets.append(budget)
    base = path.parent
    return BudgetFile(
        path,
        merged["market"],
        merged["statistics_target"],
        merged["runs"],
        base / merged["snapshots"],
        base / merged["baseline"],
        budgets,
    )


def _entry(
    where: str,
    raw: dict[str, Any],
    settings: dict[str, Any],
    known_queries: list[str],
    scales: list[str],
) -> Budget:
    for key in raw:
        if key not in ENTRY_KEYS:
            raise UserError(f"{where}: unknown key {key!r}: use {', '.join(ENTRY_KEYS)}")
    for key in REQUIRED:
        if key not in raw:
            raise UserError(f"{where}: {key} is missing: every budget needs {', '.join(REQUIRED)}")
    values = {k: _typed(where, k, v, ENTRY_KEYS[k]) for k, v in raw.items()}
    _choice(where, "query", values["query"], tuple(known_queries))
    _choice(where, "viewpoint", values["viewpoint"], VIEWPOINTS)
    values.setdefault("scale", settings["scale"])
    values.setdefault("seed", settings["seed"])
    _choice(where, "scale", values["scale"], tuple(scales))
    for mode in values.get("plans", ()):
        _choice(where, "plan", mode, PLAN_MODES)
    if "plans" in values and not values["plans"]:
        raise UserError(f"{where}: plans is empty: use custom, generic or both")
    _choice(where, "on_shape_change", values.get("on_shape_change", "fail"), ON_CHANGE)
    return Budget(**values)
