"""Realism properties of generated rows that the calibration figures do not pin down."""

from __future__ import annotations

import json

import numpy as np
import polars as pl

from wedsync_analytics.funnels import FUNNELS
from wedsync_analytics.generate import build_scenario, frames
from wedsync_analytics.generate.world import COUPLE, SUPPLIER, World

SCENARIO = build_scenario("small", seed=4, days=45)


def _all(name: str) -> pl.DataFrame:
    return pl.concat(list(frames(SCENARIO, name, 10**9)))


def test_funnel_steps_are_the_shared_funnels_with_distinct_first_steps() -> None:
    ev = _all("business_events").filter(pl.col("event_type") == "funnel")
    steps = set(ev["funnel_step"].to_list())
    assert steps <= set(FUNNELS["supplier"]) | set(FUNNELS["couple"])
    assert {"supplier_signup", "couple_signup"} <= steps
    # one funnel per user: nobody has steps of both funnels
    kinds = (
        ev.with_columns(sup=pl.col("funnel_step").is_in(list(FUNNELS["supplier"])))
        .group_by("user_id")
        .agg(pl.col("sup").n_unique())
    )
    assert kinds["sup"].max() == 1


def test_weddings_are_in_the_events_of_couples_and_their_suppliers() -> None:
    """A couple's events carry its wedding date; suppliers' events tagged with a wedding
    happen on its day or the two days before (local time)."""
    w = World(SCENARIO)
    kind = dict(zip(w.org_id.to_list(), w.org_kind.tolist(), strict=True))
    org_date = dict(
        zip(
            w.org_id.to_list(),
            (str(np.datetime64(int(d), "D")) if d >= 0 else None for d in w.wedding_date),
            strict=True,
        )
    )
    dated = (
        _all("business_events")
        .filter(pl.col("event_properties").str.contains("wedding_date"))
        .with_columns(
            local=pl.col("event_timestamp").dt.convert_time_zone(w.market.timezone).dt.date()
        )
    )
    supplier_leads = []
    for org, props, local in dated.select(
        "organization_id", "event_properties", "local"
    ).iter_rows():
        wedding = json.loads(props)["wedding_date"]
        if kind[org] == COUPLE:
            assert wedding == org_date[org]
        else:
            assert kind[org] == SUPPLIER
            supplier_leads.append((np.datetime64(wedding) - np.datetime64(local)).astype(int))
    assert set(supplier_leads) <= {0, 1, 2}
    assert len(supplier_leads) > 0 and sum(kind[o] == COUPLE for o in dated["organization_id"])


def test_late_rows_are_late_never_early() -> None:
    pm = _all("performance_metrics")
    lag = (pm["created_at"] - pm["timestamp"]).dt.total_seconds()
    assert lag.min() >= 0
    assert 0.01 < (lag > 60).mean() < 0.03  # type: ignore[operator]
    assert lag.max() > 3600  # some arrive hours late


def test_notification_retries_are_consistent() -> None:
    nq = _all("notification_queue")
    assert nq["attempts"].min() >= 1 and nq["attempts"].max() <= 3
    assert (nq["attempts"] > 1).any()
    assert nq.filter(pl.col("status") == "sent")["sent_at"].null_count() == 0
    assert (
        nq.filter(pl.col("status") != "sent")["sent_at"].null_count()
        == nq.filter(pl.col("status") != "sent").height
    )
    assert (nq["last_error"].is_not_null() == (nq["attempts"] > 1)).all()
    failed = nq.filter(pl.col("status") == "failed")
    assert (failed["attempts"] == 3).all()


def test_error_groups_regress_and_rate_limits_show_as_429() -> None:
    groups = _all("error_groups")
    regressed = groups.filter(pl.col("regression_count") > 0)
    assert regressed.height > 0
    reopened = regressed.filter(pl.col("resolved_at").is_null())
    assert (reopened["status"] == "open").all()
    api = _all("api_performance").filter(pl.col("status_code") == 429)
    assert api.height > 0
    assert set(api["service_name"].to_list()) == {"api-gateway"}


def test_tenant_sizes_are_heavy_tailed() -> None:
    w = World(build_scenario("season", seed=2))
    size = np.sort(w.org_size[1 : 1 + w.s.suppliers])[::-1]
    top = size[: len(size) // 10].sum() / size.sum()
    assert top > 0.5
    assert np.median(size) < 2.5  # many small tenants


def test_third_party_status_follows_outages_of_the_dependent_service() -> None:
    from wedsync_analytics.generate import pools as P
    from wedsync_analytics.generate.ops import _THIRD

    for seed in range(1, 6):
        s = build_scenario("small", seed=seed, days=30)
        w = World(s)
        tp = pl.concat(list(frames(s, "third_party_services", 100)))
        inc, check = w.incidents, w.end_us - 60_000_000
        for (name, _, _, svc), status, uptime in zip(
            _THIRD, tp["current_status"], tp["uptime_percentage"], strict=True
        ):
            mine = inc.service == P.SERVICES.index(svc) if svc else np.zeros(inc.count, bool)
            live = mine & (inc.start <= check) & (check < inc.end)
            assert (status != "operational") == bool(live.any()), (seed, name)
            if not mine.any():  # (a short low-severity outage may round to 100.00)
                assert uptime == 100, (seed, name)
