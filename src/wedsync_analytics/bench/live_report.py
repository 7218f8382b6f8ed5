"""live.md: the steps of k per strategy and the dashboards around a retention operation."""

from __future__ import annotations

from typing import Any


def _ms(v: float) -> str:
    return f"{v:,.1f}"


def _steps(run: dict[str, Any], budget: float) -> list[str]:
    out = [
        f"### {run['variant']}: highest k sustained {run['highest_k_sustained']}",
        "",
        f"First break: {'; '.join(run['first_break']) if run['first_break'] else 'none'}",
        "",
        "| k | ingest rows/s (scheduled) | lag rows | query | p50 | p95 | p99 | max ms "
        f"| over {budget:g} ms / requests | not sent |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for step in run["steps"]:
        total = step["ingest"]["total"]
        ingest = f"{total['rows_per_s']:,.0f} ({total['scheduled_rows_per_s']:,.0f})"
        for i, (name, q) in enumerate(sorted(step["queries"].items())):
            head = f"| {step['k']:g} | {ingest} | {total['lag_rows']:,.0f} " if i == 0 else "| | | "
            out.append(
                f"{head}| {name} | {_ms(q['p50_ms'])} | {_ms(q['p95_ms'])} | {_ms(q['p99_ms'])} "
                f"| {_ms(q['max_ms'])} | {q['over_budget']} / {q['requests']} | {q['not_sent']} |"
            )
    return [*out, ""]


def _retention(found: dict[str, Any]) -> list[str]:
    phases = found["phases"]
    names = sorted({n for p in phases.values() for n in p["queries"]})
    out = [
        f"### {found['variant']} at k={found['k']:g}: operation {found['operation']} in "
        f"{found['operation_seconds']:.1f} s (horizon {found['horizon']})",
        "",
        "Rows before the horizon, before / after: "
        + ", ".join(
            f"{t} {found['rows_past_horizon_before'][t]:,} / "
            f"{found['rows_past_horizon_after'][t]:,}"
            for t in found["rows_past_horizon_before"]
        ),
        "",
        "| query | p95 before | p95 during | p95 after | max during ms |",
        "|---|---|---|---|---|",
    ]
    for name in names:
        cells = [phases[p]["queries"].get(name) for p in ("before", "during", "after")]
        p95 = [_ms(c["p95_ms"]) if c else "-" for c in cells]
        peak = _ms(cells[1]["max_ms"]) if cells[1] else "-"
        out.append(f"| {name} | {' | '.join(p95)} | {peak} |")
    ingest = " ; ".join(
        f"{p} {phases[p]['ingest']['rows_per_s']:,.0f} of "
        f"{phases[p]['ingest']['scheduled_rows_per_s']:,.0f} rows/s "
        f"(lag {phases[p]['ingest']['lag_rows']:,.0f} rows)"
        for p in ("before", "during", "after")
    )
    return [*out, "", f"Ingest: {ingest}", ""]


def markdown(result: dict[str, Any]) -> str:
    s = result["schedule"]
    budget = result["budget_ms"]
    out = [
        f"# Dashboards under live ingest: scale {result['scale']}, seed {result['seed']}, "
        f"budget {budget:g} ms",
        "",
        f"- ingest: {', '.join(result['ingest_tables'])} by COPY on "
        f"{result['ingest_connections']} connection(s), replaying {s['day']} "
        f"(ISO weekday {s['isoweekday']}, {s['weekday_numbering']}; {s['timezone']}; "
        f"peak at {s['peak_local_hour']}:00 local) at k times its hourly rates, one replay "
        f"per {result['step_seconds']:g} s step",
        f"- queries: {result['query_rate']:g} requests/s each, {result['latency']}; "
        f"percentiles: {result['percentiles']}",
        "",
    ]
    for run in result["runs"]:
        out += _steps(run, budget)
        for found in run["retention"]:
            out += _retention(found)
    return "\n".join(out) + "\n"
