"""Calendar shapes per market: wedding seasonality, weekday and daily cycle, as an hourly grid.

Sources (see /docs/generate.md for the full discussion):

* US month shares: Zola, "First Look Report" 2018 (wedding dates booked on Zola):
  Jan 2, Feb 2, Mar 4, Apr 6, May 9, Jun 14, Jul 9, Aug 10, Sep 18, Oct 14, Nov 6, Dec 5 (%).
  The raw figures sum to 99 %; they are normalised.
* US weekday shares: full-service wedding market (The Knot Real Weddings Study 2023: about
  90 % of weddings on Friday to Sunday; Saturday 55-65 %, Friday 15-20 %, Sunday 5-10 %).
  Chosen: Sat 60, Fri 18, Sun 12, Mon-Thu 2.5 each.
* UK (England and Wales) month shares: ONS "Marriages in England and Wales", averages 1995-2013:
  August 15.7, July 13.1, September 13.0; January 2.6 (2023). The other eight months are NOT
  published figures in our reference: they are estimates interpolated so that the year sums
  to 100 % with a May-September season (Feb 3.4, Mar 4.6, Apr 7.0, May 10.0, Jun 12.6,
  Oct 9.0, Nov 4.8, Dec 4.2).
* UK weekday shares: ONS 1995-2013 averages: Sat 62, Fri 17, Thu 5, Sun 4.4, Mon 4, Wed 4,
  Tue 3.3 (normalised). Unlike the US, Sunday is not the third day in England and Wales.
* Daily cycle: an assumption (no published source): quiet nights, a morning peak for
  suppliers and an evening peak for couples planning after work, in local time.

Weekdays are ISO numbered everywhere here: Monday = 1 ... Sunday = 7 (index 0..6 in arrays).
Platform traffic follows wedding volume partly: `traffic = (1 - f) + f * wedding_index`, where
`wedding_index` is the month's (or weekday's) wedding rate divided by its mean and `f` is the
market's `traffic_follow` fraction. Hourly weights multiply the month, weekday and hour terms,
all evaluated in the market's local time zone.
"""

from __future__ import annotations

import calendar as _cal
import copy
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from wedsync_analytics.generate.rng import F64, I64

US_PER_HOUR = 3_600_000_000
US_PER_DAY = 24 * US_PER_HOUR


def _norm(values: list[float]) -> tuple[float, ...]:
    total = float(sum(values))
    return tuple(v / total for v in values)


@dataclass(frozen=True)
class Market:
    """Calendar calibration of one market."""

    code: str
    timezone: str
    month_share: tuple[float, ...]  # 12 wedding shares, Jan..Dec, sum 1
    weekday_share: tuple[float, ...]  # 7 wedding shares, ISO Mon..Sun, sum 1
    hourly_weight: tuple[float, ...]  # 24 relative traffic weights by local hour
    season_months: tuple[int, ...]  # months flagged `is_wedding_season`
    traffic_follow: float  # how strongly traffic follows wedding volume (0..1)
    currency: str
    source: str


_HOURLY = _norm(
    [
        0.9,
        0.6,
        0.4,
        0.3,
        0.3,
        0.5,
        1.2,
        2.5,
        4.2,
        5.6,
        6.2,
        6.0,
        5.6,
        5.7,
        5.8,
        5.6,
        5.3,
        5.0,
        5.3,
        6.2,
        6.8,
        6.0,
        4.0,
        2.2,
    ]
)

MARKETS: dict[str, Market] = {
    "us": Market(
        code="us",
        timezone="America/New_York",
        month_share=_norm([2, 2, 4, 6, 9, 14, 9, 10, 18, 14, 6, 5]),
        weekday_share=_norm([2.5, 2.5, 2.5, 2.5, 18, 60, 12]),
        hourly_weight=_HOURLY,
        season_months=(5, 6, 7, 8, 9, 10),
        traffic_follow=0.6,
        currency="USD",
        source="Zola First Look Report 2018 (months); The Knot Real Weddings Study 2023 (weekdays)",
    ),
    "uk": Market(
        code="uk",
        timezone="Europe/London",
        month_share=_norm([2.6, 3.4, 4.6, 7.0, 10.0, 12.6, 13.1, 15.7, 13.0, 9.0, 4.8, 4.2]),
        weekday_share=_norm([4.0, 3.3, 4.0, 5.0, 17.0, 62.0, 4.4]),
        hourly_weight=_HOURLY,
        # The flag follows the platform's rule (spec: May to October, as in the SQL
        # function public.wedding_context), not the market's statistics; the UK's
        # May-September peak shows in month_share.
        season_months=(5, 6, 7, 8, 9, 10),
        traffic_follow=0.6,
        currency="GBP",
        source="ONS Marriages in England and Wales (1995-2013 averages; 2023)",
    ),
}


def market(code: str) -> Market:
    """The market called `code` (KeyError if unknown)."""
    return MARKETS[code]


