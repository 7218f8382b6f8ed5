"""PNG plots of a run: p95 latency by strategy per query, sizes, load cost, retention cost."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from wedsync_analytics.bench.report import measured


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def latency_plots(results: dict[str, Any], out: Path) -> list[Path]:
    """One PNG per query: p95 per strategy, a bar per viewpoint."""
    table = measured(results)
    written = []
    for query in sorted({q for q, _ in table}):
        viewpoints = [v for q, v in table if q == query]
        variants = [r["variant"] for r in table[(query, viewpoints[0])]]
        fig, ax = plt.subplots(figsize=(max(6.0, 0.8 * len(variants) + 2), 4))
        width = 0.8 / len(viewpoints)
        x = np.arange(len(variants))
        for i, viewpoint in enumerate(viewpoints):
            p95 = {r["variant"]: r["p95"] or 0.0 for r in table[(query, viewpoint)]}
            ax.bar(x + i * width, [p95.get(v, 0.0) for v in variants], width, label=viewpoint)
        ax.set_xticks(x + width * (len(viewpoints) - 1) / 2, variants, rotation=30, ha="right")
        ax.set_ylabel("p95 ms")
        ax.set_title(f"{query}: p95 latency by strategy")
        ax.legend()
        written.append(_save(fig, out / f"latency_{query}.png"))
    return written


def sizes_plot(results: dict[str, Any], out: Path) -> Path:
    variants = results["variants"]
    names = [v["variant"] for v in variants]
    tables = [v["sizes"]["table_bytes"] / 2**20 for v in variants]
    indexes = [v["sizes"]["index_bytes"] / 2**20 for v in variants]
    fig, ax = plt.subplots(figsize=(max(6.0, 0.7 * len(names) + 2), 4))
    ax.bar(names, tables, label="tables")
    ax.bar(names, indexes, bottom=tables, label="indexes")
    ax.set_ylabel("MiB")
    ax.set_title("Size by strategy")
    ax.tick_params(axis="x", rotation=30)
    ax.legend()
    return _save(fig, out / "sizes.png")


def load_plot(results: dict[str, Any], out: Path) -> Path:
    variants = results["variants"]
    names = [v["variant"] for v in variants]
    tables = sorted({t for v in variants for t in v["load"]})
    fig, ax = plt.subplots(figsize=(max(6.0, 0.8 * len(names) + 2), 4))
    width = 0.8 / max(1, len(tables))
    x = np.arange(len(names))
    for i, t in enumerate(tables):
        rates = [v["load"].get(t, {}).get("rows_per_s", 0.0) / 1000 for v in variants]
        ax.bar(x + i * width, rates, width, label=t)
    ax.set_xticks(x + width * (len(tables) - 1) / 2, names, rotation=30, ha="right")
    ax.set_ylabel("k rows/s (COPY, one chunk)")
    ax.set_title("Load cost by strategy")
    ax.legend(fontsize="small")
    return _save(fig, out / "load_cost.png")


def retention_plot(results: dict[str, Any], out: Path) -> Path | None:
    rows = [v for v in results["variants"] if "retention" in v]
    if not rows:
        return None
    names = [v["variant"] for v in rows]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.bar(names, [v["retention"]["seconds"] for v in rows], label="operation")
    left.bar(
        names,
        [v["retention"]["vacuum_seconds"] for v in rows],
        bottom=[v["retention"]["seconds"] for v in rows],
        label="VACUUM after",
    )
    left.set_ylabel("seconds")
    left.legend()
    right.bar(names, [v["retention"]["wal_bytes"] / 2**20 for v in rows])
    right.set_ylabel("WAL MiB (operation)")
    for ax in (left, right):
        ax.tick_params(axis="x", rotation=20)
    fig.suptitle("Retention cost by strategy")
    return _save(fig, out / "retention.png")


def write_plots(results: dict[str, Any], out: Path) -> list[Path]:
    """Every plot of the run into `out`; returns the files written."""
    written = latency_plots(results, out)
    written += [sizes_plot(results, out), load_plot(results, out)]
    retention = retention_plot(results, out)
    return written + ([retention] if retention else [])
