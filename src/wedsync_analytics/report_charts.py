"""Charts of benchmark and capacity reports (their `results.json`) and of engine comparisons,
in the style of `charts` (same `Chart`, palette and layout)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from wedsync_analytics.bench.report import measured
from wedsync_analytics.charts import BAD, MUTED, PALETTE, Chart, new_figure, note_empty
from wedsync_analytics.engine_compare import EngineComparison

STATUS_COLOURS = {
    "reference": PALETTE[0],
    "pass": PALETTE[2],
    "fail": BAD,
    "error": PALETTE[1],
    "skipped": "#e2e8f0",
}


def latency_by_strategy(bench: dict[str, Any]) -> Chart:
    """p95 per strategy for each dashboard query, one bar per viewpoint (log scale)."""
    table = measured(bench)
    queries = sorted({q for q, _ in table})
    fig, axes = new_figure(max(1, len(queries)), 5.5 * max(1, len(queries)), 4.2)
    if not queries:
        note_empty(axes[0], "measured queries")
        return Chart("latency_by_strategy", fig)
    for ax, query in zip(axes, queries, strict=True):
        viewpoints = [v for q, v in table if q == query]
        variants = list(dict.fromkeys(r["variant"] for v in viewpoints for r in table[query, v]))
        width = 0.8 / len(viewpoints)
        x = np.arange(len(variants))
        for i, viewpoint in enumerate(viewpoints):
            p95 = {r["variant"]: r["p95"] for r in table[query, viewpoint]}
            ax.bar(
                x + i * width,
                [p95.get(v) or 0.0 for v in variants],
                width,
                color=PALETTE[i % len(PALETTE)],
                label=viewpoint,
            )
        ax.set_xticks(x + width * (len(viewpoints) - 1) / 2, variants, rotation=25, ha="right")
        ax.set_yscale("log")
        ax.set_ylabel("p95 ms (log scale)")
        ax.set_title(f"{query}: p95 by strategy")
        ax.legend(fontsize=7)
    fig.suptitle(f"Benchmark: scale {bench['scale']}, seed {bench['seed']}, {bench['runs']} runs")
    return Chart("latency_by_strategy", fig)


def capacity_curves(capacity: dict[str, Any]) -> Chart:
    """Per query: measured p95 against volume, the fitted t = a*V^b, the budget line and the
    breach volume when the fit predicts well enough (log-log)."""
    queries = sorted({c["query"] for c in capacity["curves"]})
    fig, axes = new_figure(max(1, len(queries)), 5.5 * max(1, len(queries)), 4.5)
    if not queries:
        note_empty(axes[0], "capacity curves")
        return Chart("capacity_curves", fig)
    budget = float(capacity["budget_ms"])
    rows = [p["rows"] for p in capacity["points"]]
    for ax, query in zip(axes, queries, strict=True):
        grid = np.geomspace(min(rows), max(rows) * 8, 60)
        for i, curve in enumerate(c for c in capacity["curves"] if c["query"] == query):
            colour = PALETTE[i % len(PALETTE)]
            pts = [
                p
                for p in capacity["points"]
                if p["query"] == query and p["variant"] == curve["variant"]
            ]
            ax.plot([p["rows"] for p in pts], [p["p95_ms"] for p in pts], "o", color=colour)
            t = curve["time"]
            ax.plot(
                grid,
                t["a"] * grid ** t["b"],
                "-",
                color=colour,
                label=f"{curve['variant']}: b = {t['b']:.2f}, "
                f"prediction error {100 * t['prediction_error']:.0f} %",
            )
            breach = curve.get("breach")
            if breach and math.isfinite(breach["rows"]) and breach["rows"] <= grid[-1]:
                ax.plot([breach["rows"]], [budget], "X", color=BAD, ms=10)
        ax.axhline(budget, color=BAD, ls="--", label=f"budget {budget:g} ms")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("performance_metrics rows")
        ax.set_ylabel("p95 ms")
        ax.set_title(f"{query}: p95 against volume")
        ax.legend(fontsize=7)
    fig.suptitle(f"Capacity: scale {capacity['scale']}, viewpoint {capacity['viewpoint']}")
    return Chart("capacity_curves", fig)


def retention_cost(bench: dict[str, Any]) -> Chart:
    """Per retention strategy: seconds (operation, VACUUM after), WAL written, and the
    dashboard query's p95 idle against during the operation."""
    rows = [v for v in bench["variants"] if "retention" in v]
    fig, axes = new_figure(3, 13, 4)
    if not rows:
        for ax in axes:
            note_empty(ax, "retention strategy")
        return Chart("retention_cost", fig)
    names = [v["variant"] for v in rows]
    r = [v["retention"] for v in rows]
    x = np.arange(len(names))
    seconds, vacuum = [e["seconds"] for e in r], [e["vacuum_seconds"] for e in r]
    axes[0].bar(x, seconds, color=PALETTE[0], label="operation")
    axes[0].bar(x, vacuum, bottom=seconds, color=PALETTE[1], label="VACUUM after")
    axes[0].set_ylabel("seconds")
    axes[0].legend(fontsize=7)
    axes[1].bar(
        x - 0.2, [e["wal_bytes"] / 2**20 for e in r], 0.4, color=PALETTE[0], label="operation"
    )
    axes[1].bar(
        x + 0.2,
        [e["vacuum_wal_bytes"] / 2**20 for e in r],
        0.4,
        color=PALETTE[1],
        label="VACUUM after",
    )
    axes[1].set_ylabel("WAL MiB")
    axes[1].legend(fontsize=7)
    idle = [e["dashboard_idle"].get("p95_ms") or 0.0 for e in r]
    during = [e["dashboard_during"].get("p95_ms") or 0.0 for e in r]
    axes[2].bar(x - 0.2, idle, 0.4, color=MUTED, label="idle")
    axes[2].bar(x + 0.2, during, 0.4, color=PALETTE[3], label="during retention")
    axes[2].set_ylabel(f"{r[0]['dashboard_query']} p95 ms")
    axes[2].legend(fontsize=7)
    for ax, title in zip(axes, ("time", "WAL written", "dashboard p95"), strict=True):
        ax.set_xticks(x, names, rotation=15)
        ax.set_title(title)
    fig.suptitle(f"What retention costs (rows before {r[0]['as_of']})")
    return Chart("retention_cost", fig)


