-- Core Web Vitals at the 75th percentile (percentile_cont) per season, device type and
-- page group, over [as_of - days, as_of). Season: 'wedding_season' when the UTC month is
-- May..October, else 'off_season'. page_group: the column, else the first path segment of
-- page_url, else '/'. The path starts after 'scheme://host' or '//host' (the host ends at
-- the first '/', '?' or '#'), or at a leading '/' when there is no host; the segment ends at
-- the next '/', '?' or '#': '/suppliers/42?x' -> '/suppliers', 'https://x.com/a#b' -> '/a',
-- 'https://x.com?next=/admin' -> '/', 'https://x.com#/dashboard' -> '/', '//cdn.x/img/1' ->
-- '/img'. A relative page_url ('a/b', 'weird') has no path segment we can trust -> '/'.
-- Ratings use Google's thresholds
-- (as public.cwv_rating, but on the float8 p75: no rounding to numeric); passes_cwv: LCP, INP and CLS all 'good' (NULL if one has no data).
WITH v AS (
  SELECT
    CASE WHEN extract(month FROM created_at AT TIME ZONE 'UTC') BETWEEN 5 AND 10
         THEN 'wedding_season' ELSE 'off_season' END                         AS season,
    device_type::text                                                        AS device_type,
    coalesce(page_group::text,
             substring(page_url FROM '^(?:(?:[A-Za-z][A-Za-z0-9+.-]*:)?//[^/?#]*)?(/[^/?#]*)'),
             '/')                                                             AS page_group,
    lcp_value::float8 AS lcp, inp_value::float8 AS inp, cls_value::float8 AS cls,
    fcp_value::float8 AS fcp, ttfb_value::float8 AS ttfb
  FROM public.core_web_vitals
  WHERE created_at >= %(as_of)s::timestamptz - make_interval(days => %(days)s::int)
    AND created_at <  %(as_of)s::timestamptz
),
p AS (
  SELECT season, device_type, page_group,
         count(*)                                              AS samples,
         percentile_cont(0.75) WITHIN GROUP (ORDER BY lcp)     AS lcp_p75,
         percentile_cont(0.75) WITHIN GROUP (ORDER BY inp)     AS inp_p75,
         percentile_cont(0.75) WITHIN GROUP (ORDER BY cls)     AS cls_p75,
         percentile_cont(0.75) WITHIN GROUP (ORDER BY fcp)     AS fcp_p75,
         percentile_cont(0.75) WITHIN GROUP (ORDER BY ttfb)    AS ttfb_p75
  FROM v
  GROUP BY 1, 2, 3
)
SELECT season, device_type, page_group, samples,
       lcp_p75,
       CASE WHEN lcp_p75 > 4000 THEN 'poor' WHEN lcp_p75 > 2500 THEN 'needs_improvement'
            WHEN lcp_p75 IS NOT NULL THEN 'good' END AS lcp_rating,
       inp_p75,
       CASE WHEN inp_p75 > 500 THEN 'poor' WHEN inp_p75 > 200 THEN 'needs_improvement'
            WHEN inp_p75 IS NOT NULL THEN 'good' END AS inp_rating,
       cls_p75,
       CASE WHEN cls_p75 > 0.25 THEN 'poor' WHEN cls_p75 > 0.1 THEN 'needs_improvement'
            WHEN cls_p75 IS NOT NULL THEN 'good' END AS cls_rating,
       fcp_p75,
       CASE WHEN fcp_p75 > 3000 THEN 'poor' WHEN fcp_p75 > 1800 THEN 'needs_improvement'
            WHEN fcp_p75 IS NOT NULL THEN 'good' END AS fcp_rating,
       ttfb_p75,
       CASE WHEN ttfb_p75 > 1800 THEN 'poor' WHEN ttfb_p75 > 800 THEN 'needs_improvement'
            WHEN ttfb_p75 IS NOT NULL THEN 'good' END AS ttfb_rating,
       CASE WHEN lcp_p75 IS NULL OR inp_p75 IS NULL OR cls_p75 IS NULL THEN NULL
            ELSE lcp_p75 <= 2500 AND inp_p75 <= 200 AND cls_p75 <= 0.1 END AS passes_cwv
FROM p
ORDER BY season, device_type, page_group
