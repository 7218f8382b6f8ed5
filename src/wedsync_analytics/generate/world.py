"""The small, fully materialised entities every table refers to: organizations, users, incidents.

Organization 0 is the WedSync platform operations team (owns platform incidents, alert rules
and health checks); then `suppliers` supplier organizations, then `couples` couple
organizations. Everything here is derived from the scenario alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl

from wedsync_analytics.generate import pools as P
from wedsync_analytics.generate import weddings
from wedsync_analytics.generate.calendar import US_PER_DAY, US_PER_HOUR, HourGrid, market
from wedsync_analytics.generate.columns import json_text, uuid4
from wedsync_analytics.generate.rng import BOOL, F64, I64, Streams
from wedsync_analytics.generate.scenario import Scenario

MINUTE = 60_000_000
PLATFORM, SUPPLIER, COUPLE = 0, 1, 2
INCIDENT_SEVERITIES = ("low", "medium", "high", "critical", "wedding_day_emergency")
ERROR_SEVERITIES = ("low", "medium", "high", "critical", "wedding_emergency")
PRIORITIES = ("p4", "p3", "p2", "p1", "p0")
# severity mix of incidents: ordinary hours vs wedding days (Saturday, or Fri/Sun in season)
SEVERITY_WEIGHTS_NORMAL = (0.30, 0.36, 0.22, 0.12, 0.0)
SEVERITY_WEIGHTS_WEDDING_DAY = (0.08, 0.22, 0.30, 0.24, 0.16)
# incidents per hour of traffic on Saturdays relative to other days (change freeze)
SATURDAY_INCIDENT_FACTOR = 0.45
# escalation steps (minutes between levels) of the default and the wedding-day policy:
# unacknowledged after 15 (wedding day: 5) minutes goes to level 1 (PagerDuty's default
# acknowledgement timeout is 30 minutes, Grafana OnCall's wait steps 5..60: ours are stricter)
ESCALATION_STEPS = {0: (15, 15, 30), 1: (5, 5, 10)}
# median minutes from an incident's creation to its acknowledgement (log-normal, sigma 0.8);
# an estimate: on-call MTTA of a few minutes for paged incidents
ACK_MEDIAN_MIN = 6.0
# tenants: supplier activity ~ Pareto(alpha) (alpha = 1.16 gives the "80/20" split), capped
TENANT_ALPHA = 1.16
TENANT_CAP = 400.0
NEW_ORG_SHARE = 0.2


def ids(seed: int, table: str, n: int) -> pl.Series:
    """Deterministic UUIDv4 ids for the rows 0..n-1 of a small table."""
    s = Streams(seed, table)
    k = np.arange(n, dtype=np.int64)
    return uuid4(s["id.hi"].bits(k), s["id.lo"].bits(k))


@dataclass
class Incidents:
    """Incident arrays, sorted by start time (index = incident number - 1)."""

    id: pl.Series
    org: I64
    start: I64  # problem starts (errors begin)
    created: I64  # detected: the incident row is opened
    ack: I64
    resolved: I64  # -1 while still open at the end of the scenario
    closed: I64
    severity: I64
    service: I64
    kinds: I64  # (K, 3) error kind indices, -1 = unused
    wedding_day: BOOL
    saturday: BOOL
    policy: I64
    escalation: I64
    storm: I64  # error rows in the storm

    @property
    def count(self) -> int:
        return len(self.start)

    @property
    def end(self) -> I64:
        """End of the impact window (resolution, or the scenario end while open)."""
        return np.where(self.resolved >= 0, self.resolved, self.closed)


class World:
    """Scenario-wide entities, computed once and shared by every table builder."""

    def __init__(self, scenario: Scenario) -> None:
        self.s = scenario
        self.seed = scenario.seed
        self.market = market(scenario.market)
        self.tz = ZoneInfo(self.market.timezone)
        self.calendar = HourGrid(self.market, scenario.start, scenario.days)
        self.start_us = self.calendar.start_us
        self.end_us = self.calendar.end_us
        self.pools = P.faker_pools(scenario.seed, scenario.market)

    @cached_property
    def wedding_day_factor(self) -> F64:
        """Traffic multiplier of each scenario day from its weddings (see `weddings`)."""
        return weddings.traffic_factor(
            self.wedding_date, np.datetime64(self.s.start, "D"), self.s.days, self.n_orgs
        )

    @cached_property
    def grid(self) -> HourGrid:
        """The calendar's hours with the wedding-day load added."""
        return self.calendar.with_day_factor(self.wedding_day_factor)

    # ---- organizations -------------------------------------------------------------
    @cached_property
    def n_orgs(self) -> int:
        return 1 + self.s.suppliers + self.s.couples

    @cached_property
    def org_kind(self) -> I64:
        kind = np.full(self.n_orgs, COUPLE, dtype=np.int64)
        kind[0] = PLATFORM
        kind[1 : 1 + self.s.suppliers] = SUPPLIER
        return kind

    @cached_property
    def org_id(self) -> pl.Series:
        return ids(self.seed, "organizations", self.n_orgs)

    @cached_property
    def org_size(self) -> F64:
        """Relative activity of each organization: suppliers Pareto(alpha = TENANT_ALPHA,
        x_min = 1, capped at TENANT_CAP), couples log-normal (median 1, sigma 0.5)."""
        s = Streams(self.seed, "organizations")
        k = np.arange(self.n_orgs, dtype=np.int64)
        pareto = np.minimum((1.0 - s["size"].uniform(k)) ** (-1.0 / TENANT_ALPHA), TENANT_CAP)
        couple = s["couple_size"].lognormal(k, 1.0, 0.5)
        size = np.where(self.org_kind == SUPPLIER, pareto, couple)
        size[0] = 1.0
        return np.asarray(size, dtype=np.float64)

    @cached_property
    def org_created(self) -> I64:
        """Organizations signing up during the scenario (20 %, at times following traffic) or
        up to two years before."""
        s = Streams(self.seed, "organizations")
        k = np.arange(self.n_orgs, dtype=np.int64)
        new = s["new"].uniform(k) < NEW_ORG_SHARE
        new[0] = False
        before = self.start_us - (1 + s["age"].uniform(k) * 700) * US_PER_DAY
        g = self.calendar
        during = (
            g.start_us
            + g.random_hours(s["t"].uniform(k)) * US_PER_HOUR
            + (s["minute"].uniform(k) * US_PER_HOUR).astype(np.int64)
        )
        return np.where(new, during, before).astype(np.int64)

    @cached_property
    def org_new(self) -> BOOL:
        return self.org_created >= self.start_us

    @cached_property
    def wedding_date(self) -> I64:
        """Wedding day (days since epoch, local date) per couple organization; -1 for others."""
        s = Streams(self.seed, "weddings")
        k = np.arange(self.n_orgs, dtype=np.int64)
        created_day = (self.org_created - self.start_us) // US_PER_DAY + np.datetime64(
            self.s.start, "D"
        ).astype(np.int64)
        day = weddings.draw(
            self.market, np.datetime64(self.s.start, "D"), s["day"].uniform(k), created_day
        )
        return np.where(self.org_kind == COUPLE, day, -1)

    # ---- users ---------------------------------------------------------------------
    @cached_property
    def user_org(self) -> I64:
        """Organization of each user: suppliers have about sqrt(size) users (1 to 25)."""
        per_org = np.where(
            self.org_kind == SUPPLIER, np.clip(np.round(np.sqrt(self.org_size)), 1, 25), 2
        ).astype(np.int64)
        per_org[0] = 8
        return np.repeat(np.arange(self.n_orgs), per_org)

    @cached_property
    def n_users(self) -> int:
        return len(self.user_org)

    @cached_property
    def user_id(self) -> pl.Series:
        return ids(self.seed, "auth.users", self.n_users)

    @cached_property
    def user_first(self) -> BOOL:
        """True for the first (signing-up) user of each organization."""
        first = np.ones(self.n_users, dtype=bool)
        first[1:] = self.user_org[1:] != self.user_org[:-1]
        return first

    @cached_property
    def user_created(self) -> I64:
        """First users sign up with their organization; the others join days later (mean 5),
        never after the scenario's end (a later join lands uniformly before the end)."""
        s = Streams(self.seed, "users")
        k = np.arange(self.n_users, dtype=np.int64)
        base = self.org_created[self.user_org]
        later = base + (s["join"].exponential(k, 5.0) * US_PER_DAY).astype(np.int64)
        room = self.end_us - 1 - base
        inside = base + (s["join_late"].uniform(k) * room).astype(np.int64)
        later = np.where(later < self.end_us, later, inside)
        return np.where(self.user_first, base, later)

    @cached_property
    def active_users(self) -> I64:
        """Users (indices) existing before the scenario starts: the source of bulk activity.

        A tiny scenario may have no such user (every organization new); then all tenant
        users are active, so bulk activity always has someone to come from.
        """
        tenant = self.user_org != 0
        active = np.flatnonzero((self.user_created < self.start_us) & tenant)
        return active if len(active) else np.flatnonzero(tenant)

    @cached_property
    def active_user_cdf(self) -> F64:
        """Activity of each active user: its organization's size shared by its users, times
        3 for suppliers (they work in the product; couples visit it)."""
        users = self.active_users
        org = self.user_org[users]
        per_org = np.bincount(self.user_org, minlength=self.n_orgs)[org]
        w = self.org_size[org] / per_org * np.where(self.org_kind[org] == SUPPLIER, 3.0, 1.0)
        cdf = np.cumsum(w)
        return np.asarray(cdf / cdf[-1], dtype=np.float64)

    @cached_property
    def _user_lut(self) -> I64:
        mid = (np.arange(1 << 20) + 0.5) / (1 << 20)
        pos = np.minimum(
            np.searchsorted(self.active_user_cdf, mid, side="right"), len(self.active_users) - 1
        )
        return np.asarray(self.active_users[pos], dtype=np.int64)

    def pick_users(self, u: F64) -> I64:
        """Active users (indices into users) for uniforms `u`, weighted by `active_user_cdf`.

        A 2**20-entry lookup table: each user's probability is exact to within 2**-20.
        """
        return self._user_lut[(u * (1 << 20)).astype(np.int64)]

    @cached_property
    def platform_users(self) -> I64:
        return np.flatnonzero(self.user_org == 0)

    # ---- calendar context ----------------------------------------------------------
    @cached_property
    def hour_context(self) -> pl.Series:
        """wedding_context JSON per grid hour (same keys as public.wedding_context())."""
        g = self.grid
        out = []
        for h in range(g.hours):
            out.append(
                json_text(
                    {
                        "timezone": self.market.timezone,
                        "local_date": str(g.local_date[h]),
                        "iso_dow": int(g.isodow[h]),
                        "is_saturday": bool(g.isodow[h] == 6),
                        "is_weekend": bool(g.isodow[h] >= 6),
                        "is_wedding_season": bool(5 <= g.month[h] <= 10),
                    }
                )
            )
        return pl.Series(out, dtype=pl.String)

    # ---- incidents -----------------------------------------------------------------
    @cached_property
    def n_incidents(self) -> int:
        return max(3, round(self.s.days * 0.5 * (1 + self.s.organizations / 2000)))

    @cached_property
    def background_errors(self) -> int:
        return round(1.2 * self.s.organizations * self.s.days * self.s.volume)

    @cached_property
    def incidents(self) -> Incidents:
        g, K = self.grid, self.n_incidents
        s = Streams(self.seed, "incidents")
        k = np.arange(K, dtype=np.int64)
        w = g.weight * np.where(g.isodow == 6, SATURDAY_INCIDENT_FACTOR, 1.0)
        start = np.sort(
            g.start_us
            + g.random_hours(s["hour"].uniform(k), w) * US_PER_HOUR
            + (s["minute"].uniform(k) * US_PER_HOUR).astype(np.int64)
        )
        hour = g.hour_of(start)
        saturday = g.isodow[hour] == 6
        wedding_day = saturday | (np.isin(g.isodow[hour], (5, 7)) & g.is_season[hour])
        sev_n = s["sev"].choice(k, SEVERITY_WEIGHTS_NORMAL)
        sev_w = s["sev"].choice(k, SEVERITY_WEIGHTS_WEDDING_DAY)
        severity = np.where(wedding_day, sev_w, sev_n)
        tenant = s["scope"].uniform(k) < 0.3
        org = np.where(tenant, self._tenant_at(start, s["org"].uniform(k)), 0)
        tenant &= org > 0
        service = s["service"].choice(k, P.SERVICE_WEIGHTS)
        speed = np.where(wedding_day, 0.4, 1.0)  # wedding days: faster detection and response
        detect = (s["detect"].lognormal(k, 4.0, 0.6) * speed * MINUTE).astype(np.int64)
        created = start + np.maximum(detect, 30_000_000)
        ack_delay = s["ack"].lognormal(k, ACK_MEDIAN_MIN, 0.8) * speed
        ack = created + (np.maximum(ack_delay, 0.5) * MINUTE).astype(np.int64)
        sev_factor = np.array([0.6, 0.8, 1.0, 1.5, 1.3])[severity]
        duration = s["duration"].lognormal(k, 40.0, 0.8) * sev_factor
        resolved = np.maximum(start + (duration * MINUTE).astype(np.int64), ack + 2 * MINUTE)
        closed = resolved + (s["close"].lognormal(k, 360.0, 0.9) * MINUTE).astype(np.int64)
        still_open = resolved >= self.end_us
        resolved = np.where(still_open, -1, resolved)
        closed = np.where(still_open | (closed >= self.end_us), -1, closed)
        closed = np.where(still_open, self.end_us, closed)  # window end while open
        policy = wedding_day.astype(np.int64)
        steps = np.array([ESCALATION_STEPS[0], ESCALATION_STEPS[1]])[policy]
        escalation = (ack_delay[:, None] > np.cumsum(steps, axis=1)).sum(axis=1)
        kinds = np.full((K, 3), -1, dtype=np.int64)
        for i in range(K):
            own = [j for j, e in enumerate(P.ERROR_KINDS) if e[1] == P.SERVICES[service[i]]]
            own = own or [0]
            kinds[i, : len(own[:2])] = own[:2]
            if s["cascade"].uniform(np.array([i]))[0] < 0.5 and 0 not in own[:2]:
                kinds[i, min(len(own), 2)] = 0  # upstream timeouts cascade into bookings
        weight = duration * np.array([0.5, 1.0, 2.0, 3.0, 3.0])[severity]
        storm_total = 0.25 * self.background_errors
        storm = (5 + np.round(storm_total * weight / weight.sum())).astype(np.int64)
        return Incidents(
            id=ids(self.seed, "incidents", K),
            org=org,
            start=start,
            created=created,
            ack=ack,
            resolved=resolved,
            closed=closed,
            severity=severity,
            service=service,
            kinds=kinds,
            wedding_day=wedding_day,
            saturday=saturday,
            policy=policy,
            escalation=escalation,
            storm=storm,
        )

    def _tenant_at(self, ts: I64, u: F64) -> I64:
        """A supplier existing a day before each time in `ts`, picked in proportion to its
        size (bigger tenants have more incidents); 0 (the platform) when none exists."""
        suppliers = np.flatnonzero(self.org_kind == SUPPLIER)
        out = np.zeros(len(ts), dtype=np.int64)
        for i, t in enumerate(ts):
            ok = suppliers[self.org_created[suppliers] < t - US_PER_DAY]
            if len(ok):
                cdf = np.cumsum(self.org_size[ok])
                out[i] = ok[min(int(np.searchsorted(cdf, u[i] * cdf[-1])), len(ok) - 1)]
        return out

    @cached_property
    def storm_offsets(self) -> I64:
        """Cumulative storm sizes: incident k owns storm rows [off[k], off[k+1])."""
        return np.concatenate([[0], np.cumsum(self.incidents.storm)]).astype(np.int64)

    def active_incident(self, ts: I64, service: I64 | None = None) -> I64:
        """Index of an incident whose impact window contains `ts` (and hits `service`), or -1."""
        inc = self.incidents
        j = np.searchsorted(inc.start, ts, side="right") - 1
        jj = np.maximum(j, 0)
        hit = (j >= 0) & (ts < inc.end[jj])
        if service is not None:
            hit &= (inc.service[jj] == service) | (inc.service[jj] == 0)
        return np.where(hit, jj, -1)

    def degradation(self, ts: I64, service: I64 | None = None) -> F64:
        """Multiplier (>= 1) of latencies at `ts`: 1 outside incidents, up to ~8 inside."""
        j = self.active_incident(ts, service)
        factor = np.array([1.5, 2.0, 3.5, 6.0, 8.0])[self.incidents.severity[np.maximum(j, 0)]]
        return np.where(j >= 0, factor, 1.0)