def engine_agreement(comparison: EngineComparison) -> Chart:
    """A grid of analysis x engine coloured by status; skipped engines are grey and say so."""
    analyses = list(dict.fromkeys(c.analysis for c in comparison.comparisons))
    engines = comparison.engines
    fig, axes = new_figure(1, 1.9 * len(engines) + 3, 0.45 * len(analyses) + 1.5)
    ax = axes[0]
    ax.grid(False)
    cells = {(c.analysis, c.engine): c for c in comparison.comparisons}
    for i, name in enumerate(analyses):
        for j, engine in enumerate(engines):
            c = cells.get((name, engine))
            status = c.status if c else "skipped"
            ax.add_patch(_cell(j, i, STATUS_COLOURS[status]))
            label = status if status != "pass" else f"pass {c.max_diff:.0e}" if c else status
            ax.text(
                j,
                i,
                label,
                ha="center",
                va="center",
                fontsize=8,
                color="white" if status in ("reference", "pass", "fail") else "black",
            )
    ax.set_xlim(-0.5, len(engines) - 0.5)
    ax.set_ylim(len(analyses) - 0.5, -0.5)
    ax.set_xticks(range(len(engines)), engines)
    ax.set_yticks(range(len(analyses)), analyses)
    ax.set_title("Engines side by side (pass: largest relative difference to the reference)")
    return Chart("engine_agreement", fig)


def _cell(x: int, y: int, colour: str) -> Any:
    from matplotlib.patches import Rectangle

    return Rectangle((x - 0.48, y - 0.45), 0.96, 0.9, color=colour)


def engine_seconds(comparison: EngineComparison) -> Chart:
    """Seconds per analysis on each engine that ran (skipped engines are not drawn)."""
    ran = [c for c in comparison.comparisons if c.status in ("reference", "pass", "fail")]
    analyses = list(dict.fromkeys(c.analysis for c in ran))
    engines = list(dict.fromkeys(c.engine for c in ran))
    fig, axes = new_figure(1, 10, 4)
    if not ran:
        note_empty(axes[0], "engine runs")
        return Chart("engine_seconds", fig)
    width = 0.8 / len(engines)
    x = np.arange(len(analyses))
    for i, engine in enumerate(engines):
        secs = {c.analysis: c.seconds for c in ran if c.engine == engine}
        ax_bars = [secs.get(a, 0.0) for a in analyses]
        axes[0].bar(x + i * width, ax_bars, width, color=PALETTE[i], label=engine)
    axes[0].set_xticks(x + width * (len(engines) - 1) / 2, analyses, rotation=20, ha="right")
    axes[0].set_ylabel("seconds (one run, after the engine is prepared)")
    axes[0].legend(fontsize=8)
    return Chart("engine_seconds", fig)
