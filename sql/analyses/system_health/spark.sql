-- System health overview: see postgres.sql beside this file.
SELECT
  CAST(organization_id AS STRING)                       AS organization_id,
  CAST(service_name AS STRING)                          AS service_name,
  count(*)                                              AS total_checks,
  count(*) FILTER (WHERE status = 'healthy')            AS healthy_checks,
  count(*) FILTER (WHERE status = 'degraded')           AS degraded_checks,
  count(*) FILTER (WHERE status = 'unhealthy')          AS unhealthy_checks,
  avg(CAST(response_time_ms AS DOUBLE))                 AS avg_response_time,
  max(last_success)                                     AS last_successful_check,
  CAST(sum(consecutive_failures) AS BIGINT)             AS total_consecutive_failures
FROM system_health_checks
WHERE created_at >= :as_of - make_dt_interval(0, 0, :minutes, 0)
  AND created_at <  :as_of
GROUP BY 1, 2
