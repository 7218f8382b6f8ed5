"""The open-loop mixed load of `live`: calendar-shaped COPY ingest plus dashboard queries.

Ingest schedule: the generator's own calendar, `World(scenario).grid` (month x weekday x
local hour traffic weights, with the wedding-day load, in the market's time zone; weekdays
ISO numbered, Monday = 1 ... Saturday = 6, Sunday = 7). Each big table's rows of the
scenario (`generate.plan`) are spread over the grid's hours by its expected shares; the
load replays the scenario's busiest local day (a Saturday in season, peaking in the
evening): its hours play in turn, each for 1/24 of the replay, at k times that hour's
real rate (rows/s). The day repeats if the load lasts longer than one replay.

The rows are the generator's first chunk of each table (ids left to the default, event time
shifted so the chunk ends at `as_of`, inside the dashboards' windows), cycled. The tables
are shared round-robin among the ingest connections; each COPYs, every 100 ms tick, the
rows due by the end of the tick (at most one chunk per table and tick).

Queries: one connection per dashboard query; request i is due at `i / rate` and is sent then
(or as soon as the previous one returns): its latency runs from the due time to its last
row, so a stall counts as the latency it causes. Bounded: no request is sent past the load's
end plus a grace period; requests still due then are counted as not sent, with their wait
so far as a lower bound of their latency. Latencies go into HDR histograms (`hdrhistogram`,
microseconds, 3 significant digits).
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import polars as pl
import psycopg
from hdrh.histogram import HdrHistogram

from wedsync_analytics.bench.measure import session
from wedsync_analytics.bench.queries import DashboardQuery
from wedsync_analytics.bench.viewpoints import Viewpoint
from wedsync_analytics.config import connect
from wedsync_analytics.generate import Scenario, World, chunks, plan, table
from wedsync_analytics.load import copy_csv, to_csv
from wedsync_analytics.table_facts import TABLE_FACTS

PLATFORM = Viewpoint("platform", "service_role")
INGEST_TABLES = tuple(name for name, facts in TABLE_FACTS.items() if facts.big)
TICK_S = 0.1
CHUNK_ROWS = 20_000
HIGHEST_US = 3_600_000_000  # one hour: the histograms' range


@dataclass(frozen=True)
class Schedule:
    """Rows/s of each table in each hour of the replayed day, at k = 1."""

    timezone: str
    day: str  # local date
    isoweekday: int  # ISO: Monday 1 ... Saturday 6, Sunday 7
    local_hours: tuple[int, ...]
    rates: dict[str, tuple[float, ...]]

    def due(self, name: str, k: float, elapsed: float, replay_s: float) -> float:
        """Rows of `name` due after `elapsed` seconds of a replay lasting `replay_s` per day."""
        rates = np.asarray(self.rates[name])
        hour_s = replay_s / rates.size
        days, rest = divmod(elapsed, replay_s)
        whole, part = divmod(rest, hour_s)
        n = int(whole)
        done = rates[:n].sum() * hour_s + (rates[n] * part if n < rates.size else 0.0)
        return k * (days * rates.sum() * hour_s + done)

    def to_json(self) -> dict[str, Any]:
        peak = int(np.argmax(np.sum([self.rates[t] for t in self.rates], axis=0)))
        return {
            "calendar": "generator World(scenario).grid: month x weekday x local hour weights "
            "with the wedding-day load",
            "timezone": self.timezone,
            "weekday_numbering": "ISO: Monday 1 ... Saturday 6, Sunday 7",
            "day": self.day,
            "isoweekday": self.isoweekday,
            "peak_local_hour": self.local_hours[peak],
            "local_hours": list(self.local_hours),
            "rows_per_s_at_k1": {t: list(r) for t, r in self.rates.items()},
        }


def busiest_day(scenario: Scenario, tables: tuple[str, ...] = INGEST_TABLES) -> Schedule:
    """The schedule of the scenario's busiest local day (largest share of traffic)."""
    world = World(scenario)
    grid = world.grid
    counts = plan(scenario, world)
    share = grid.expected_share
    day = int(np.argmax(np.bincount(grid.day_index, weights=share)))
    hours = np.flatnonzero(grid.day_index == day)
    return Schedule(
        world.market.timezone,
        str(grid.local_date[hours[0]]),
        int(grid.isodow[hours[0]]),
        tuple(int(h) for h in grid.local_hour[hours]),
        {t: tuple(float(counts[t] * s / 3600.0) for s in share[hours]) for t in tables},
    )


