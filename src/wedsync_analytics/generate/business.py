"""Business tables: business_events (signup funnels of new organizations, then calendar-shaped
activity), conversion_funnels, feature_usage, revenue_metrics, user_segments."""

from __future__ import annotations

import numpy as np
import polars as pl

from wedsync_analytics.funnels import FUNNELS
from wedsync_analytics.generate import pools as P
from wedsync_analytics.generate import weddings
from wedsync_analytics.generate.columns import json_text, pg_array, pooled, timestamps
from wedsync_analytics.generate.events import SEGMENTS, Base, base, ingest_lag, user_segment
from wedsync_analytics.generate.rng import Streams
from wedsync_analytics.generate.world import COUPLE, SUPPLIER, World, ids

FUNNEL_NAMES = FUNNELS["supplier"] + FUNNELS["couple"]

_DAY = 86_400_000_000
# Per step of FUNNELS: (probability of reaching it from the previous step, median delay in
# hours after the previous step; log-normal, sigma FUNNEL_DELAY_SIGMA).
# Supplier: 0.70 x 0.55 = 38.5 % activated (first client), in line with the 37.5 % average
# activation rate of SaaS products (Userpilot product metrics benchmark 2024; an estimate
# we could not verify with our reference search); x 0.40 = 15.4 % sign-up to paid, the
# no-card trial benchmark of about 15 % (Totango study of ~100 SaaS companies, 2012;
# Chargebee 2016; range 6-25 %, collected at analyticspack.com "Free to Paid").
# Couple: no published benchmark for wedding-planning apps; our estimates.
SUPPLIER_STEPS = ((1.0, 0.0), (0.70, 4.0), (0.55, 36.0), (0.40, 96.0))
COUPLE_STEPS = ((1.0, 0.0), (0.80, 2.0), (0.55, 72.0), (0.50, 120.0))
FUNNEL_DELAY_SIGMA = 0.8
# monthly churn of subscribed suppliers: 3 % (small-business SaaS logo churn is commonly
# quoted at 3-7 % a month; our estimate, no single source)
MONTHLY_CHURN = 0.03
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
        p = np.where(kind == SUPPLIER, SUPPLIER_STEPS[step][0], COUPLE_STEPS[step][0])
        med = np.where(kind == SUPPLIER, SUPPLIER_STEPS[step][1], COUPLE_STEPS[step][1])
        alive &= s[f"go{step}"].uniform(orgs) < p
        z = s[f"delay{step}"].normal(orgs)
        t = t + (med * np.exp(FUNNEL_DELAY_SIGMA * z) * 3.6e9).astype(np.int64)
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


def wedding_dates(w: World) -> pl.Series:
    """ISO wedding date of each organization (null unless a couple)."""
    cached = w.__dict__.get("_wedding_dates")
    if cached is None:
        d = w.wedding_date
        cached = pl.Series(np.maximum(d, 0).astype("datetime64[D]")).cast(pl.String)
        cached = pl.select(pl.when(pl.Series(d >= 0)).then(cached)).to_series()
        w.__dict__["_wedding_dates"] = cached
    return cached


