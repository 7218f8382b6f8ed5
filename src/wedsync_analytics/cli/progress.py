"""Progress bars and the rows summary shared by `generate` and `load`."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from wedsync_analytics.generate.scenario import Scenario
from wedsync_analytics.load import Progress as ProgressFn


class RateColumn(ProgressColumn):
    """Rows per second of a task."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} rows/s" if speed else "", style="progress.data.speed")


@contextmanager
def table_bars(console: Console) -> Iterator[tuple[ProgressFn, dict[str, float]]]:
    """A progress callback drawing one bar per table, and the seconds spent per table."""
    seconds: dict[str, float] = {}
    started: dict[str, float] = {}
    columns = (
        TextColumn("{task.description:<26}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as bar:
        tasks: dict[str, TaskID] = {}

        def progress(name: str, done: int, total: int) -> None:
            if name not in tasks:
                tasks[name] = bar.add_task(name, total=max(total, 1))
                started[name] = time.perf_counter()
            bar.update(tasks[name], total=max(total, 1), completed=done if total else 1)
            seconds[name] = time.perf_counter() - started[name]

        yield progress, seconds


def rows_table(
    scenario: Scenario,
    counts: dict[str, int],
    seconds: dict[str, float] | None,
    note: str = "",
    wall: float | None = None,
) -> Table:
    """Rows (and seconds, rows/s) per table, with the scenario as the title.

    The total's seconds are `wall` when given (tables written in parallel overlap).
    """
    title = (
        f"scale {scenario.scale}, seed {scenario.seed}, market {scenario.market}, "
        f"{scenario.start} + {scenario.days} days, {scenario.suppliers} suppliers, "
        f"{scenario.couples} couples{note}"
    )
    out = Table(title=title)
    out.add_column("table")
    out.add_column("rows", justify="right")
    if seconds is not None:
        out.add_column("seconds", justify="right")
        out.add_column("rows/s", justify="right")
    for name, n in counts.items():
        if seconds is None:
            out.add_row(name, f"{n:,}")
        elif name not in seconds:  # parts written in parallel: no time of its own
            out.add_row(name, f"{n:,}", "", "")
        else:
            s = seconds[name]
            out.add_row(name, f"{n:,}", f"{s:.2f}", f"{n / s:,.0f}" if s > 0 else "")
    total = sum(counts.values())
    if seconds is None:
        out.add_row("total", f"{total:,}", style="bold")
    else:
        s = sum(seconds.values()) if wall is None else wall
        out.add_row(
            "total", f"{total:,}", f"{s:.2f}", f"{total / s:,.0f}" if s else "", style="bold"
        )
    return out