def month_rate_index(m: Market) -> F64:
    """Weddings per day in each month relative to the yearly mean (index 0 = January)."""
    days = np.array([31, 28.25, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    per_day = np.asarray(m.month_share) / days
    return np.asarray(per_day / (per_day @ days / days.sum()), dtype=np.float64)


def weekday_rate_index(m: Market) -> F64:
    """Weddings per weekday relative to the mean weekday (index 0 = Monday)."""
    return np.asarray(m.weekday_share, dtype=np.float64) * 7.0


def traffic_month_weight(m: Market) -> F64:
    """Relative traffic per day in each month."""
    return (1.0 - m.traffic_follow) + m.traffic_follow * month_rate_index(m)


def traffic_weekday_weight(m: Market) -> F64:
    """Relative traffic per weekday (ISO Monday first)."""
    return (1.0 - m.traffic_follow) + m.traffic_follow * weekday_rate_index(m)


class HourGrid:
    """The scenario's hours (UTC) with local calendar fields and traffic weights."""

    def __init__(self, m: Market, start: date, days: int) -> None:
        self.market = m
        tz = ZoneInfo(m.timezone)
        begin = datetime(start.year, start.month, start.day, tzinfo=tz)
        end_day = start + timedelta(days=days)
        end = datetime(end_day.year, end_day.month, end_day.day, tzinfo=tz)
        epoch = datetime(1970, 1, 1, tzinfo=ZoneInfo("UTC"))
        self.start_us = int((begin - epoch) / timedelta(microseconds=1))
        self.end_us = int((end - epoch) / timedelta(microseconds=1))
        n = (self.end_us - self.start_us) // US_PER_HOUR
        self.hours = n
        month = np.empty(n, np.int64)
        isodow = np.empty(n, np.int64)
        hour = np.empty(n, np.int64)
        day_index = np.empty(n, np.int64)
        local_date = np.empty(n, "datetime64[D]")
        utc_begin = begin.astimezone(ZoneInfo("UTC"))  # aware + timedelta is wall-clock time
        for i in range(n):
            local = (utc_begin + timedelta(hours=i)).astimezone(tz)
            month[i], isodow[i], hour[i] = local.month, local.isoweekday(), local.hour
            day_index[i] = (local.date() - start).days
            local_date[i] = np.datetime64(local.date())
        self.month, self.isodow, self.local_hour = month, isodow, hour
        self.day_index, self.local_date = day_index, local_date
        self.weight = (
            traffic_month_weight(m)[month - 1]
            * traffic_weekday_weight(m)[isodow - 1]
            * np.asarray(m.hourly_weight)[hour]
        )
        cdf = np.concatenate([[0.0], np.cumsum(self.weight)])
        self.cdf = cdf / cdf[-1]
        self.is_weekend = isodow >= 6
        self.is_season = np.isin(month, np.asarray(m.season_months))

    def with_day_factor(self, factor: F64) -> HourGrid:
        """A copy whose hourly weights are multiplied by `factor[local day index]`."""
        out = copy.copy(self)
        out.__dict__.pop("expected_share", None)
        out.weight = self.weight * np.asarray(factor)[self.day_index]
        cdf = np.concatenate([[0.0], np.cumsum(out.weight)])
        out.cdf = cdf / cdf[-1]
        return out

    @cached_property
    def expected_share(self) -> F64:
        """Expected share of traffic rows in each hour."""
        return np.asarray(np.diff(self.cdf), dtype=np.float64)

    def sample(self, idx: I64, n_total: int, jitter: F64) -> I64:
        """Stratified inverse-CDF event times (UTC microseconds) for rows `idx` of `n_total`.

        Row i lands at quantile (i + jitter_i) / n_total of the intensity, so times rise with
        the row index and the realised shares match the weights to within one row per hour.
        """
        p = (idx.astype(np.float64) + jitter) / max(n_total, 1)
        h = np.searchsorted(self.cdf, p, side="right") - 1
        h = np.clip(h, 0, self.hours - 1)
        lo = self.cdf[h]
        width = self.cdf[h + 1] - lo
        frac = np.clip((p - lo) / width, 0.0, 0.999999)
        return self.start_us + h * US_PER_HOUR + (frac * US_PER_HOUR).astype(np.int64)

    def hour_of(self, ts_us: I64) -> I64:
        """Grid hour index of UTC-microsecond times (clipped to the grid)."""
        return np.clip((ts_us - self.start_us) // US_PER_HOUR, 0, self.hours - 1)

    def random_hours(self, u: F64, weights: npt.ArrayLike | None = None) -> I64:
        """Grid hours drawn by inverse CDF of `weights` (default: traffic) for uniforms `u`."""
        w = self.weight if weights is None else np.asarray(weights, dtype=np.float64)
        cdf = np.cumsum(w)
        cdf /= cdf[-1]
        return np.minimum(np.searchsorted(cdf, u, side="right"), self.hours - 1)


def days_in_month(year: int, month: int) -> int:
    """Number of days in a month."""
    return _cal.monthrange(year, month)[1]
