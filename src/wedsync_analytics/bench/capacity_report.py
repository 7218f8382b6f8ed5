"""Output of a capacity run: results.json, report.md and one PNG per query (curves, points,
budget line), into a directory that holds nothing else."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from wedsync_analytics.bench import output
from wedsync_analytics.bench.report import write_json

PNG_PREFIX = "capacity_"


def _ours(path: Path) -> bool:
    return path.name in ("results.json", "report.md") or (
        path.suffix == ".png" and path.stem.startswith(PNG_PREFIX)
    )


def check_out_dir(out: Path) -> None:
    """Refuse a directory holding files a capacity run did not write (checked before the run)."""
    output.check_out_dir(out, _ours, "capacity")


def markdown(results: dict[str, Any]) -> str:
    """report.md: models, volumes, one line per query and strategy."""
    m = results["machine"]
    out = [
        f"# Capacity curve: scale {results['scale']}, seed {results['seed']}, "
        f"budget {results['budget_ms']:g} ms",
        "",
        f"- viewpoint {results['viewpoint']}; {results['runs']} timed runs per point; "
        f"time = {results['latency']}; pages = {results['pages']}",
        *(f"- {k}: {v}" for k, v in results["models"].items()),
        f"- a breach point is shown only when the prediction error is within "
        f"{100 * results['tolerance']:.0f} %",
        f"- machine: {m['cpu_model']}, {m['cores']} cores; {m['postgresql']}",
        "",
        "## Volumes",
        "",
        "| days | performance_metrics rows | as_of |",
        "|---|---|---|",
        *(f"| {v['days']} | {v['rows']:,} | {v['as_of']} |" for v in results["volumes"]),
        "",
        "## Curves",
        "",
        "| query | strategy | time a·V^b: b | time error on points | predicted / measured "
        "p95 at largest | prediction error | pages per 1000 rows | pages error on points / "
        "prediction | verdict |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for c in results["curves"]:
        t, p = c["time"], c["pages"]
        out.append(
            f"| {c['query']} | {c['variant']} | {t['b']:.3f} | {100 * t['error_on_points']:.0f} % "
            f"| {t['predicted_largest']:.2f} / {t['measured_largest']:.2f} ms "
            f"| {100 * t['prediction_error']:.0f} % | {1000 * p['slope']:.2f} "
            f"| {100 * p['error_on_points']:.0f} % / {100 * p['prediction_error']:.0f} % "
            f"| {c['verdict']} |"
        )
    return "\n".join([*out, *_points(results)]) + "\n"


def _points(results: dict[str, Any]) -> list[str]:
    """One row per query and strategy: p95 ms / pages at each volume."""
    volumes = [v["rows"] for v in results["volumes"]]
    out = [
        "",
        "## Points: p95 ms / pages (shared buffers hit + read) per volume",
        "",
        "| query | strategy | " + " | ".join(f"{v:,} rows" for v in volumes) + " |",
        "|---|---|" + "---|" * len(volumes),
    ]
    for c in results["curves"]:
        cells = {
            p["rows"]: f"{p['p95_ms']:,.1f} / {p['pages']:,}"
            for p in results["points"]
            if p["query"] == c["query"] and p["variant"] == c["variant"]
        }
        row = " | ".join(cells.get(v, "-") for v in volumes)
        out.append(f"| {c['query']} | {c['variant']} | {row} |")
    return out


def plot_query(results: dict[str, Any], query: str, out: Path) -> Path:
    """Log-log p95 against rows per strategy: points, fitted curve, budget line."""
    fig, ax = plt.subplots(figsize=(7, 4.5))
    rows = [p["rows"] for p in results["points"]]
    grid = np.geomspace(min(rows), max(rows) * 4, 50)
    for c in (c for c in results["curves"] if c["query"] == query):
        pts = [p for p in results["points"] if p["query"] == query and p["variant"] == c["variant"]]
        dots = ax.plot([p["rows"] for p in pts], [p["p95_ms"] for p in pts], "o")[0]
        t = c["time"]
        ax.plot(grid, t["a"] * grid ** t["b"], "-", color=dots.get_color(), label=c["variant"])
    ax.axhline(results["budget_ms"], color="red", linestyle="--", label="budget")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("performance_metrics rows")
    ax.set_ylabel("p95 ms")
    ax.set_title(f"{query}: p95 against volume (fit t = a·V^b)")
    ax.legend(fontsize="small")
    fig.tight_layout()
    path = out / f"{PNG_PREFIX}{query}.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def write_outputs(results: dict[str, Any], out: Path) -> list[Path]:
    """Everything into `out` (PNGs of a previous run are replaced); returns the files."""
    check_out_dir(out)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob(f"{PNG_PREFIX}*.png"):
        old.unlink()
    write_json(results, out / "results.json")
    (out / "report.md").write_text(markdown(results), encoding="utf-8")
    queries = sorted({c["query"] for c in results["curves"]})
    return [
        out / "results.json",
        out / "report.md",
        *(plot_query(results, q, out) for q in queries),
    ]
