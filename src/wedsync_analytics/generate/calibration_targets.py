"""The calibrated figures: what each should be, the accepted range (tolerance) and the source.

The web-vitals sources (SOURCES) give shares of origins; a product is one origin, so the
per-load and p75 bands are our estimates of a typical origin (the median origin sits near
the good thresholds).
"""

from __future__ import annotations

from dataclasses import dataclass

INF = float("inf")

SOURCES = {
    "CRUX23": 'CrUX via HTTP Archive, November 2023 (DebugBear, "Which Core Web Vitals '
    'metric is hardest to pass"): share of origins good at p75, mobile LCP 54.9 %, INP '
    "64.9 %, CLS 76.9 %; desktop LCP 68.8 %, INP 96.8 %, CLS 70.4 %.",
    "ALM25": "Web Almanac 2025 performance chapter (CrUX July 2025, as quoted by "
    "digitalapplied.com and webvitals.tools): 48 % of mobile and 56 % of desktop origins "
    "pass all three Core Web Vitals; mobile good LCP 62 %, INP 77 %, CLS 81 % of origins.",
    "thresholds": "web-vitals (GoogleChrome/web-vitals): LCP 2500/4000 ms, INP 200/500 ms, "
    "CLS 0.1/0.25 (domain-facts.md).",
}


@dataclass(frozen=True)
class Target:
    """A figure's target, its accepted range [low, high] and its source."""

    section: str
    title: str
    target: str
    low: float
    high: float
    source: str
    unit: str = "%"


_W = "Weddings"
_F = "Funnels and tenants"
_E = "Errors, incidents and operations"
_V = "Core Web Vitals"
_ZOLA = "Zola First Look Report 2018"
_ONS = "ONS Marriages in England and Wales (1995-2013 averages)"
_KNOT = "The Knot Real Weddings Study 2023 (~90 % Fri-Sun); domain-facts.md"
_TRIAL = "Totango 2012 (~100 SaaS), Chargebee 2016: ~15 % no-card trials (analyticspack.com)"
_EST = "estimate (no published figure)"
_CWV = "CRUX23, ALM25 (Sources below); band: estimate"

