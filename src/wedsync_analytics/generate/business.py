"""Business tables: business_events (signup funnels of new organizations, then calendar-shaped
activity), conversion_funnels, feature_usage, revenue_metrics, user_segments."""

from __future__ import annotations

import numpy as np
import polars as pl

from wedsync_analytics.generate import pools as P
from wedsync_analytics.generate.columns import json_text, pg_array, pooled, timestamps
from wedsync_analytics.generate.events import SEGMENTS, base, ingest_lag, user_segment
from wedsync_analytics.generate.rng import Streams
from wedsync_analytics.generate.world import COUPLE, SUPPLIER, World, ids

_DAY = 86_400_000_000
# (step, probability of reaching it from the previous step, median delay in hours)
SUPPLIER_FUNNEL = (
    ("signup", 1.0, 0.0),
    ("onboarding_completed", 0.72, 6.0),
    ("first_client_added", 0.60, 48.0),
    ("subscription_started", 0.45, 144.0),
)
COUPLE_FUNNEL = (
    ("signup", 1.0, 0.0),
    ("wedding_details_added", 0.80, 2.0),
    ("first_supplier_connected", 0.55, 72.0),
    ("guest_list_created", 0.50, 120.0),
)
TIERS = ("starter", "professional", "scale")
PRICES = {"us": (29.0, 59.0, 99.0), "uk": (19.0, 49.0, 79.0)}
ACTIVITY = (  # (event_type, event_name, weight)
    ("engagement", "client_added", 10),
    ("engagement", "message_sent", 30),
    ("engagement", "form_submitted", 14),
    ("engagement", "timeline_shared", 8),
    ("engagement", "photo_uploaded", 12),
    ("commerce", "invoice_paid", 6),
    ("commerce", "refund_issued", 1),
    ("marketing", "experiment_exposure", 9),
)


def funnel(w: World) -> dict[str, np.ndarray]:
    """Funnel events of the first user of every organization created during the scenario."""
    cached = w.__dict__.get("_funnel")
    if cached is not None:
        return dict(cached)
    orgs = np.flatnonzero(w.org_new)
    users = np.searchsorted(w.user_org, orgs)
    s = Streams(w.seed, "funnel")
    out: dict[str, list[np.ndarray]] = {"user": [], "step": [], "ts": [], "kind": []}
    alive = np.ones(len(orgs), dtype=bool)
    t = w.org_created[orgs].copy()
    kind = w.org_kind[orgs]
    for step in range(4):
        p = np.where(kind == SUPPLIER, SUPPLIER_FUNNEL[step][1], COUPLE_FUNNEL[step][1])
        med = np.where(kind == SUPPLIER, SUPPLIER_FUNNEL[step][2], COUPLE_FUNNEL[step][2])
        alive &= s[f"go{step}"].uniform(orgs) < p
        t = t + (med * np.exp(0.8 * s[f"delay{step}"].normal(orgs)) * 3.6e9).astype(np.int64)
        alive &= t < w.end_us
        out["user"].append(users[alive])
        out["step"].append(np.full(alive.sum(), step))
        out["ts"].append(t[alive])
        out["kind"].append(kind[alive])
    res = {k: np.concatenate(v).astype(np.int64) for k, v in out.items()}
    order = np.argsort(res["ts"], kind="stable")
    res = {k: v[order] for k, v in res.items()}
    w.__dict__["_funnel"] = res
    return dict(res)


def funnel_count(w: World) -> int:
    return len(funnel(w)["ts"])


def business_events(w: World, start: int, stop: int, total: int) -> pl.DataFrame:
    """Rows [0, F) are funnel steps; the rest is everyday activity."""
    f = funnel(w)
    F = len(f["ts"])
    parts = []
    if start < F:
        parts.append(_funnel_rows(w, f, start, min(stop, F)))
    if stop > F:
        parts.append(_activity_rows(w, max(start, F) - F, stop - F, total - F))
    return pl.concat(parts) if len(parts) > 1 else parts[0]


def _props(kind: str, **values: object) -> str:
    return json_text({"kind": kind, **values})