@dataclass(frozen=True)
class IngestData:
    """One table's rows to COPY, cycled."""

    name: str
    frame: pl.DataFrame

    def batch(self, first: int, n: int) -> memoryview:
        """CSV of rows first .. first + n - 1 (modulo the frame), quoted as COPY reads it."""
        size = self.frame.height
        parts = []
        while n > 0:
            start = first % size
            take = min(n, size - start)
            parts.append(self.frame.slice(start, take))
            first, n = first + take, n - take
        return to_csv(pl.concat(parts) if len(parts) > 1 else parts[0])


def ingest_data(scenario: Scenario, as_of: datetime, tables: tuple[str, ...]) -> list[IngestData]:
    """The generator's first chunk of each table, ids dropped, times shifted to end at as_of."""
    world = World(scenario)
    out = []
    for name in tables:
        frame = next(chunks(world, table(name), CHUNK_ROWS))
        frame = frame.drop("id") if "id" in frame.columns else frame
        column = TABLE_FACTS[name].event_time
        latest = frame[column].max()
        assert isinstance(latest, datetime)
        target = as_of if latest.tzinfo else as_of.astimezone(UTC).replace(tzinfo=None)
        frame = frame.with_columns(pl.col(column) + (target - latest))
        out.append(IngestData(name, frame))
    return out


@dataclass
class LoadResult:
    """Raw samples of one load: (due second, latency ms, status) per query; ingest ticks."""

    samples: dict[str, list[tuple[float, float, str]]] = field(default_factory=dict)
    ticks: list[tuple[float, str, float, int]] = field(default_factory=list)  # t, table, due, sent
    errors: list[str] = field(default_factory=list)


def _ingest(
    dsn: str,
    data: list[IngestData],
    schedule: Schedule,
    k: float,
    replay_s: float,
    running: Callable[[float], bool],
    result: LoadResult,
) -> None:
    sent = dict.fromkeys((d.name for d in data), 0)
    started = time.perf_counter()
    try:
        _copy_loop(dsn, data, schedule, k, replay_s, running, result, sent, started)
    except psycopg.Error as exc:  # the step reports it as broken
        result.errors.append(f"ingest failed: {str(exc).strip().splitlines()[0]}")


def _copy_loop(
    dsn: str,
    data: list[IngestData],
    schedule: Schedule,
    k: float,
    replay_s: float,
    running: Callable[[float], bool],
    result: LoadResult,
    sent: dict[str, int],
    started: float,
) -> None:
    with connect(dsn, autocommit=True) as conn:
        conn.execute("SET wedsync.bulk_load = 'on'")  # the loader's session: no incident storm
        while running(now := time.perf_counter() - started):
            for d in data:
                due = schedule.due(d.name, k, now + TICK_S, replay_s)
                n = min(int(due) - sent[d.name], CHUNK_ROWS)
                if n > 0:
                    batch = d.batch(sent[d.name], n)
                    copy_csv(conn, table(d.name), d.frame.columns, batch)
                    sent[d.name] += n
                result.ticks.append((now, d.name, due, sent[d.name]))
            time.sleep(max(0.0, TICK_S - (time.perf_counter() - started - now)))
        end = time.perf_counter() - started
        for d in data:
            result.ticks.append((end, d.name, schedule.due(d.name, k, end, replay_s), sent[d.name]))


def _queries(
    dsn: str,
    query: DashboardQuery,
    rate: float,
    running: Callable[[float], bool],
    grace_s: float,
    out: list[tuple[float, float, str]],
) -> None:
    """Open loop: request i is due at i / rate while `running(due)`; see the module doc."""
    with session(dsn, PLATFORM) as conn:
        conn.execute(f"SET statement_timeout = {int(grace_s * 1000)}")
        encoded = query.sql.encode()
        started = time.perf_counter()
        for i in itertools.count():
            due = i / rate
            if not running(due):
                break
            wait = started + due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            elif -wait > grace_s:  # past the grace period: not sent
                out.append((due, -wait * 1000.0, "not sent"))
                continue
            status = "ok"
            try:
                with conn.cursor() as cur:
                    cur.execute(encoded, query.params)
                    cur.fetchall()
            except psycopg.errors.QueryCanceled:
                status = "timed out"
            out.append((due, (time.perf_counter() - started - due) * 1000.0, status))