TARGETS: dict[str, Target] = {
    "wedding_month_max_dev_us": Target(
        _W, "US: largest gap, couples' month shares vs published", "0 (sampling noise)",
        0, 3, _ZOLA, "points"),
    "wedding_peak_month_us": Target(_W, "US: top month's share (September)", "18 %", 15, 21, _ZOLA),
    "wedding_saturday_us": Target(_W, "US: Saturday share", "55-65 %", 55, 65, _KNOT),
    "wedding_fri_sun_us": Target(_W, "US: Friday-Sunday share", "~90 %", 85, 95, _KNOT),
    "wedding_month_max_dev_uk": Target(
        _W, "UK: largest gap, couples' month shares vs published", "0 (sampling noise)",
        0, 3, _ONS + "; 8 months interpolated (estimate)", "points"),
    "wedding_peak_month_uk": Target(_W, "UK: top month's share (August)", "15.7 %", 13, 18.5, _ONS),
    "wedding_saturday_uk": Target(_W, "UK: Saturday share", "62 %", 57, 67, _ONS),
    "wedding_fri_sun_uk": Target(_W, "UK: Friday-Sunday share", "83.4 %", 79, 88, _ONS),
    "wedding_day_lift": Target(
        _W, "Traffic on days with weddings that day or the next two, vs days without "
        "(per calendar expectation)", "higher", 2, 60,
        "model: 14 suppliers per wedding (The Knot 2023); size of the lift: estimate"),
    "funnel_supplier_paid": Target(
        _F, "Suppliers: sign-up to subscription within 14 days (complete cohorts)", "~15 %",
        8, 22, _TRIAL),
    "funnel_supplier_recent": Target(
        _F, "Same, cohorts of the last 60 complete days", "~15 % (few sign-ups: wide)",
        4, 30, _TRIAL),
    "funnel_couple_guests": Target(
        _F, "Couples: sign-up to guest list within 30 days (complete cohorts)", "~20 %",
        12, 32, _EST),
    "signups_last_third": Target(
        _F, "Sign-ups in the last third of the scenario", "about a third (over the whole "
        "scenario)", 20, 45, "issue 8: sign-ups spread over the scenario"),
    "tenant_top10_share": Target(
        _F, "Event rows of the busiest 10 % of tenants", "most (heavy tail)", 50, 90,
        "Pareto alpha 1.16 (the 80/20 law); estimate"),
    "late_share": Target(
        _F, "performance_metrics rows stored > 60 s after their event time", "2 %",
        1.5, 2.5, _EST),
    "late_median_min": Target(
        _F, "Median delay of those late rows", "12 minutes", 8, 18, _EST, "min"),
    "error_critical_background": Target(
        _E, "Critical share of errors outside incident storms", "rare", 0, 2, _EST),
    "error_fingerprints": Target(
        _E, "Distinct fingerprints", "many", 100, INF, "Sentry grouping (domain-facts.md)", ""),
    "error_top10_fingerprints": Target(
        _E, "Error events under the top 10 % of fingerprints", "most (long tail)", 50, 95,
        "Sentry: a few issues hold most events; Zipf exponent 1.1: estimate"),
    "incidents_escalated": Target(
        _E, "Incidents escalated past level 0", "the exception", 0, 25,
        "PagerDuty/Grafana OnCall escalation rules; share: estimate"),
    "gateway_429_share": Target(
        _E, "HTTP 429 share of api-gateway requests", "small, > 0", 0.1, 3, _EST),
    "rate_limit_endpoints_without_429": Target(
        _E, "RateLimitError endpoints with no HTTP 429 in api_performance", "none", 0, 0,
        "consistency", ""),
    "request_path_mismatch": Target(
        _E, "error_reports whose request_data.path does not match endpoint_path", "none",
        0, 0, "consistency", ""),
    "error_groups_regressed": Target(
        _E, "Error groups with regression_count > 0", "some", 1, INF,
        "Sentry: a new event on a resolved issue is a regression", ""),
    "notifications_retried": Target(
        _E, "Notifications needing more than one attempt", "a few %", 0.5, 10, _EST),
    "monthly_churn": Target(
        _E, "Subscribed suppliers churning per month", "3 % (SMB SaaS 3-7 %)", 1.5, 5, _EST),
    "third_party_min_uptime": Target(
        _E, "Lowest provider uptime over the scenario", "below 100 (outages count)", 95,
        99.995, "causal: incident windows of the dependent service", "%"),
    "lcp_p75_mobile": Target(_V, "LCP p75, mobile", "near 2500 ms", 1800, 3200, _CWV, "ms"),
    "lcp_p75_desktop": Target(_V, "LCP p75, desktop", "good", 1000, 2500, _CWV, "ms"),
    "inp_p75_mobile": Target(_V, "INP p75, mobile", "near 200 ms", 100, 350, _CWV, "ms"),
    "inp_p75_desktop": Target(_V, "INP p75, desktop", "good", 40, 200, _CWV, "ms"),
    "cls_p75_mobile": Target(_V, "CLS p75, mobile", "good", 0, 0.1, _CWV, ""),
    "cls_p75_desktop": Target(_V, "CLS p75, desktop", "good or near", 0, 0.15, _CWV, ""),
    "lcp_good_mobile": Target(_V, "Mobile loads with good LCP", "~75 %", 60, 88, _CWV),
    "lcp_good_desktop": Target(_V, "Desktop loads with good LCP", "> 75 %", 75, 97, _CWV),
    "inp_good_mobile": Target(_V, "Mobile interactions with good INP", "~75-80 %", 65, 95, _CWV),
    "inp_good_desktop": Target(_V, "Desktop interactions with good INP", "> 90 %", 90, 100, _CWV),
    "cls_good_mobile": Target(_V, "Mobile loads with good CLS", "~80-90 %", 75, 97, _CWV),
    "cls_good_desktop": Target(_V, "Desktop loads with good CLS", "~75-85 %", 70, 95, _CWV),
    "cwv_pass_groups_mobile": Target(
        _V, "Mobile page groups passing all three at p75", "48 % of origins", 20, 80, _CWV),
    "cwv_pass_groups_desktop": Target(
        _V, "Desktop page groups passing all three at p75", "56 % of origins", 30, 90, _CWV),
    "rating_good": Target(_V, "Loads rated good overall", "about half to most", 45, 85, _CWV),
    "rating_poor": Target(_V, "Loads rated poor overall", "a minority", 2, 20, _CWV),
    "cls_zero": Target(_V, "Loads with CLS exactly 0", "a large point mass", 30, 60, _EST),
    "inp_missing": Target(_V, "Loads without INP (no interaction)", "many", 15, 50, _EST),
    "lcp_season_vs_off": Target(
        _V, "Mobile LCP p75, wedding season vs off season", "higher in season", 2, 25,
        "model: busier servers in season; size: estimate"),
    "distinct_urls": Target(_V, "Distinct page URLs", "many (ids vary)", 1000, INF, "issue 8", ""),
    "top_route_share": Target(
        _V, "Loads of the most popular route", "Zipf-like head", 15, 40, "Zipf (1/rank): estimate"),
}  # fmt: skip
