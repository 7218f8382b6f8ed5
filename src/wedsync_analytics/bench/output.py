"""Writing a run's output directory: results.json, report.md and the PNG plots."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from wedsync_analytics.bench.plots import write_plots
from wedsync_analytics.bench.report import markdown, write_json
from wedsync_analytics.errors import UserError

OUTPUT_FILES = ("results.json", "report.md")


def _ours(path: Path) -> bool:
    """A file a bench run writes."""
    return path.name in OUTPUT_FILES or (
        path.suffix == ".png"
        and (path.stem.startswith("latency_") or path.stem in ("sizes", "load_cost", "retention"))
    )


def check_out_dir(out: Path, ours: Callable[[Path], bool] = _ours, command: str = "bench") -> None:
    """Refuse a directory holding files `command` did not write (checked before the run)."""
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out} is a file: give a directory")
    if out.is_dir():
        foreign = [p.name for p in out.iterdir() if not ours(p)]
        if foreign:
            raise UserError(
                f"--out {out} holds other files (e.g. {foreign[0]}): nothing done; "
                f"give an empty or new directory, or one a previous {command} run wrote"
            )


def write_partial(results: dict[str, Any], out: Path) -> None:
    """results.json of the variants measured so far (an interrupted run keeps them)."""
    check_out_dir(out)
    out.mkdir(parents=True, exist_ok=True)
    write_json(results, out / "results.json")


def write_outputs(results: dict[str, Any], out: Path) -> list[Path]:
    """Write everything (old PNGs of a previous run are replaced); returns the files."""
    check_out_dir(out)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.png"):  # plots of a previous run (check_out_dir: nothing else)
        old.unlink()
    write_json(results, out / "results.json")
    (out / "report.md").write_text(markdown(results), encoding="utf-8")
    return [out / "results.json", out / "report.md", *write_plots(results, out)]
