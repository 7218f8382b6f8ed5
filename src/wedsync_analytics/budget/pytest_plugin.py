"""pytest plugin (entry point `pytest11`): the `query_budget` fixture for users' own tests.

    def test_recent_errors_stay_cheap(query_budget, my_dsn):
        query_budget(my_dsn, "SELECT ... WHERE created_at >= %(since)s", {"since": t},
                     max_shared_buffers=200, no_seq_scan_on=["error_reports"])

The query runs with the guard's pinned settings (JIT off, no parallel workers, UTC) in
each plan mode asked for (custom, generic); a breach fails the test with the plan. A p95
over `p95_ms` is a warning (QueryBudgetTimeWarning) unless `strict_time=True`.
Importing this module costs nothing: the measuring code loads when the fixture is used.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from wedsync_analytics.bench.viewpoints import Viewpoint


class QueryBudgetTimeWarning(UserWarning):
    """A query's p95 exceeded its time band (a warning: wall time is noisy)."""


def _assert_budget(
    dsn: str,
    query: str,
    params: dict[str, Any] | None = None,
    *,
    max_shared_buffers: int,
    max_temp_buffers: int = 0,
    no_seq_scan_on: Sequence[str] = (),
    uses_any_of: Sequence[str] = (),
    no_disk_sort: bool = True,
    plans: Sequence[str] = ("custom",),
    p95_ms: float | None = None,
    runs: int = 5,
    strict_time: bool = False,
    viewpoint: Viewpoint | None = None,
) -> list[dict[str, Any]]:
    """Measure `query` and fail the test on any breach; returns each plan mode's figures."""
    import warnings

    import numpy as np

    from wedsync_analytics.budget import plan as plans_
    from wedsync_analytics.budget.measure import measure

    figures: list[dict[str, Any]] = []
    for mode in plans:
        measured = measure(dsn, query, params or {}, viewpoint, mode, runs if p95_ms else 0)
        top = measured["doc"]["Plan"]
        nodes = plans_.flatten(top)
        shared = int(top.get("Shared Hit Blocks", 0)) + int(top.get("Shared Read Blocks", 0))
        temp = int(top.get("Temp Read Blocks", 0)) + int(top.get("Temp Written Blocks", 0))
        breaches, offending = plans_.requirement_breaches(
            nodes, tuple(no_seq_scan_on), tuple(uses_any_of), no_disk_sort
        )
        if shared > max_shared_buffers:
            breaches.insert(0, f"shared buffers {shared} > budget {max_shared_buffers}")
        if temp > max_temp_buffers:
            breaches.insert(0, f"temp buffers {temp} > budget {max_temp_buffers}")
        p95 = float(np.percentile(measured["runs_ms"], 95)) if measured["runs_ms"] else None
        if p95 is not None and p95_ms is not None and p95 > p95_ms:
            message = f"p95 {p95:.2f} ms > band {p95_ms:g} ms ({mode} plan)"
            if strict_time:
                breaches.append(message)
            else:
                warnings.warn(message, QueryBudgetTimeWarning, stacklevel=2)
        if breaches:
            pytest.fail(
                f"query budget breached ({mode} plan): "
                + "; ".join(breaches)
                + "\nplan (trimmed to the nodes that matter):\n"
                + plans_.trimmed(nodes, offending),
                pytrace=False,
            )
        figures.append(
            {"plan_mode": mode, "shared_buffers": shared, "temp_buffers": temp, "p95_ms": p95}
        )
    return figures


@pytest.fixture
def query_budget() -> Callable[..., list[dict[str, Any]]]:
    """Assert a budget for a query: `query_budget(dsn, sql, params, max_shared_buffers=...,
    max_temp_buffers=0, no_seq_scan_on=(), uses_any_of=(), no_disk_sort=True,
    plans=("custom",), p95_ms=None, runs=5, strict_time=False, viewpoint=None)`."""
    return _assert_budget
