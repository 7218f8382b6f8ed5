"""core_web_vitals: one row per page load, calibrated per route, device and connection.

Model (all medians are our estimates for a SaaS web app; the product-level results are
checked against published CrUX / Web Almanac figures in `generate.calibration`):

* Route: a template of `ROUTES`; suppliers and couples each visit their own routes with
  Zipf-like popularity (weight 1/rank), ids in the URL vary (1..99,999).
* LCP = route median x device factor x connection factor x load factor x incident
  degradation^0.5 x log-normal noise (sigma 0.45). TTFB and FCP follow (TTFB <= FCP <= LCP).
* Load factor = (traffic of the hour / mean traffic)^0.25: the servers are busier in the
  wedding season and on wedding days, so season and off-season pages differ.
* INP exists only when the visitor interacted (route's interaction probability; otherwise
  NULL, as web-vitals reports nothing); mobile and tablet CPUs are slower.
* CLS is exactly 0 for a route-specific share of loads (no layout shift at all), else
  log-normal (route median 0.03-0.1, sigma 1.0); desktop shifts more (wider layouts, ads
  and images reflowing), as CrUX shows (CLS is the one metric better on mobile).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from wedsync_analytics.generate import pools as P
from wedsync_analytics.generate.columns import pooled, rounded
from wedsync_analytics.generate.events import base
from wedsync_analytics.generate.world import COUPLE, World

# (template, desktop LCP median ms, desktop INP median ms, P(interaction), P(CLS = 0),
#  who visits it: 0 suppliers, 1 couples, 2 both, median CLS when not 0)
ROUTES = (
    ("/dashboard", 1150, 70, 0.75, 0.50, 0, 0.03),
    ("/clients", 1000, 60, 0.70, 0.60, 0, 0.03),
    ("/messages", 950, 80, 0.80, 0.60, 2, 0.03),
    ("/weddings/{id}/timeline", 1300, 100, 0.70, 0.45, 2, 0.05),
    ("/clients/{id}", 950, 60, 0.60, 0.60, 0, 0.03),
    ("/calendar", 1200, 110, 0.60, 0.50, 0, 0.03),
    ("/forms/builder", 1350, 130, 0.85, 0.40, 0, 0.06),
    ("/invoices", 1000, 60, 0.50, 0.60, 0, 0.03),
    ("/gallery/{id}", 1800, 80, 0.50, 0.30, 2, 0.1),
    ("/onboarding", 1050, 70, 0.80, 0.50, 2, 0.03),
    ("/settings/billing", 850, 55, 0.40, 0.70, 0, 0.03),
    ("/wedme/plan", 1200, 80, 0.60, 0.50, 1, 0.03),
    ("/wedme/suppliers", 1550, 90, 0.60, 0.35, 1, 0.09),
    ("/wedme/guests", 1050, 110, 0.70, 0.50, 1, 0.03),
    ("/wedme/budget", 1000, 80, 0.60, 0.55, 1, 0.03),
    ("/pricing", 1100, 45, 0.30, 0.40, 2, 0.08),
)
assert {r[0] for r in ROUTES} == set(P.PAGES)
DEVICE_LCP = (1.0, 1.1, 1.2)  # desktop, tablet, mobile
DEVICE_INP = (1.0, 1.4, 1.7)
DEVICE_CLS = (1.3, 1.0, 0.85)
# per CONNECTIONS: slow_2g, 2g, 3g, 4g, 5g, wifi, ethernet, unknown
CONNECTION_LCP = (4.0, 2.8, 1.7, 1.1, 1.02, 1.0, 0.92, 1.1)
LCP_SIGMA = 0.45
LOAD_EXPONENT = 0.25


def _route_weights(kind: int) -> tuple[float, ...]:
    """Zipf-like popularity (1/rank) over the routes a kind of user visits."""
    mine = [i for i, r in enumerate(ROUTES) if r[5] in (kind, 2)]
    w = np.zeros(len(ROUTES))
    w[mine] = 1.0 / np.arange(1, len(mine) + 1)
    return tuple(float(x) for x in w)


def rating(lcp: np.ndarray, inp: np.ndarray, cls: np.ndarray) -> pl.Series:
    """Worst of the LCP/INP/CLS ratings (web-vitals thresholds: good <=, poor >); a missing
    INP (NaN) does not count, as SQL greatest() ignores NULLs."""
    r = np.maximum.reduce(
        [
            np.digitize(lcp, [2500, 4000], right=True),
            np.where(np.isnan(inp), 0, np.digitize(inp, [200, 500], right=True)),
            np.digitize(cls, [0.1, 0.25], right=True),
        ]
    )
    return pooled(("good", "needs_improvement", "poor"), r, enum=True)


_VIEWPORTS = (
    (1920, 1080),
    (1440, 900),
    (1366, 768),
    (1024, 1366),
    (820, 1180),
    (390, 844),
    (414, 896),
    (360, 800),
)
_VIEWPORT_BY_DEVICE = ((0, 1, 2), (3, 4), (5, 6, 7))
_UA_BY_DEVICE = ((0, 1, 5), (4,), (2, 3, 6))


def _by_device(dev: np.ndarray, u: np.ndarray, options: tuple[tuple[int, ...], ...]) -> np.ndarray:
    out = np.zeros(len(dev), dtype=np.int64)
    for d, opts in enumerate(options):
        sel = dev == d
        out[sel] = np.asarray(opts)[(u[sel] * len(opts)).astype(np.int64)]
    return out


def core_web_vitals(w: World, start: int, stop: int, total: int) -> pl.DataFrame:
    """One row per page load with its Core Web Vitals."""
    b = base(w, "core_web_vitals", start, stop, total)
    dev = np.minimum(b.device_idx(), 2)
    conn = b.connection_idx()
    couple = w.org_kind[b.org] == COUPLE
    route = np.where(
        couple,
        b.s("route").choice(b.idx, _route_weights(1)),
        b.s("route").choice(b.idx, _route_weights(0)),
    )
    r = np.asarray([(*x[1:5], x[6]) for x in ROUTES], dtype=np.float64)[route]
    deg = np.sqrt(w.degradation(b.ts))
    load = (w.grid.weight[b.hour] / w.grid.weight.mean()) ** LOAD_EXPONENT
    lcp = (
        r[:, 0]
        * np.asarray(DEVICE_LCP)[dev]
        * np.asarray(CONNECTION_LCP)[conn]
        * load
        * deg
        * np.exp(LCP_SIGMA * b.s("lcp").normal(b.idx))
    )
    ttfb = lcp * (0.22 + 0.12 * b.u("ttfb")) * load
    fcp = ttfb + (lcp - ttfb) * (0.45 + 0.35 * b.u("fcp"))
    inp = r[:, 1] * np.asarray(DEVICE_INP)[dev] * deg * np.exp(0.6 * b.s("inp").normal(b.idx))
    inp = np.where(b.u("interacted") < r[:, 2], inp, np.nan)
    cls = r[:, 4] * np.exp(b.s("cls").normal(b.idx)) * np.asarray(DEVICE_CLS)[dev]
    cls = np.where(b.u("cls0") < r[:, 3], 0.0, cls)
    lcp, inp = rounded(lcp, 2, 999_999.0), rounded(inp, 2, 999_999.0)
    cls = rounded(cls, 4, 9_999.0)
    u = b.u("viewport")
    templates = pooled([x[0] for x in ROUTES], route)
    ident = pl.Series(b.s("object").integers(b.idx, 1, 100_000)).cast(pl.String)
    return pl.DataFrame(
        {
            "id": b.ids(),
            "organization_id": b.org_ids(),
            "user_id": b.user_ids(),
            "session_id": b.sessions(),
            "page_url": "https://app.wedsync.com"
            + pl.select(
                pl.lit(templates).str.replace("{id}", pl.lit(ident), literal=True)
            ).to_series(),
            "page_group": templates.str.replace("{id}", ":id", literal=True),
            "lcp_value": lcp,
            "inp_value": pl.Series(inp).fill_nan(None),
            "fid_value": pl.Series([None] * b.n, dtype=pl.Float64),
            "cls_value": cls,
            "fcp_value": rounded(fcp, 2, 999_999.0),
            "ttfb_value": rounded(ttfb, 2, 999_999.0),
            "device_type": b.devices(),
            "connection_type": b.connections(),
            "viewport_width": np.array([v[0] for v in _VIEWPORTS])[
                _by_device(dev, u, _VIEWPORT_BY_DEVICE)
            ],
            "viewport_height": np.array([v[1] for v in _VIEWPORTS])[
                _by_device(dev, u, _VIEWPORT_BY_DEVICE)
            ],
            "user_agent": pooled(P.USER_AGENTS, _by_device(dev, u * 997 % 1, _UA_BY_DEVICE)),
            "performance_rating": rating(lcp, inp, cls),
            "wedding_workflow_context": b.context(),
            "created_at": b.times(),
        }
    )
