-- Core Web Vitals at p75: see postgres.sql beside this file.
-- page_group: CASE, not coalesce, so the regular expression runs only on the rows that lack
-- a page_group (DuckDB evaluates every argument of coalesce, a CASE branch only where taken).
-- No ORDER BY: the runner sorts every result by the analysis's keys (normalise).
-- Calendar fields are taken in UTC from make_timestamp(epoch_us(x)), the instant as a plain
-- UTC TIMESTAMP: the same values as on the TIMESTAMPTZ in the engine's UTC session, without
-- the ICU time zone calendar per row (five to ten times the cost).
WITH v AS (
  SELECT
    CASE WHEN month(make_timestamp(epoch_us(created_at))) BETWEEN 5 AND 10
         THEN 'wedding_season' ELSE 'off_season' END                          AS season,
    CAST(device_type AS VARCHAR)                                              AS device_type,
    CASE WHEN page_group IS NOT NULL THEN CAST(page_group AS VARCHAR)
         ELSE coalesce(nullif(regexp_extract(page_url,
                  '^(?:(?:[A-Za-z][A-Za-z0-9+.-]*:)?//[^/?#]*)?(/[^/?#]*)', 1), ''), '/')
    END                                                                       AS page_group,
    CAST(lcp_value AS DOUBLE) AS lcp, CAST(inp_value AS DOUBLE) AS inp,
    CAST(cls_value AS DOUBLE) AS cls, CAST(fcp_value AS DOUBLE) AS fcp,
    CAST(ttfb_value AS DOUBLE) AS ttfb
  FROM core_web_vitals
  WHERE created_at >= CAST($as_of AS TIMESTAMPTZ) - to_days(CAST($days AS INTEGER))
    AND created_at <  CAST($as_of AS TIMESTAMPTZ)
),
p AS (
  SELECT season, device_type, page_group,
         count(*)                    AS samples,
         quantile_cont(lcp, 0.75)    AS lcp_p75,
         quantile_cont(inp, 0.75)    AS inp_p75,
         quantile_cont(cls, 0.75)    AS cls_p75,
         quantile_cont(fcp, 0.75)    AS fcp_p75,
         quantile_cont(ttfb, 0.75)   AS ttfb_p75
  FROM v
  GROUP BY 1, 2, 3
)
SELECT season, device_type, page_group, samples,
       lcp_p75,
       CASE WHEN lcp_p75 > 4000 THEN 'poor' WHEN lcp_p75 > 2500 THEN 'needs_improvement'
            WHEN lcp_p75 IS NOT NULL THEN 'good' END                             AS lcp_rating,
       inp_p75,
       CASE WHEN inp_p75 > 500 THEN 'poor' WHEN inp_p75 > 200 THEN 'needs_improvement'
            WHEN inp_p75 IS NOT NULL THEN 'good' END                             AS inp_rating,
       cls_p75,
       CASE WHEN cls_p75 > 0.25 THEN 'poor' WHEN cls_p75 > 0.1 THEN 'needs_improvement'
            WHEN cls_p75 IS NOT NULL THEN 'good' END                             AS cls_rating,
       fcp_p75,
       CASE WHEN fcp_p75 > 3000 THEN 'poor' WHEN fcp_p75 > 1800 THEN 'needs_improvement'
            WHEN fcp_p75 IS NOT NULL THEN 'good' END                             AS fcp_rating,
       ttfb_p75,
       CASE WHEN ttfb_p75 > 1800 THEN 'poor' WHEN ttfb_p75 > 800 THEN 'needs_improvement'
            WHEN ttfb_p75 IS NOT NULL THEN 'good' END                            AS ttfb_rating,
       CASE WHEN lcp_p75 IS NULL OR inp_p75 IS NULL OR cls_p75 IS NULL THEN NULL
            ELSE lcp_p75 <= 2500 AND inp_p75 <= 200 AND cls_p75 <= 0.1 END     AS passes_cwv
FROM p
