-- System health overview (public.system_health_overview with an explicit as_of) per
-- organization and service over the `minutes` before as_of: [as_of - minutes, as_of).
SELECT
  organization_id::text                                 AS organization_id,
  service_name::text                                    AS service_name,
  count(*)                                              AS total_checks,
  count(*) FILTER (WHERE status = 'healthy')            AS healthy_checks,
  count(*) FILTER (WHERE status = 'degraded')           AS degraded_checks,
  count(*) FILTER (WHERE status = 'unhealthy')          AS unhealthy_checks,
  avg(response_time_ms::float8)                         AS avg_response_time,
  max(last_success)                                     AS last_successful_check,
  sum(consecutive_failures)::int8                       AS total_consecutive_failures
FROM public.system_health_checks
WHERE created_at >= %(as_of)s::timestamptz - make_interval(mins => %(minutes)s::int)
  AND created_at <  %(as_of)s::timestamptz
GROUP BY 1, 2
ORDER BY organization_id, service_name
