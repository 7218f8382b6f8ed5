"""Charts of the analyses, benchmark and capacity reports, and engine comparisons (matplotlib).

Every chart is a `Chart`: a named matplotlib Figure built without pyplot (no global state,
any backend), shown inline by Jupyter (`_repr_png_`) and saved as `<name>.png`. One style
throughout: `PALETTE`, grid lines, titles that say what is plotted and in which unit.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from wedsync_analytics.engines.polars.web_vitals import THRESHOLDS

if TYPE_CHECKING:
    from wedsync_analytics.analyses.runner import EngineResult

PALETTE = ("#2b6cb0", "#dd6b20", "#38a169", "#805ad5", "#d69e2e", "#319795", "#e53e3e")
MUTED = "#a0aec0"
BAD = "#e53e3e"
DPI = 100
PNG_PREFIX = "analysis_"  # the files `save_analysis_charts` writes


@dataclass(frozen=True)
class Chart:
    """A named figure; Jupyter shows it, `save` writes `<folder>/<name>.png`."""

    name: str
    figure: Figure

    def png(self) -> bytes:
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=DPI)
        return buffer.getvalue()

    def _repr_png_(self) -> bytes:
        return self.png()

    def save(self, folder: Path, prefix: str = "") -> Path:
        """Write `<folder>/<prefix><name>.png`; its path."""
        path = Path(folder) / f"{prefix}{self.name}.png"
        self.figure.savefig(path, format="png", dpi=DPI)
        return path


def new_figure(
    ncols: int = 1, width: float = 8.0, height: float = 4.0, nrows: int = 1
) -> tuple[Figure, list[Axes]]:
    """A figure of `nrows` x `ncols` axes (row by row) in the common style."""
    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax in axes:
        ax.grid(True, alpha=0.3)
        ax.set_axisbelow(True)
    return fig, list(axes)


def note_empty(ax: Axes, what: str) -> None:
    ax.text(0.5, 0.5, f"no {what} in this window", ha="center", va="center", color=MUTED)
    ax.set_xticks([])
    ax.set_yticks([])


# ---- the analyses -------------------------------------------------------------------------


def percentiles_chart(frame: pl.DataFrame) -> Chart:
    """The busiest series' p50/p95/p99 per hour, and p95 per service for its metric."""
    fig, (left, right) = new_figure(2, 11)
    if frame.is_empty():
        note_empty(left, "performance metrics")
        note_empty(right, "performance metrics")
        return Chart("percentiles", fig)
    keys = ["organization_id", "service_name", "metric_type", "metric_unit"]
    top = frame.group_by(keys).agg(pl.col("sample_count").sum()).sort("sample_count").row(-1)
    series = frame.filter(*[pl.col(k) == v for k, v in zip(keys, top, strict=False)])
    series = series.sort("time_bucket")
    for i, q in enumerate(("p50", "p95", "p99")):
        left.plot(
            series["time_bucket"].to_list(),
            series[q].to_list(),
            "o-",
            ms=3,
            color=PALETTE[i],
            label=q,
        )
    left.set_title(f"{top[1]} {top[2]}, busiest tenant, per hour (UTC)")
    left.set_ylabel(str(top[3]))
    left.legend()
    left.tick_params(axis="x", rotation=30)
    metric = frame.filter(pl.col("metric_type") == top[2])
    services = sorted(metric["service_name"].unique().to_list())
    per_service = [metric.filter(pl.col("service_name") == s)["p95"].drop_nulls() for s in services]
    right.boxplot([p.to_list() for p in per_service], tick_labels=services)
    right.set_title(f"{top[2]}: p95 of each tenant-hour, per service")
    right.set_ylabel(str(top[3]))
    right.tick_params(axis="x", rotation=40)
    return Chart("percentiles", fig)