def _funnel_rows(w: World, f: dict[str, np.ndarray], a: int, b: int) -> pl.DataFrame:
    sl = slice(a, b)
    user, step, ts, kind = f["user"][sl], f["step"][sl], f["ts"][sl], f["kind"][sl]
    n = len(ts)
    idx = np.arange(a, b, dtype=np.int64)
    s = Streams(w.seed, "business_events.funnel")
    sup = kind == SUPPLIER
    names = [x[0] for x in SUPPLIER_FUNNEL] + [x[0] for x in COUPLE_FUNNEL]
    name_idx = np.where(sup, step, 4 + step)
    tier = s["tier"].choice(idx, (0.5, 0.35, 0.15))
    price = np.asarray(PRICES[w.s.market])[tier]
    paid = sup & (step == 3)
    org = w.user_org[user]
    return pl.DataFrame(
        {
            "id": ids(w.seed, "business_events.funnel", b)[a:b]
            if b
            else pl.Series([], dtype=pl.String),
            "event_type": pl.Series(["funnel"] * n),
            "event_name": pooled(names, name_idx),
            "user_id": w.user_id.gather(user),
            "organization_id": w.org_id.gather(org),
            "session_id": pl.Series([None] * n, dtype=pl.String),
            "event_properties": pooled([_props("funnel", tier=t) for t in TIERS], tier),
            "user_properties": pooled(
                [_props("supplier"), _props("couple")], (kind == COUPLE).astype(np.int64)
            ),
            "device_properties": pl.Series(['{"device":"desktop"}'] * n),
            "wedding_context": w.hour_context.gather(w.grid.hour_of(ts)),
            "conversion_value": np.where(paid, price, np.nan),
            "revenue_impact": np.where(paid, price, np.nan),
            "funnel_step": pooled(names, name_idx),
            "experiment_id": pl.Series([None] * n, dtype=pl.String),
            "ab_test_variant": pl.Series([None] * n, dtype=pl.String),
            "event_timestamp": timestamps(ts),
            "processed_at": timestamps(ts + 1_500_000),
        }
    ).with_columns(pl.col("conversion_value", "revenue_impact").fill_nan(None))


def _activity_rows(w: World, a: int, b: int, total: int) -> pl.DataFrame:
    e = base(w, "business_events", a, b, total)
    ev = e.s("event").choice(e.idx, [x[2] for x in ACTIVITY])
    amount = np.round(e.s("amount").lognormal(e.idx, 450.0, 0.8), 2)
    amount = np.minimum(amount, 99_999.0)
    revenue = np.where(ev == 5, amount, np.where(ev == 6, -np.round(amount * 0.3, 2), np.nan))
    conversion = np.where(ev == 5, amount, np.nan)
    exp = ev == 7
    variant = e.s("variant").integers(e.idx, 0, 2)
    return pl.DataFrame(
        {
            "id": e.ids(),
            "event_type": pooled([x[0] for x in ACTIVITY], ev),
            "event_name": pooled([x[1] for x in ACTIVITY], ev),
            "user_id": e.user_ids(),
            "organization_id": e.org_ids(),
            "session_id": e.sessions(),
            "event_properties": pooled([_props(x[1]) for x in ACTIVITY], ev),
            "user_properties": pooled(
                [json_text({"segment": g}) for g in SEGMENTS], user_segment(w)[e.user]
            ),
            "device_properties": pooled(
                [json_text({"device": d}) for d in ("desktop", "tablet", "mobile", "unknown")],
                e.device_idx(),
            ),
            "wedding_context": e.context(),
            "conversion_value": conversion,
            "revenue_impact": revenue,
            "funnel_step": pl.Series([None] * e.n, dtype=pl.String),
            "experiment_id": pl.select(
                pl.when(pl.Series(exp)).then(pl.lit("exp-timeline-v2"))
            ).to_series(),
            "ab_test_variant": pl.select(
                pl.when(pl.Series(exp)).then(pooled(("control", "treatment"), variant))
            ).to_series(),
            "event_timestamp": e.times(),
            "processed_at": e.times(ingest_lag(e)),
        }
    ).with_columns(pl.col("conversion_value", "revenue_impact").fill_nan(None))


def feature_usage(w: World, start: int, stop: int, total: int) -> pl.DataFrame:
    e = base(w, "feature_usage", start, stop, total)
    feat = e.s("feature").choice(e.idx, [15, 12, 10, 9, 8, 14, 6, 7, 5, 6, 4, 3, 2, 5, 3])
    cat = np.array([0, 0, 0, 1, 2, 1, 2, 3, 3, 3, 2, 3, 0, 1, 0])[feat]
    return pl.DataFrame(
        {
            "id": e.ids(),
            "organization_id": e.org_ids(),
            "user_id": e.user_ids(),
            "session_id": e.sessions(),
            "feature_name": pooled(P.FEATURES, feat),
            "feature_category": pooled(("planning", "communication", "commerce", "guests"), cat),
            "usage_count": 1 + e.s("count").exponential(e.idx, 2.0).astype(np.int64),
            "duration_seconds": np.round(
                np.minimum(e.s("dur").lognormal(e.idx, 45.0, 1.0), 86_400), 2
            ),
            "user_segment": e.segments(),
            "device_type": e.devices(),
            "properties": pooled([json_text({"feature": f}) for f in P.FEATURES], feat),
            "wedding_context": e.context(),
            "used_at": e.times(),
            "created_at": e.times(ingest_lag(e)),
        }
    )


