"""Calibration: every calibrated figure, measured on generated data, against its target.

`measure()` generates the calibration scenarios (below) and returns each figure's value;
`render()` writes them as docs/calibration.md; tests/test_generate_calibration.py checks
each figure against its accepted range (the stated tolerance) and that the document is
what `render(measure())` gives. Regenerate the document with
`python -m wedsync_analytics.generate.calibration docs/calibration.md`.

Scenarios: `SCENARIO` (scale small, seed 1, US, 2025-03-01 + 120 days: two off-season
and two season months) is generated whole for the table figures; `WEDDING_SCALE` worlds
(no rows generated) give the wedding dates of both markets and the sign-up funnels.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import cache

import numpy as np
import polars as pl

from wedsync_analytics.generate import weddings
from wedsync_analytics.generate.business import funnel
from wedsync_analytics.generate.calibration_targets import SOURCES, TARGETS, Target
from wedsync_analytics.generate.scenario import Scenario, build_scenario
from wedsync_analytics.generate.tables import chunks, table
from wedsync_analytics.generate.world import COUPLE, SUPPLIER, World

SCENARIO = build_scenario("small", seed=1, market="us", start="2025-03-01", days=120)
WEDDING_SCALE = "peak"
FUNNEL_SEEDS = range(1, 9)
DAY_US = 86_400_000_000


@dataclass(frozen=True)
class Figure:
    """One measured figure with its target."""

    key: str
    target: Target
    value: float

    @property
    def ok(self) -> bool:
        return self.target.low <= self.value <= self.target.high


def _frame(w: World, name: str) -> pl.DataFrame:
    return pl.concat(list(chunks(w, table(name), 1_000_000)))


def _weddings(code: str) -> dict[str, float]:
    w = World(build_scenario(WEDDING_SCALE, seed=1, market=code))
    d = w.wedding_date[w.org_kind == COUPLE].astype("datetime64[D]")
    month = d.astype("datetime64[M]").astype(np.int64) % 12
    dow = (d.astype(np.int64) + 3) % 7  # ISO index, 0 = Monday
    month_share = np.bincount(month, minlength=12) / len(d)
    dow_share = np.bincount(dow, minlength=7) / len(d)
    dev = np.abs(month_share - np.asarray(w.market.month_share)).max()
    return {
        f"wedding_month_max_dev_{code}": 100 * dev,
        f"wedding_saturday_{code}": 100 * dow_share[5],
        f"wedding_fri_sun_{code}": 100 * dow_share[4:].sum(),
        f"wedding_peak_month_{code}": 100 * month_share.max(),
    }


def _funnels() -> dict[str, float]:
    """Sign-up cohorts pooled over FUNNEL_SEEDS (one scenario has few recent sign-ups)."""
    parts = []
    for seed in FUNNEL_SEEDS:
        w = World(build_scenario(WEDDING_SCALE, seed=seed, market="us"))
        f = pl.DataFrame(funnel(w))
        first = f.filter(pl.col("step") == 0).select("user", "kind", t0="ts")
        last = f.filter(pl.col("step") == 3).select("user", t3="ts")
        parts.append(first.join(last, on="user", how="left").with_columns(seed=seed))
    c = pl.concat(parts)
    out = {}
    for name, kind, window, since in (
        ("funnel_supplier_paid", SUPPLIER, 14, None),
        ("funnel_supplier_recent", SUPPLIER, 14, 60),
        ("funnel_couple_guests", COUPLE, 30, None),
    ):
        cut = w.end_us - window * DAY_US
        lo = cut - since * DAY_US if since else 0
        cohort = c.filter((pl.col("kind") == kind) & pl.col("t0").is_between(lo, cut))
        done = cohort.filter(pl.col("t3") - pl.col("t0") <= window * DAY_US).height
        out[name] = 100 * done / max(cohort.height, 1)
    signup = c["t0"].to_numpy()
    third = w.start_us + 2 * (w.end_us - w.start_us) // 3
    out["signups_last_third"] = 100 * _share(signup >= third)
    return out


def _traffic(w: World, pm: pl.DataFrame) -> dict[str, float]:
    ts = pm["timestamp"].dt.epoch("us").to_numpy()
    days = w.calendar.day_index[w.calendar.hour_of(ts)]
    obs = np.bincount(days, minlength=w.s.days).astype(float)
    cal = np.bincount(w.calendar.day_index, weights=w.calendar.expected_share)
    ratio = obs / (cal * len(ts))
    load = weddings.day_load(w.wedding_date, np.datetime64(w.s.start, "D"), w.s.days)
    org = pm["organization_id"].value_counts()["count"].to_numpy()
    tenants = w.n_orgs - 1
    top = np.sort(org)[::-1][: max(1, tenants // 10)].sum()
    lag = (pm["created_at"] - pm["timestamp"]).dt.total_microseconds().to_numpy()
    late = lag > 60_000_000
    return {
        "wedding_day_lift": 100 * (ratio[load > 0].mean() / ratio[load == 0].mean() - 1),
        "tenant_top10_share": 100 * top / len(ts),
        "late_share": 100 * _share(late),
        "late_median_min": float(np.median(lag[late])) / 60e6,
    }


def _errors(w: World) -> dict[str, float]:
    e = _frame(w, "error_reports")
    bg = e.head(w.background_errors)
    fp = e["fingerprint"].value_counts()["count"].sort(descending=True).to_numpy()
    api = _frame(w, "api_performance")
    gw = api.filter(pl.col("service_name") == "api-gateway")
    limited = set(gw.filter(pl.col("status_code") == 429)["endpoint_path"].to_list())
    rate = set(e.filter(pl.col("error_type") == "RateLimitError")["endpoint_path"].to_list())
    path = e["request_data"].str.json_path_match("$.path").str.replace_all(r"/[0-9]+", "/{id}")
    incidents = _frame(w, "incidents")
    groups = _frame(w, "error_groups")
    return {
        "error_critical_background": 100 * _share(bg["severity"] == "critical"),
        "error_fingerprints": float(len(fp)),
        "error_top10_fingerprints": 100 * fp[: max(1, len(fp) // 10)].sum() / fp.sum(),
        "incidents_escalated": 100 * _share(incidents["escalation_level"] > 0),
        "gateway_429_share": 100 * _share(gw["status_code"] == 429),
        "rate_limit_endpoints_without_429": float(len(rate - limited)),
        "request_path_mismatch": float((path != e["endpoint_path"]).sum()),
        "error_groups_regressed": float((groups["regression_count"] > 0).sum()),
    }


def _operations(w: World) -> dict[str, float]:
    nq = _frame(w, "notification_queue")
    rev = _frame(w, "revenue_metrics")
    months = rev.filter(pl.col("metric_type") == "mrr").height / 30.44
    tp = _frame(w, "third_party_services")
    return {
        "notifications_retried": 100 * _share(nq["attempts"] > 1),
        "monthly_churn": 100
        * float(rev["churned_subscriptions"].to_numpy().sum())
        / max(months, 1.0),
        "third_party_min_uptime": float(tp["uptime_percentage"].to_numpy().min()),
    }


def _share(mask: pl.Series | np.ndarray) -> float:
    """Share of true values (nulls dropped)."""
    values = mask.drop_nulls().to_numpy() if isinstance(mask, pl.Series) else mask
    return float(np.mean(values))


def _p75(s: pl.Series) -> float:
    return float(s.drop_nulls().quantile(0.75, interpolation="linear") or 0.0)


def _vitals(w: World) -> dict[str, float]:
    v = _frame(w, "core_web_vitals").with_columns(
        season=pl.col("wedding_workflow_context").str.json_path_match("$.is_wedding_season")
    )
    out: dict[str, float] = {}
    for dev in ("mobile", "desktop"):
        d = v.filter(pl.col("device_type") == dev)
        out[f"lcp_p75_{dev}"] = _p75(d["lcp_value"])
        out[f"inp_p75_{dev}"] = _p75(d["inp_value"])
        out[f"cls_p75_{dev}"] = _p75(d["cls_value"])
        out[f"lcp_good_{dev}"] = 100 * _share(d["lcp_value"] <= 2500)
        out[f"inp_good_{dev}"] = 100 * _share(d["inp_value"].drop_nulls() <= 200)
        out[f"cls_good_{dev}"] = 100 * _share(d["cls_value"] <= 0.1)
        groups = d.group_by("page_group").agg(
            pl.col("lcp_value").quantile(0.75, interpolation="linear") <= 2500,
            pl.col("inp_value").quantile(0.75, interpolation="linear").fill_null(0) <= 200,
            pl.col("cls_value").quantile(0.75, interpolation="linear") <= 0.1,
        )
        passing = groups.filter(pl.all_horizontal("lcp_value", "inp_value", "cls_value"))
        out[f"cwv_pass_groups_{dev}"] = 100 * passing.height / groups.height
    rating = v["performance_rating"].value_counts(normalize=True)
    shares = dict(
        zip(rating["performance_rating"].cast(pl.String), rating["proportion"], strict=True)
    )
    out["rating_good"] = 100 * shares.get("good", 0.0)
    out["rating_poor"] = 100 * shares.get("poor", 0.0)
    out["cls_zero"] = 100 * _share(v["cls_value"] == 0)
    out["inp_missing"] = 100 * _share(v["inp_value"].is_null())
    mobile = v.filter(pl.col("device_type") == "mobile")
    on = _p75(mobile.filter(pl.col("season") == "true")["lcp_value"])
    off = _p75(mobile.filter(pl.col("season") == "false")["lcp_value"])
    out["lcp_season_vs_off"] = 100 * (on / off - 1)
    out["distinct_urls"] = float(v["page_url"].n_unique())
    top = v["page_group"].value_counts()["count"].to_numpy().max()
    out["top_route_share"] = 100 * float(top) / v.height
    return out


@cache
def measure(scenario: Scenario = SCENARIO) -> tuple[Figure, ...]:
    """Every figure of TARGETS, measured (deterministic: fixed scenarios and seeds)."""
    w = World(scenario)
    pm = _frame(w, "performance_metrics")
    values = {
        **_weddings("us"),
        **_weddings("uk"),
        **_funnels(),
        **_traffic(w, pm),
        **_errors(w),
        **_operations(w),
        **_vitals(w),
    }
    return tuple(Figure(k, t, float(values[k])) for k, t in TARGETS.items())


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}" if abs(x) < 1 else f"{x:.1f}"


def _accepted(t: Target) -> str:
    if t.high == float("inf"):
        return f">= {_fmt(t.low)} {t.unit}".rstrip()
    return f"{_fmt(t.low)} to {_fmt(t.high)} {t.unit}".rstrip()


def render(figures: tuple[Figure, ...]) -> str:
    """docs/calibration.md text."""
    sc = SCENARIO
    lines = [
        "# Calibration of the generated data",
        "",
        "Generated by `python -m wedsync_analytics.generate.calibration docs/calibration.md`",
        "(module `wedsync_analytics.generate.calibration`; do not edit by hand).",
        "`tests/test_generate_calibration.py` fails when a figure leaves its accepted range",
        "or when this file is stale. Table figures: scenario",
        f"`{sc.scale}`, seed {sc.seed}, market {sc.market}, {sc.start} + {sc.days} days,",
        f"generated whole. Wedding dates: the `{WEDDING_SCALE}` scale's couples (seed 1).",
        f"Funnels: the `{WEDDING_SCALE}` scale's sign-ups, pooled over seeds",
        f"{FUNNEL_SEEDS.start}-{FUNNEL_SEEDS.stop - 1}. Percentages are of rows unless the",
        "figure says otherwise; *estimate* marks a target that is ours, not a published figure.",
        "",
    ]
    section = None
    for f in figures:
        if f.target.section != section:
            section = f.target.section
            lines += [
                f"## {section}",
                "",
                "| figure | target | accepted | generated | ok | source |",
            ]
            lines += ["|---|---|---|---|---|---|"]
        t = f.target
        lines.append(
            f"| {t.title} | {t.target} | {_accepted(t)} | "
            f"{f'{_fmt(f.value)} {t.unit}'.rstrip()} | {'yes' if f.ok else 'NO'} | {t.source} |"
        )
        if f is figures[-1] or figures[figures.index(f) + 1].target.section != section:
            lines.append("")
    lines += ["## Sources", ""]
    lines += [f"* {name}: {text}" for name, text in SOURCES.items()]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    """Write the document to argv[0] (or print it)."""
    text = render(measure())
    if argv:
        with open(argv[0], "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
