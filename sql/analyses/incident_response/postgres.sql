-- Incident response per severity and wedding impact, for incidents created in
-- [as_of - days, as_of) (public.incident_response_metrics' 30 days, without the per-day split).
--  * time to acknowledge (MTTA) = acknowledged_at - created_at, over incidents acknowledged
--    before as_of; the others are counted in unacknowledged_incidents.
--  * time to resolve (MTTR) = resolved_at - created_at, over incidents resolved before as_of;
--    unresolved ones are excluded from it and counted in unresolved_incidents.
--  * p50/p95 are percentile_cont (linear interpolation) of seconds; NULL when nothing qualifies.
WITH i AS (
  SELECT severity::text AS severity, wedding_impact::text AS wedding_impact,
         auto_created, escalation_level,
         CASE WHEN acknowledged_at < %(as_of)s::timestamptz
              THEN extract(epoch FROM acknowledged_at - created_at)::float8 END AS tta,
         CASE WHEN resolved_at < %(as_of)s::timestamptz
              THEN extract(epoch FROM resolved_at - created_at)::float8 END AS ttr
  FROM public.incidents
  WHERE created_at >= %(as_of)s::timestamptz - make_interval(days => %(days)s::int)
    AND created_at <  %(as_of)s::timestamptz
)
SELECT
  severity,
  wedding_impact,
  count(*)                                                  AS total_incidents,
  count(tta)                                                AS acknowledged_incidents,
  count(*) - count(tta)                                     AS unacknowledged_incidents,
  count(ttr)                                                AS resolved_incidents,
  count(*) - count(ttr)                                     AS unresolved_incidents,
  avg(tta)                                                  AS mtta_avg_seconds,
  percentile_cont(0.50) WITHIN GROUP (ORDER BY tta)         AS mtta_p50_seconds,
  percentile_cont(0.95) WITHIN GROUP (ORDER BY tta)         AS mtta_p95_seconds,
  avg(ttr)                                                  AS mttr_avg_seconds,
  percentile_cont(0.50) WITHIN GROUP (ORDER BY ttr)         AS mttr_p50_seconds,
  percentile_cont(0.95) WITHIN GROUP (ORDER BY ttr)         AS mttr_p95_seconds,
  count(*) FILTER (WHERE auto_created)                      AS auto_created_incidents,
  count(*) FILTER (WHERE escalation_level > 0)              AS escalated_incidents
FROM i
GROUP BY 1, 2
ORDER BY severity, wedding_impact