def funnel_chart(frame: pl.DataFrame) -> Chart:
    """Per funnel: users reaching each step (complete cohorts solid, incomplete hatched) and
    each cohort's conversion to the last step (incomplete cohorts marked)."""
    funnels = frame["funnel"].unique(maintain_order=True).to_list() if frame.height else []
    rows_n = max(1, len(funnels))
    fig, axes = new_figure(2, 11, 3.8 * rows_n, nrows=rows_n)
    if not funnels:
        note_empty(axes[0], "funnel cohorts")
        note_empty(axes[1], "funnel cohorts")
        return Chart("funnels", fig)
    for k, name in enumerate(funnels):
        bars, line = axes[2 * k], axes[2 * k + 1]
        rows = frame.filter(pl.col("funnel") == name)
        steps = (
            rows.group_by("step_number", "step_name")
            .agg(
                pl.col("users").filter(pl.col("cohort_complete")).sum().alias("complete"),
                pl.col("users").filter(~pl.col("cohort_complete")).sum().alias("incomplete"),
            )
            .sort("step_number")
        )
        x = list(range(steps.height))
        bars.bar(x, steps["complete"].to_list(), color=PALETTE[k], label="complete cohorts")
        bars.bar(
            x,
            steps["incomplete"].to_list(),
            bottom=steps["complete"].to_list(),
            color="white",
            edgecolor=PALETTE[k],
            hatch="//",
            label="incomplete cohorts (window still open)",
        )
        first = steps["complete"][0] or 0
        for i, users in enumerate(steps["complete"].to_list()):
            if first:
                bars.annotate(
                    f"{100 * users / first:.0f} %", (i, users), ha="center", va="bottom", fontsize=8
                )
        bars.set_xticks(x, steps["step_name"].to_list(), rotation=25, ha="right")
        bars.set_ylabel("users")
        bars.set_title(f"{name} funnel: users per step (% of complete cohorts' step 1)")
        bars.legend(fontsize=7)
        last = rows.filter(pl.col("step_number") == rows["step_number"].max()).sort("cohort_date")
        for complete, style in ((True, "o-"), (False, "x")):
            part = last.filter(pl.col("cohort_complete") == complete)
            line.plot(
                part["cohort_date"].to_list(),
                [100 * (v or 0.0) for v in part["conversion_overall"].to_list()],
                style,
                color=PALETTE[k] if complete else MUTED,
                label="complete" if complete else "incomplete: not final yet",
            )
        line.set_ylabel("% of cohort reaching the last step")
        line.set_title(f"{name}: conversion by cohort day (UTC)")
        line.tick_params(axis="x", rotation=30)
        line.legend(fontsize=7)
    return Chart("funnels", fig)


def _minutes(values: Iterable[float | None]) -> list[float]:
    return [(v or 0.0) / 60 for v in values]


def incident_response_chart(frame: pl.DataFrame) -> Chart:
    """Median and p95 time to acknowledge and to resolve per severity and wedding impact."""
    fig, axes = new_figure(2, 12, 4.5)
    if frame.is_empty():
        note_empty(axes[0], "incidents")
        note_empty(axes[1], "incidents")
        return Chart("incident_response", fig)
    rows = frame.sort("severity", "wedding_impact")
    labels = [
        f"{s} / {w} (n={n})"
        for s, w, n in rows.select("severity", "wedding_impact", "total_incidents").iter_rows()
    ]
    y = list(range(rows.height))
    for ax, what, prefix in ((axes[0], "acknowledge", "mtta"), (axes[1], "resolve", "mttr")):
        ax.barh(
            [v + 0.2 for v in y],
            _minutes(rows[f"{prefix}_p50_seconds"]),
            0.4,
            color=PALETTE[0],
            label="median",
        )
        ax.barh(
            [v - 0.2 for v in y],
            _minutes(rows[f"{prefix}_p95_seconds"]),
            0.4,
            color=PALETTE[1],
            label="p95",
        )
        ax.set_yticks(y, labels if ax is axes[0] else [""] * len(y), fontsize=8)
        ax.set_xlabel("minutes")
        ax.set_title(f"time to {what}")
        ax.legend(fontsize=8)
    fig.suptitle("Incident response by severity / wedding impact")
    return Chart("incident_response", fig)


