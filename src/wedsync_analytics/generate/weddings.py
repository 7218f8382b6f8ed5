"""Wedding dates of couples, and the extra platform traffic on and just before wedding days.

Each couple organization gets one wedding day (local date of the market), drawn from the
market's published month and weekday shares (`calendar.MARKETS`, sources there):

* the horizon is the 24 whole months starting with the scenario's first month; each month
  gets its published share (halved, two years), split over its days in proportion to the
  weekday shares, so the sampling distribution's month shares equal the published ones
  exactly and its weekday shares match them to within the months' weekday mix;
* a couple plans for at least `MIN_PLANNING_DAYS`: a date too close to (or before) the
  couple's sign-up moves 52 weeks later (same weekday, same season).

Wedding-day load: suppliers work on the day and prepare in the days before (timelines,
final guest numbers, payments). The platform's traffic on local day d is multiplied by
`1 + EXTRA_ORG_DAYS * load_d / organizations`, where `load_d` = weddings on d + 1/2 of
those on d+1 + 1/4 of those on d+2; EXTRA_ORG_DAYS = 14 organization-days of extra activity
per wedding is our estimate (The Knot 2023: 14 suppliers hired per wedding; each is
assumed to add about one ordinary day of its activity), not a published figure.
"""

from __future__ import annotations

import numpy as np

from wedsync_analytics.generate.calendar import Market
from wedsync_analytics.generate.rng import F64, I64

MIN_PLANNING_DAYS = 30
EXTRA_ORG_DAYS = 14.0
LEAD_WEIGHTS = (1.0, 0.5, 0.25)  # weddings today, tomorrow, the day after


def day_probabilities(m: Market, first_day: np.datetime64) -> tuple[I64, F64]:
    """Days of the horizon and the probability of a wedding on each."""
    m0 = first_day.astype("datetime64[M]")
    dates = np.arange(m0.astype("datetime64[D]"), (m0 + 24).astype("datetime64[D]"))
    days = dates.astype(np.int64)
    month_idx = dates.astype("datetime64[M]").astype(np.int64)
    dow = (days + 3) % 7  # ISO index 0 = Monday (1970-01-01 was a Thursday)
    wk = np.asarray(m.weekday_share)[dow]
    share = np.asarray(m.month_share)[month_idx % 12] / 2.0
    within = np.bincount(month_idx - month_idx[0], weights=wk)[month_idx - month_idx[0]]
    p = share * wk / within
    return days, p / p.sum()


def draw(m: Market, first_day: np.datetime64, u: F64, created_day: I64) -> I64:
    """Wedding day (days since epoch) for uniforms `u`, at least MIN_PLANNING_DAYS after
    `created_day` (the couple's sign-up day)."""
    days, p = day_probabilities(m, first_day)
    pick = np.minimum(np.searchsorted(np.cumsum(p), u, side="right"), len(days) - 1)
    out = days[pick]
    while True:
        early = out < created_day + MIN_PLANNING_DAYS
        if not early.any():
            return out
        out = np.where(early, out + 364, out)


def counts(wedding_days: I64, first_day: np.datetime64, n_days: int) -> I64:
    """Weddings on each scenario day and the LEAD_WEIGHTS - 1 days after the scenario."""
    d = wedding_days - int(first_day.astype(np.int64))
    n = n_days + len(LEAD_WEIGHTS) - 1
    return np.bincount(d[(d >= 0) & (d < n)], minlength=n)


def day_load(wedding_days: I64, first_day: np.datetime64, n_days: int) -> F64:
    """Weighted weddings on each scenario day d and the days just after it."""
    c = counts(wedding_days, first_day, n_days)
    load = np.zeros(n_days)
    for lead, weight in enumerate(LEAD_WEIGHTS):
        load += weight * c[lead : lead + n_days]
    return load


def pick_lead(c: I64, day: I64, u: F64) -> I64:
    """For rows on scenario days `day`, a lead (0, 1, 2 days to the wedding) drawn in
    proportion to LEAD_WEIGHTS x weddings on that day (`c` = `counts(...)`)."""
    w = np.stack([wt * c[day + lead] for lead, wt in enumerate(LEAD_WEIGHTS)], axis=1)
    cdf = np.cumsum(w, axis=1)
    return np.minimum((cdf < u[:, None] * cdf[:, -1:]).sum(axis=1), len(LEAD_WEIGHTS) - 1)


def traffic_factor(wedding_days: I64, first_day: np.datetime64, n_days: int, orgs: int) -> F64:
    """Multiplier of each scenario day's traffic from the weddings on and after it."""
    return 1.0 + EXTRA_ORG_DAYS * day_load(wedding_days, first_day, n_days) / max(orgs, 1)
