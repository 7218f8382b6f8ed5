-- System health overview: see postgres.sql beside this file.
-- threads: 1
-- (the engine's setting for this query: it reads a few hundred rows, and a second thread
-- only adds task scheduling to every pipeline, measured slower on the season data)
-- No ORDER BY: the runner sorts every result by the analysis's keys (normalise).
SELECT
  CAST(organization_id AS VARCHAR)                      AS organization_id,
  CAST(service_name AS VARCHAR)                         AS service_name,
  count(*)                                              AS total_checks,
  count(*) FILTER (WHERE status = 'healthy')            AS healthy_checks,
  count(*) FILTER (WHERE status = 'degraded')           AS degraded_checks,
  count(*) FILTER (WHERE status = 'unhealthy')          AS unhealthy_checks,
  avg(CAST(response_time_ms AS DOUBLE))                 AS avg_response_time,
  max(last_success)                                     AS last_successful_check,
  CAST(sum(consecutive_failures) AS BIGINT)             AS total_consecutive_failures
FROM system_health_checks
WHERE created_at >= CAST($as_of AS TIMESTAMPTZ) - to_minutes(CAST($minutes AS INTEGER))
  AND created_at <  CAST($as_of AS TIMESTAMPTZ)
GROUP BY 1, 2