def web_vitals_chart(frame: pl.DataFrame) -> Chart:
    """LCP, INP and CLS at p75 per device and season, with Google's good/poor thresholds."""
    fig, axes = new_figure(3, 13, 4)
    if frame.is_empty():
        for ax in axes:
            note_empty(ax, "web vitals")
        return Chart("web_vitals", fig)
    # p75 over page groups weighted by samples is not a p75: show each device's worst group
    worst = (
        frame.group_by("season", "device_type")
        .agg(pl.col("lcp_p75", "inp_p75", "cls_p75").max())
        .sort("device_type", "season")
    )
    seasons = sorted(worst["season"].unique().to_list())
    devices = sorted(worst["device_type"].unique().to_list())
    width = 0.8 / len(seasons)
    for ax, metric in zip(axes, ("lcp", "inp", "cls"), strict=True):
        for i, season in enumerate(seasons):
            part = {
                d: v
                for d, v in worst.filter(pl.col("season") == season)
                .select("device_type", f"{metric}_p75")
                .iter_rows()
            }
            ax.bar(
                [d + i * width for d in range(len(devices))],
                [part.get(d) or 0.0 for d in devices],
                width,
                color=PALETTE[i],
                label=season,
            )
        good, poor = THRESHOLDS[metric]
        ax.axhline(good, color=PALETTE[2], ls="--", lw=1, label=f"good <= {good:g}")
        ax.axhline(poor, color=BAD, ls="--", lw=1, label=f"poor > {poor:g}")
        ax.set_xticks([d + width * (len(seasons) - 1) / 2 for d in range(len(devices))], devices)
        ax.set_title(f"{metric.upper()} p75 (worst page group)")
        ax.set_ylabel("" if metric == "cls" else "ms")
    axes[0].legend(fontsize=7)
    return Chart("web_vitals", fig)


def incident_days_chart(splits: pl.DataFrame) -> Chart:
    """Median minutes to acknowledge and to resolve per kind of day (`incident_days.all_splits`),
    one panel per split, each bar labelled with its number of incidents."""
    names = splits["split"].unique(maintain_order=True).to_list() if splits.height else []
    fig, axes = new_figure(max(1, len(names)), 4.2 * max(1, len(names)), 4)
    if not names:
        note_empty(axes[0], "incidents")
        return Chart("incident_days", fig)
    for ax, name in zip(axes, names, strict=True):
        rows = splits.filter(pl.col("split") == name)
        x = list(range(rows.height))
        ack = [v or 0.0 for v in rows["acknowledge_p50_min"].to_list()]
        res = [v or 0.0 for v in rows["resolve_p50_min"].to_list()]
        ax.bar([v - 0.2 for v in x], ack, 0.4, color=PALETTE[0], label="acknowledge (median)")
        ax.bar([v + 0.2 for v in x], res, 0.4, color=PALETTE[1], label="resolve (median)")
        for i, n in enumerate(rows["incidents"].to_list()):
            ax.annotate(f"n={n}", (i, max(ack[i], res[i])), ha="center", va="bottom", fontsize=8)
        ax.set_xticks(x, rows["group"].to_list(), rotation=15)
        ax.set_ylabel("minutes")
        ax.set_title(name.replace("_", " "))
    axes[0].legend(fontsize=7)
    fig.suptitle("Incident response by kind of day (local time, ISO weekdays: Saturday = 6)")
    return Chart("incident_days", fig)


ANALYSIS_CHARTS = {
    "percentiles": percentiles_chart,
    "funnel_conversion": funnel_chart,
    "incident_response": incident_response_chart,
    "web_vitals": web_vitals_chart,
}


def analysis_charts(frames: dict[str, pl.DataFrame]) -> list[Chart]:
    """A chart for each analysis in `frames` that has one (ANALYSIS_CHARTS)."""
    return [draw(frames[name]) for name, draw in ANALYSIS_CHARTS.items() if name in frames]


def save_analysis_charts(results: Sequence[EngineResult], out_dir: Path) -> list[Path]:
    """PNG charts of analysis results (`analyses.run_all`) into `out_dir`; the files written.

    The first successful frame of each analysis is drawn (all engines agree when validated).
    `out_dir` is created if needed; it may hold only files this function writes.
    """
    from wedsync_analytics.bench.output import check_out_dir

    out = Path(out_dir)
    check_out_dir(out, lambda p: p.suffix == ".png" and p.stem.startswith(PNG_PREFIX), "charts")
    out.mkdir(parents=True, exist_ok=True)
    frames: dict[str, pl.DataFrame] = {}
    for r in results:
        if r.frame is not None:
            frames.setdefault(r.analysis, r.frame)
    return [chart.save(out, PNG_PREFIX) for chart in analysis_charts(frames)]
