"""Shared pieces of the high-volume event tables: times, users, sessions, devices."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from wedsync_analytics.generate import pools as P
from wedsync_analytics.generate.columns import fixed_width_strings, pooled, timestamps, uuid7
from wedsync_analytics.generate.rng import F64, I64, U64, Stream, Streams
from wedsync_analytics.generate.world import SUPPLIER, World

DEVICES = ("desktop", "tablet", "mobile", "unknown")
CONNECTIONS = ("slow_2g", "2g", "3g", "4g", "5g", "wifi", "ethernet", "unknown")
SEGMENTS = ("new_user", "active_user", "power_user", "churned_user", "wedding_supplier", "couple")
# connection mix per device (desktop, tablet, mobile)
CONNECTION_MIX = (
    (0, 0, 0, 0.02, 0.03, 0.65, 0.30, 0.0),
    (0, 0, 0.01, 0.08, 0.06, 0.85, 0, 0.0),
    (0.005, 0.005, 0.04, 0.45, 0.25, 0.25, 0, 0.0),
)
SESSION_SLOT_US = 3 * 3_600_000_000
# late arrivals: share of event rows stored minutes to hours after their event time
LATE_SHARE = 0.02
LATE_MEDIAN_MIN = 12.0
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def hex16(bits: U64) -> pl.Series:
    """16-character lowercase hex strings of 64-bit values."""
    n = len(bits)
    b = np.ascontiguousarray(bits.astype(">u8")).view(np.uint8).reshape(n, 8)
    out = np.empty((n, 16), dtype=np.uint8)
    out[:, 0::2] = _HEX[b >> 4]
    out[:, 1::2] = _HEX[b & 0x0F]
    return fixed_width_strings(out)


@dataclass
class Base:
    """Row indices, times and actors of one chunk of an event table."""

    world: World
    streams: Streams
    idx: I64
    ts: I64
    hour: I64
    user: I64
    org: I64

    def u(self, column: str) -> F64:
        return self.streams[column].uniform(self.idx)

    def s(self, column: str) -> Stream:
        return self.streams[column]

    @property
    def n(self) -> int:
        return len(self.idx)

    def ids(self) -> pl.Series:
        """Time-ordered UUIDv7 ids."""
        return uuid7(self.ts, self.streams["id"].bits(self.idx))

    def times(self, offset_us: I64 | None = None) -> pl.Series:
        return timestamps(self.ts if offset_us is None else self.ts + offset_us)

    def org_ids(self) -> pl.Series:
        return self.world.org_id.gather(self.org)

    def user_ids(self, present: np.ndarray | None = None) -> pl.Series:
        ids = self.world.user_id.gather(self.user)
        if present is None:
            return ids
        return pl.select(pl.when(pl.Series(present)).then(ids)).to_series()

    def sessions(self) -> pl.Series:
        """Session ids shared by all tables: one per (user, 3-hour slot)."""
        slot = self.ts // SESSION_SLOT_US
        key = self.user.astype(np.int64) * 1_000_003 + slot
        return "sess_" + hex16(Stream(self.world.seed, "sessions", "id").bits(key))

    def device_idx(self) -> I64:
        return user_device(self.world)[self.user]

    def devices(self) -> pl.Series:
        return pooled(DEVICES, self.device_idx(), enum=True)

    def connection_idx(self) -> I64:
        """Connection of each row (index into CONNECTIONS), by the user's device."""
        dev = self.device_idx()
        out = np.zeros(self.n, dtype=np.int64)
        for d, mix in enumerate(CONNECTION_MIX):
            sel = dev == d
            if sel.any():
                out[sel] = self.streams["connection"].choice(self.idx[sel], mix)
        return out

    def connections(self) -> pl.Series:
        return pooled(CONNECTIONS, self.connection_idx(), enum=True)

    def segments(self) -> pl.Series:
        return pooled(SEGMENTS, user_segment(self.world)[self.user], enum=True)

    def context(self) -> pl.Series:
        return self.world.hour_context.gather(self.hour)


def base(world: World, table: str, start: int, stop: int, total: int) -> Base:
    """Event rows [start, stop) of `total`, spread over the calendar in time order."""
    streams = Streams(world.seed, table)
    idx = np.arange(start, stop, dtype=np.int64)
    ts = world.grid.sample(idx, total, streams["t"].uniform(idx))
    user = world.pick_users(streams["user"].uniform(idx))
    return Base(world, streams, idx, ts, world.grid.hour_of(ts), user, world.user_org[user])


def user_device(world: World) -> I64:
    """Main device of each user: suppliers mostly desktop, couples mostly mobile."""
    cached = world.__dict__.get("_user_device")
    if cached is None:
        s = Streams(world.seed, "users")
        k = np.arange(world.n_users, dtype=np.int64)
        supplier = world.org_kind[world.user_org] == SUPPLIER
        cached = np.where(
            supplier,
            s["device"].choice(k, (0.62, 0.10, 0.28)),
            s["device"].choice(k, (0.30, 0.10, 0.60)),
        )
        world.__dict__["_user_device"] = cached
    return np.asarray(cached)


def user_segment(world: World) -> I64:
    """Main behavioural segment of each user (index into SEGMENTS)."""
    cached = world.__dict__.get("_user_segment")
    if cached is None:
        s = Streams(world.seed, "users")
        k = np.arange(world.n_users, dtype=np.int64)
        supplier = world.org_kind[world.user_org] == SUPPLIER
        sup = np.array([4, 2, 1, 3])[s["segment"].choice(k, (0.55, 0.2, 0.2, 0.05))]
        cou = np.array([5, 0, 1, 3])[s["segment"].choice(k, (0.6, 0.15, 0.2, 0.05))]
        cached = np.where(supplier, sup, cou)
        world.__dict__["_user_segment"] = cached
    return np.asarray(cached)


def endpoint_choice(b: Base, column: str = "endpoint") -> tuple[I64, I64]:
    """(endpoint index, service index) weighted by service traffic."""
    ep_service = np.array([P.SERVICES.index(s) for s, _ in P.ENDPOINTS])
    counts = np.bincount(ep_service, minlength=len(P.SERVICES))
    w = np.asarray(P.SERVICE_WEIGHTS, dtype=np.float64)[ep_service] / counts[ep_service]
    ep = b.s(column).choice(b.idx, w)
    return ep, ep_service[ep]


def ingest_lag(b: Base, after_us: I64 | int = 0) -> I64:
    """Delay between the event and its storage (created_at / processed_at).

    Most rows arrive within seconds (exponential, mean 2 s, from the same uniform that
    picks the late rows); LATE_SHARE of them arrive late, log-normal with median
    LATE_MEDIAN_MIN minutes (sigma 1.2: minutes to hours), as batched mobile clients and
    retried ingest do. A row is stored before the scenario ends (otherwise it would not be
    in the data yet): storage times are capped there. `after_us` is added to the event
    time first (e.g. a journey's duration).
    """
    u = b.u("lag")
    lag = (np.log1p(-u) * -2e6).astype(np.int64)
    late = np.flatnonzero(u >= 1.0 - LATE_SHARE)
    if len(late):
        late_lag = b.s("late_lag").lognormal(b.idx[late], LATE_MEDIAN_MIN, 1.2) * 60e6
        lag[late] = late_lag.astype(np.int64)
    lag += 1000
    lag += after_us
    room = b.world.end_us - 1 - b.ts
    return np.minimum(lag, room, out=lag)


def endpoints(ep: I64) -> pl.Series:
    return pooled([p for _, p in P.ENDPOINTS], ep)


def services(svc: I64) -> pl.Series:
    return pooled(P.SERVICES, svc)