def conversion_funnels(w: World) -> pl.DataFrame:
    """Activation funnels on the platform organization; a client funnel per supplier."""
    suppliers = np.flatnonzero(w.org_kind == SUPPLIER)
    org = np.r_[0, 0, suppliers]
    n = len(org)
    names = ["Supplier activation", "Couple activation"] + ["Client booking"] * len(suppliers)
    steps = [pg_array([x[0] for x in SUPPLIER_FUNNEL]), pg_array([x[0] for x in COUPLE_FUNNEL])] + [
        pg_array(["enquiry", "proposal_sent", "contract_signed", "deposit_paid"])
    ] * len(suppliers)
    created = np.maximum(w.org_created[org], w.start_us - 60 * _DAY)
    seg = np.r_[4, 5, np.full(len(suppliers), 5)]
    return pl.DataFrame(
        {
            "id": ids(w.seed, "conversion_funnels", n),
            "organization_id": w.org_id.gather(org),
            "funnel_name": names,
            "description": [f"{x} funnel" for x in names],
            "steps": steps,
            "conversion_window": pl.Series(["14 days", "30 days"] + ["60 days"] * len(suppliers)),
            "funnel_mode": pl.Series(["ordered"] * n),
            "target_segment": pooled(SEGMENTS, seg, enum=True),
            "is_active": True,
            "created_by": w.user_id.gather(
                np.asarray(np.searchsorted(w.user_org, org), dtype=np.int64)
            ),
            "created_at": timestamps(created),
            "updated_at": timestamps(created),
        }
    )


def revenue_metrics(w: World) -> pl.DataFrame:
    """Daily MRR of subscribed suppliers, and new MRR on each funnel subscription."""
    s = Streams(w.seed, "revenue_metrics")
    sup = np.flatnonzero((w.org_kind == SUPPLIER) & ~w.org_new)
    sup = sup[s["subscribed"].uniform(sup) < 0.75]
    tier = s["tier"].choice(sup, (0.5, 0.35, 0.15))
    prices = np.asarray(PRICES[w.s.market])
    days = w.s.days
    org = np.repeat(sup, days)
    day = np.tile(np.arange(days), len(sup))
    t = np.repeat(tier, days)
    f = funnel(w)
    new = (f["step"] == 3) & (f["kind"] == SUPPLIER)
    new_org = w.user_org[f["user"][new]]
    new_day = (w.grid.day_index[w.grid.hour_of(f["ts"][new])]).astype(np.int64)
    fi = np.flatnonzero(new) + 0
    new_tier = Streams(w.seed, "business_events.funnel")["tier"].choice(fi, (0.5, 0.35, 0.15))
    org = np.r_[org, new_org]
    day = np.r_[day, new_day]
    t = np.r_[t, new_tier]
    mtype = np.r_[np.zeros(len(sup) * days, np.int64), np.ones(len(new_org), np.int64)]
    n = len(org)
    dates = np.datetime64(w.s.start, "D") + day
    season = np.isin(dates.astype("datetime64[M]").astype(np.int64) % 12 + 1, range(5, 11))
    return pl.DataFrame(
        {
            "id": ids(w.seed, "revenue_metrics", n),
            "organization_id": w.org_id.gather(org),
            "metric_date": pl.Series(dates).cast(pl.Date),
            "metric_type": pooled(("mrr", "new_mrr"), mtype),
            "subscription_tier": pooled(TIERS, t),
            "amount": prices[t],
            "currency": pl.Series([w.market.currency] * n),
            "active_subscriptions": np.ones(n, np.int64),
            "new_subscriptions": mtype,
            "churned_subscriptions": np.zeros(n, np.int64),
            "is_wedding_season": season,
            "created_at": timestamps(w.start_us + (day + 1) * _DAY),
        }
    )


def user_segments(w: World) -> pl.DataFrame:
    """Each user's behavioural segment, plus 'wedding_supplier' / 'couple' membership."""
    users = np.arange(w.n_users)
    users = users[w.user_org != 0]
    main = user_segment(w)[users]
    kind = w.org_kind[w.user_org[users]]
    member = np.where(kind == SUPPLIER, 4, 5)
    extra = users[main != member]
    u = np.r_[users, extra]
    seg = np.r_[main, member[main != member]]
    n = len(u)
    s = Streams(w.seed, "user_segments")
    k = np.arange(n, dtype=np.int64)
    assigned = np.maximum(w.user_created[u], w.start_us) + 3_600_000_000
    return pl.DataFrame(
        {
            "id": ids(w.seed, "user_segments", n),
            "organization_id": w.org_id.gather(w.user_org[u]),
            "user_id": w.user_id.gather(u),
            "segment": pooled(SEGMENTS, seg, enum=True),
            "segment_score": np.round(100 * s["score"].uniform(k), 2),
            "criteria": pooled([json_text({"rule": g}) for g in SEGMENTS], seg),
            "assigned_at": timestamps(assigned),
            "valid_until": timestamps(assigned + 90 * _DAY),
            "created_at": timestamps(assigned),
        }
    )