def _funnel_rows(w: World, f: dict[str, np.ndarray], a: int, b: int) -> pl.DataFrame:
    sl = slice(a, b)
    user, step, ts, kind = f["user"][sl], f["step"][sl], f["ts"][sl], f["kind"][sl]
    n = len(ts)
    idx = np.arange(a, b, dtype=np.int64)
    s = Streams(w.seed, "business_events.funnel")
    sup = kind == SUPPLIER
    name_idx = np.where(sup, step, 4 + step)
    tier = s["tier"].choice(idx, (0.5, 0.35, 0.15))
    price = np.asarray(PRICES[w.s.market])[tier]
    paid = sup & (step == 3)
    org = w.user_org[user]
    props = [
        _props("funnel", tier=TIERS[t]) if k == SUPPLIER else _props("funnel", wedding_date=d)
        for t, k, d in zip(tier, kind, wedding_dates(w).gather(org), strict=True)
    ]
    return pl.DataFrame(
        {
            "id": ids(w.seed, "business_events.funnel", b)[a:b]
            if b
            else pl.Series([], dtype=pl.String),
            "event_type": pl.Series(["funnel"] * n),
            "event_name": pooled(FUNNEL_NAMES, name_idx),
            "user_id": w.user_id.gather(user),
            "organization_id": w.org_id.gather(org),
            "session_id": pl.Series([None] * n, dtype=pl.String),
            "event_properties": pl.Series(props, dtype=pl.String),
            "user_properties": pooled(
                [_props("supplier"), _props("couple")], (kind == COUPLE).astype(np.int64)
            ),
            "device_properties": pl.Series(['{"device":"desktop"}'] * n),
            "wedding_context": w.hour_context.gather(w.grid.hour_of(ts)),
            "conversion_value": np.where(paid, price, np.nan),
            "revenue_impact": np.where(paid, price, np.nan),
            "funnel_step": pooled(FUNNEL_NAMES, name_idx),
            "experiment_id": pl.Series([None] * n, dtype=pl.String),
            "ab_test_variant": pl.Series([None] * n, dtype=pl.String),
            "event_timestamp": timestamps(ts),
            "processed_at": timestamps(np.minimum(ts + 1_500_000, w.end_us - 1)),
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
            "event_properties": _activity_props(w, e, ev),
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


def _activity_props(w: World, e: Base, ev: np.ndarray) -> pl.Series:
    """{"kind": event} JSON with a "wedding_date": a couple's own; for a supplier's event,
    the wedding it prepares or works (on its day or the two before), for the share of
    that day's supplier activity the weddings add (see `weddings`)."""
    plain = pooled([_props(x[1]) for x in ACTIVITY], ev)
    date = wedding_dates(w).gather(e.org)
    day = w.grid.day_index[e.hour]
    factor = w.wedding_day_factor[day]
    sup = np.flatnonzero(
        (w.org_kind[e.org] == SUPPLIER) & (e.u("wedding") < (factor - 1.0) / factor)
    )
    if len(sup):
        c = weddings.counts(w.wedding_date, np.datetime64(w.s.start, "D"), w.s.days)
        lead = weddings.pick_lead(c, day[sup], e.s("wedding_lead").uniform(e.idx[sup]))
        when = np.datetime64(w.s.start, "D") + day[sup] + lead
        date = date.scatter(sup, pl.Series(when).cast(pl.String))
    return pl.select(
        pl.when(date.is_not_null())
        .then(plain.str.head(-1) + ',"wedding_date":"' + date + '"}')
        .otherwise(plain)
    ).to_series()


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
    steps = [pg_array(FUNNELS["supplier"]), pg_array(FUNNELS["couple"])] + [
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
    """Daily MRR per subscribed supplier from its subscription day (before the scenario, or
    its funnel's subscription_started) until it churns (MONTHLY_CHURN); a new_mrr row on
    the subscription day, a churned_mrr row on the churn day."""
    s = Streams(w.seed, "revenue_metrics")
    days = w.s.days
    old = np.flatnonzero((w.org_kind == SUPPLIER) & ~w.org_new)
    old = old[s["subscribed"].uniform(old) < 0.75]
    f = funnel(w)
    new = np.flatnonzero((f["step"] == 3) & (f["kind"] == SUPPLIER))
    new_org = w.user_org[f["user"][new]]
    new_day = (w.grid.day_index[w.grid.hour_of(f["ts"][new])]).astype(np.int64)
    new_tier = Streams(w.seed, "business_events.funnel")["tier"].choice(new, (0.5, 0.35, 0.15))
    org = np.r_[old, new_org]
    tier = np.r_[s["tier"].choice(old, (0.5, 0.35, 0.15)), new_tier]
    first = np.r_[np.zeros(len(old), np.int64), new_day]
    hazard = -np.log1p(-MONTHLY_CHURN) / 30.0
    churn = first + 1 + (s["churn"].exponential(org, 1.0) / hazard).astype(np.int64)
    last = np.minimum(churn, days)  # MRR rows on days [first, last)
    n_mrr = np.maximum(last - first, 0)
    sub = np.repeat(np.arange(len(org)), n_mrr)
    day = first[sub] + np.arange(len(sub)) - np.repeat(np.cumsum(n_mrr) - n_mrr, n_mrr)
    mtype = np.zeros(len(sub), np.int64)
    is_new = np.flatnonzero(np.arange(len(org)) >= len(old))
    churned = np.flatnonzero(churn < days)
    sub = np.r_[sub, is_new, churned]
    day = np.r_[day, first[is_new], churn[churned]]
    mtype = np.r_[mtype, np.ones(len(is_new), np.int64), np.full(len(churned), 2)]
    n = len(sub)
    prices = np.asarray(PRICES[w.s.market])
    dates = np.datetime64(w.s.start, "D") + day
    season = np.isin(dates.astype("datetime64[M]").astype(np.int64) % 12 + 1, range(5, 11))
    created = np.minimum(w.start_us + (day + 1) * _DAY - 60_000_000, w.end_us - 1)
    return pl.DataFrame(
        {
            "id": ids(w.seed, "revenue_metrics", n),
            "organization_id": w.org_id.gather(org[sub]),
            "metric_date": pl.Series(dates).cast(pl.Date),
            "metric_type": pooled(("mrr", "new_mrr", "churned_mrr"), mtype),
            "subscription_tier": pooled(TIERS, tier[sub]),
            "amount": prices[tier[sub]],
            "currency": pl.Series([w.market.currency] * n),
            "active_subscriptions": (mtype != 2).astype(np.int64),
            "new_subscriptions": (mtype == 1).astype(np.int64),
            "churned_subscriptions": (mtype == 2).astype(np.int64),
            "is_wedding_season": season,
            "created_at": timestamps(created),
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
    assigned = np.minimum(assigned, (w.user_created[u] + w.end_us) // 2)
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