def run_load(
    dsn: str,
    queries: list[DashboardQuery],
    data: list[IngestData],
    schedule: Schedule,
    k: float,
    *,
    query_rate: float,
    replay_s: float,
    connections: int,
    running: Callable[[float], bool],
    grace_s: float,
) -> LoadResult:
    """Ingest and every query's load at once while `running(elapsed seconds)`."""
    result = LoadResult({q.name: [] for q in queries})
    threads = [
        threading.Thread(
            target=_queries, args=(dsn, q, query_rate, running, grace_s, result.samples[q.name])
        )
        for q in queries
    ]
    threads += [
        threading.Thread(
            target=_ingest,
            args=(dsn, data[i::connections], schedule, k, replay_s, running, result),
        )
        for i in range(min(connections, len(data)))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return result


def latency_summary(samples: list[tuple[float, float, str]], budget_ms: float) -> dict[str, Any]:
    """p50/p95/p99/max from an HDR histogram (microseconds, 3 significant digits)."""
    hist = HdrHistogram(1, HIGHEST_US, 3)
    for _, ms, _ in samples:
        hist.record_value(min(HIGHEST_US, max(1, round(ms * 1000))))
    return {
        "requests": len(samples),
        "p50_ms": hist.get_value_at_percentile(50) / 1000.0,
        "p95_ms": hist.get_value_at_percentile(95) / 1000.0,
        "p99_ms": hist.get_value_at_percentile(99) / 1000.0,
        "max_ms": hist.get_max_value() / 1000.0,
        "over_budget": sum(ms > budget_ms for _, ms, _ in samples),
        "timed_out": sum(s == "timed out" for _, _, s in samples),
        "not_sent": sum(s == "not sent" for _, _, s in samples),
    }


def _at(mine: list[tuple[float, str, float, int]], t: float) -> tuple[float, int]:
    """Rows due (linear between the ticks around t) and sent (by the last tick <= t) at t."""
    before = [x for x in mine if x[0] <= t]
    after = [x for x in mine if x[0] > t]
    sent = before[-1][3] if before else 0
    if before and after:
        (t0, _, d0, _), (t1, _, d1, _) = before[-1], after[0]
        return d0 + (d1 - d0) * (t - t0) / (t1 - t0), sent
    return (before[-1][2] if before else after[0][2] if after else 0.0), sent


def ingest_summary(
    ticks: list[tuple[float, str, float, int]], begin: float, end: float
) -> dict[str, Any]:
    """Per table and in total over [begin, end]: rows scheduled and sent, rows/s, lag at end.

    Due and sent counts at the window's edges come from the ticks around them (a stalled
    COPY leaves a gap between ticks; the rows due are interpolated across it)."""
    out: dict[str, Any] = {}
    seconds = max(end - begin, 1e-9)
    for name in sorted({t[1] for t in ticks}):
        mine = sorted(t for t in ticks if t[1] == name)
        due0, sent0 = _at(mine, begin)
        due1, sent1 = _at(mine, end)
        out[name] = {
            "scheduled_rows": due1 - due0,
            "rows": sent1 - sent0,
            "scheduled_rows_per_s": (due1 - due0) / seconds,
            "rows_per_s": (sent1 - sent0) / seconds,
            "lag_rows": max(0.0, due1 - sent1),
        }
    total_due = sum(v["scheduled_rows"] for v in out.values())
    total = sum(v["rows"] for v in out.values())
    out["total"] = {
        "scheduled_rows": total_due,
        "rows": total,
        "scheduled_rows_per_s": total_due / seconds,
        "rows_per_s": total / seconds,
        "lag_rows": sum(v["lag_rows"] for k, v in out.items() if k != "total"),
    }
    rate = out["total"]["scheduled_rows_per_s"]
    out["total"]["lag_seconds"] = out["total"]["lag_rows"] / rate if rate else 0.0
    return out
