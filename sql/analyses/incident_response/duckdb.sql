-- Incident response: see postgres.sql beside this file.
-- threads: 1
-- (the engine's setting for this query: it reads a few hundred rows, and a second thread
-- only adds task scheduling to every pipeline, measured slower on the season data)
-- No ORDER BY: the runner sorts every result by the analysis's keys (normalise).
WITH i AS (
  SELECT CAST(severity AS VARCHAR) AS severity, CAST(wedding_impact AS VARCHAR) AS wedding_impact,
         auto_created, escalation_level,
         CASE WHEN acknowledged_at < CAST($as_of AS TIMESTAMPTZ)
              THEN (epoch_us(acknowledged_at) - epoch_us(created_at)) / 1e6 END AS tta,
         CASE WHEN resolved_at < CAST($as_of AS TIMESTAMPTZ)
              THEN (epoch_us(resolved_at) - epoch_us(created_at)) / 1e6 END AS ttr
  FROM incidents
  WHERE created_at >= CAST($as_of AS TIMESTAMPTZ) - to_days(CAST($days AS INTEGER))
    AND created_at <  CAST($as_of AS TIMESTAMPTZ)
)
SELECT
  severity,
  wedding_impact,
  total_incidents,
  acknowledged_incidents,
  total_incidents - acknowledged_incidents    AS unacknowledged_incidents,
  resolved_incidents,
  total_incidents - resolved_incidents        AS unresolved_incidents,
  mtta_avg_seconds,
  tta_q[1]                                    AS mtta_p50_seconds,
  tta_q[2]                                    AS mtta_p95_seconds,
  mttr_avg_seconds,
  ttr_q[1]                                    AS mttr_p50_seconds,
  ttr_q[2]                                    AS mttr_p95_seconds,
  auto_created_incidents,
  escalated_incidents
FROM (
  SELECT
    severity, wedding_impact,
    count(*)                                    AS total_incidents,
    count(tta)                                  AS acknowledged_incidents,
    count(ttr)                                  AS resolved_incidents,
    avg(tta)                                    AS mtta_avg_seconds,
    quantile_cont(tta, [0.50, 0.95])            AS tta_q,
    avg(ttr)                                    AS mttr_avg_seconds,
    quantile_cont(ttr, [0.50, 0.95])            AS ttr_q,
    count(*) FILTER (WHERE auto_created)        AS auto_created_incidents,
    count(*) FILTER (WHERE escalation_level > 0) AS escalated_incidents
  FROM i
  GROUP BY 1, 2
)
