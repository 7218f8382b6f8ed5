-- Incident response: see postgres.sql beside this file. Seconds are exact microsecond
-- differences as DOUBLE; percentile() interpolates linearly (= percentile_cont).
WITH i AS (
  SELECT CAST(severity AS STRING) AS severity, CAST(wedding_impact AS STRING) AS wedding_impact,
         auto_created, escalation_level,
         CASE WHEN acknowledged_at < :as_of
              THEN CAST(unix_micros(acknowledged_at) - unix_micros(created_at) AS DOUBLE) / 1e6
         END AS tta,
         CASE WHEN resolved_at < :as_of
              THEN CAST(unix_micros(resolved_at) - unix_micros(created_at) AS DOUBLE) / 1e6
         END AS ttr
  FROM incidents
  WHERE created_at >= :as_of - make_dt_interval(:days, 0, 0, 0)
    AND created_at <  :as_of
)
SELECT
  severity,
  wedding_impact,
  count(*)                                    AS total_incidents,
  count(tta)                                  AS acknowledged_incidents,
  count(*) - count(tta)                       AS unacknowledged_incidents,
  count(ttr)                                  AS resolved_incidents,
  count(*) - count(ttr)                       AS unresolved_incidents,
  avg(tta)                                    AS mtta_avg_seconds,
  percentile(tta, 0.50)                       AS mtta_p50_seconds,
  percentile(tta, 0.95)                       AS mtta_p95_seconds,
  avg(ttr)                                    AS mttr_avg_seconds,
  percentile(ttr, 0.50)                       AS mttr_p50_seconds,
  percentile(ttr, 0.95)                       AS mttr_p95_seconds,
  count(*) FILTER (WHERE auto_created)        AS auto_created_incidents,
  count(*) FILTER (WHERE escalation_level > 0) AS escalated_incidents
FROM i
GROUP BY 1, 2
