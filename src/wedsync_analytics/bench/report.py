"""The run's output in `--out`: results.json (every figure), report.md, plots (plots.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

TARGET_MS = {"platform": 100.0, "large_tenant": 50.0}
NO_ROLLUP_TARGET_MS = 1000.0  # platform-wide, best strategy without rollups


def write_json(results: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(results, indent=1, default=str) + "\n", encoding="utf-8")


def _fmt_ms(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def _bytes(n: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if abs(n) < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


def measured(results: dict[str, Any]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """(query, viewpoint) -> one row per variant that measured it (name, p95, buffers...)."""
    table: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for variant in results["variants"]:
        for q in variant["queries"]:
            table.setdefault((q["query"], q["viewpoint"]), []).append(
                {
                    "variant": variant["variant"],
                    "ok": variant["status"] == "ok",
                    "rollup": any(s["kind"] == "rollup" for s in variant["strategies"]),
                    "p50": q["latency"].get("p50_ms"),
                    "p95": q["latency"].get("p95_ms"),
                    "p99": q["latency"].get("p99_ms"),
                    "max": q["latency"].get("max_ms"),
                    "buffers": q["explain"]["shared_buffers"],
                    "temp": q["explain"]["temp_read"] + q["explain"]["temp_written"],
                    "rows": q["rows"],
                    "answer": q["answer"],
                    "plan": q["explain"]["plan"],
                }
            )
    return table


def best(rows: list[dict[str, Any]], *, rollups: bool = True) -> dict[str, Any] | None:
    """The passing variant with the lowest p95 (optionally without rollups)."""
    fit = [r for r in rows if r["ok"] and r["p95"] is not None and (rollups or not r["rollup"])]
    return min(fit, key=lambda r: r["p95"]) if fit else None


def targets(results: dict[str, Any]) -> list[str]:
    """Each target of the issue as met or not, with the figures."""
    lines = []
    table = measured(results)
    for (query, viewpoint), rows in sorted(table.items()):
        limit = TARGET_MS.get(viewpoint)
        top = best(rows)
        if limit is not None and top is not None:
            verdict = "met" if top["p95"] < limit else f"NOT met (+{top['p95'] - limit:.1f} ms)"
            lines.append(
                f"- {query} as {viewpoint}: best {top['variant']} p95 "
                f"{_fmt_ms(top['p95'])} ms against < {limit:.0f} ms: {verdict}"
            )
        if viewpoint == "platform":
            plain = best(rows, rollups=False)
            if plain is not None:
                ok = plain["p95"] < NO_ROLLUP_TARGET_MS
                lines.append(
                    f"- {query} platform-wide without rollups: best {plain['variant']} p95 "
                    f"{_fmt_ms(plain['p95'])} ms against < 1000 ms: {'met' if ok else 'NOT met'}"
                )
    retention = {v["variant"]: v["retention"] for v in results["variants"] if "retention" in v}
    delete, part = retention.get("retention=delete"), retention.get("retention=partition")
    if delete and part:
        speed = delete["seconds"] / part["seconds"] if part["seconds"] else float("inf")
        wal = part["wal_bytes"] / delete["wal_bytes"] if delete["wal_bytes"] else float("inf")
        idle = part["dashboard_idle"].get("p95_ms") or 0.0
        during = part["dashboard_during"].get("p95_ms") or 0.0
        lines.append(
            f"- partition retention {speed:.1f}x faster than DELETE (target >= 20x): "
            f"{'met' if speed >= 20 else 'NOT met'}"
        )
        lines.append(
            f"- partition retention WAL {100 * wal:.2f} % of DELETE's (target <= 1 %): "
            f"{'met' if wal <= 0.01 else 'NOT met'}"
        )
        lines.append(
            f"- dashboard p95 during partition retention {_fmt_ms(during)} ms vs idle "
            f"{_fmt_ms(idle)} ms (target <= 2x): {'met' if during <= 2 * idle else 'NOT met'}"
        )
    return lines


def markdown(results: dict[str, Any]) -> str:
    """report.md: settings, targets, per query each strategy's figures and ratio to seed."""
    m = results["machine"]
    out = [
        f"# Strategy benchmark: scale {results['scale']}, seed {results['seed']}",
        "",
        f"- as_of {results['as_of']}; {results['runs']} timed runs after one warm-up; "
        f"latency = {results['latency']}",
        f"- session: {', '.join(f'{k}={v}' for k, v in results['session_settings'].items())}; "
        "statements never prepared (custom plans)",
        f"- machine: {m['cpu_model']}, {m['cores']} cores, "
        f"{_bytes(m['memory_bytes'] or 0)} memory; {m['postgresql']}",
        f"- overall: {'every answer equals index=seed' if results['ok'] else 'FAILED runs below'}",
        "",
        "## Targets",
        "",
        *targets(results),
        "",
    ]
    failed = [v for v in results["variants"] if v["status"] != "ok"]
    if failed:
        out += ["## Failed runs", ""]
        out += [f"- {v['variant']}: {'; '.join(v['failures'])}" for v in failed]
        out.append("")
    out += summary_table(results)
    out += ["## Queries", ""]
    for (query, viewpoint), rows in sorted(measured(results).items()):
        seed = next((r for r in rows if r["variant"] == "index=seed"), None)
        top = best(rows)
        out += [
            f"### {query} as {viewpoint}",
            "",
            "| strategy | p50 ms | p95 ms | p99 ms | max ms | p95 / seed | buffers | temp | rows "
            "| answer |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in rows:
            ratio = f"{r['p95'] / seed['p95']:.2f}" if seed and seed["p95"] else ""
            out.append(
                f"| {r['variant']} | {_fmt_ms(r['p50'])} | {_fmt_ms(r['p95'])} | "
                f"{_fmt_ms(r['p99'])} | {_fmt_ms(r['max'])} | {ratio} | {r['buffers']} | "
                f"{r['temp']} | {r['rows']} | {r['answer']} |"
            )
        if top is not None:
            out += ["", f"Best: **{top['variant']}**. Its plan:", "", "```", top["plan"], "```"]
        out.append("")
    out += _sizes_and_costs(results)
    return "\n".join(out) + "\n"


def summary_table(results: dict[str, Any]) -> list[str]:
    """One line per query and viewpoint, one column per strategy: p95 ms / shared buffers."""
    table = measured(results)
    variants = [v["variant"] for v in results["variants"] if v["queries"]]
    out = [
        "## Summary: p95 ms / shared buffers (hit + read)",
        "",
        "| query | viewpoint | " + " | ".join(variants) + " |",
        "|---|---|" + "---|" * len(variants),
    ]
    for (query, viewpoint), rows in sorted(table.items()):
        cells = {r["variant"]: f"{_fmt_ms(r['p95'])} / {r['buffers']}" for r in rows}
        for r in rows:
            if not r["ok"]:
                cells[r["variant"]] += " (failed run)"
        out.append(
            f"| {query} | {viewpoint} | " + " | ".join(cells.get(v, "") for v in variants) + " |"
        )
    return [*out, ""]


def _sizes_and_costs(results: dict[str, Any]) -> list[str]:
    out = [
        "## Sizes and load cost",
        "",
        "| strategy | tables | indexes | COPY rows/s (performance_metrics) | vs index=keys |",
        "|---|---|---|---|---|",
    ]
    keys = next((v for v in results["variants"] if v["variant"] == "index=keys"), None)
    base = keys["load"].get("performance_metrics", {}).get("rows_per_s") if keys else None
    for v in results["variants"]:
        rate = v["load"].get("performance_metrics", {}).get("rows_per_s")
        ratio = f"{rate / base:.2f}" if rate and base else ""
        out.append(
            f"| {v['variant']} | {_bytes(v['sizes']['table_bytes'])} | "
            f"{_bytes(v['sizes']['index_bytes'])} | {rate or 0:,.0f} | {ratio} |"
        )
    out.append("")
    for v in results["variants"]:
        for gap in v.get("gaps", []):
            out.append(f"- {v['variant']} gap: {gap}")
        if "maintenance" in v:
            mt = v["maintenance"]
            build = mt["initial_build"]
            out.append(
                f"- {v['variant']} maintenance: initial build {build['seconds']:.2f} s "
                f"({build['rows']} rollup rows); per hour of data mean "
                f"{1000 * mt['mean_seconds_per_hour']:.1f} ms, max "
                f"{1000 * mt['max_seconds_per_hour']:.1f} ms; rollup behind as_of by "
                f"{mt['staleness_at_as_of_seconds']:.0f} s; staleness: {mt['max_staleness']}"
            )
    retention = [v for v in results["variants"] if "retention" in v]
    if retention:
        out += [
            "",
            "## Retention",
            "",
            "| strategy | seconds | WAL | dead tuples | size after | VACUUM s | VACUUM WAL "
            "| size after VACUUM | dashboard p95 idle / during (runs) |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for v in retention:
            r = v["retention"]
            out.append(
                f"| {v['variant']} | {r['seconds']:.3f} | {_bytes(r['wal_bytes'])} | "
                f"{r['dead_tuples']:,} | {_bytes(r['total_bytes_after'])} | "
                f"{r['vacuum_seconds']:.3f} | {_bytes(r['vacuum_wal_bytes'])} | "
                f"{_bytes(r['total_bytes_after_vacuum'])} | "
                f"{_fmt_ms(r['dashboard_idle'].get('p95_ms'))} / "
                f"{_fmt_ms(r['dashboard_during'].get('p95_ms'))} "
                f"({r['dashboard_during'].get('runs', 0)}) |"
            )
        first = retention[0]["retention"]
        out += [
            "",
            f"Retention as_of {first['as_of']}; rows removed: "
            + ", ".join(f"{t} {n:,}" for t, n in first["rows_removed"].items() if n),
        ]
    return out
