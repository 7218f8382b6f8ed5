"""`wedsync-analytics budget`: the query-budget guard (docs/budgets.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from wedsync_analytics.cli.options import DsnOption
from wedsync_analytics.errors import UserError


def _check_json_target(path: Path) -> None:
    """Refuse to overwrite a file that is not an earlier budget report."""
    if not path.exists():
        return
    try:
        ours = "wedsync_budget_report" in json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError, TypeError, OSError):
        ours = False
    if not ours:
        raise UserError(
            f"--json {path} exists and is not a budget report: nothing done; choose another path"
        )


def budget(
    budgets: Annotated[Path, typer.Option("--budgets", help="Budgets file (TOML).")] = Path(
        "budgets.toml"
    ),
    dsn: DsnOption = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write every figure and verdict to this file.")
    ] = None,
    update_snapshots: Annotated[
        bool,
        typer.Option(help="Rewrite the plan snapshots and the time baseline (this machine)."),
    ] = False,
    strict_time: Annotated[
        bool, typer.Option(help="A p95 over its band fails the run instead of warning.")
    ] = False,
) -> None:
    """Check every query budget: buffers, plan requirements, plan shape, p95 band."""
    from wedsync_analytics.budget.run import breach_report, query_names, run_guard
    from wedsync_analytics.budget.spec import parse_budgets
    from wedsync_analytics.config import resolve_dsn
    from wedsync_analytics.generate import PRESETS

    spec = parse_budgets(budgets, query_names(), list(PRESETS))
    if json_out is not None:
        _check_json_target(json_out)
    console = Console(stderr=True, soft_wrap=True)
    say = lambda line: console.print(line, markup=False, highlight=False)  # noqa: E731
    result = run_guard(
        resolve_dsn(dsn), spec, say, update_snapshots=update_snapshots, strict_time=strict_time
    )
    say(result.time_note)
    for check in result.checks:
        for warning in check.warnings:
            say(f"warning {check.name}: {warning}")
        if check.diff and not check.breaches:  # a shape change this entry only warns about
            say(check.diff.rstrip())
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(result.to_json(), indent=2, default=str) + "\n"
        json_out.write_text(text, encoding="utf-8")
    failed = [c for c in result.checks if c.breaches]
    for check in failed:
        print(breach_report(check))
    total = len(result.checks)
    say(f"{total - len(failed)} of {total} checks within budget")
    if failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add `budget` to the app."""
    app.command("budget")(budget)
