-- Performance percentiles per organization, service, metric type, unit and UTC hour
-- (public.performance_percentile_analysis with an explicit as_of) over the
-- `hours` before `as_of` (half-open: [as_of - hours, as_of)).
-- Percentiles are percentile_cont (linear interpolation) of the value as float8.
SELECT
  organization_id::text                                               AS organization_id,
  service_name::text                                                  AS service_name,
  metric_type::text                                                   AS metric_type,
  metric_unit::text                                                   AS metric_unit,
  date_trunc('hour', "timestamp", 'UTC')                              AS time_bucket,
  count(*)                                                            AS sample_count,
  percentile_cont(0.50) WITHIN GROUP (ORDER BY metric_value::float8)  AS p50,
  percentile_cont(0.90) WITHIN GROUP (ORDER BY metric_value::float8)  AS p90,
  percentile_cont(0.95) WITHIN GROUP (ORDER BY metric_value::float8)  AS p95,
  percentile_cont(0.99) WITHIN GROUP (ORDER BY metric_value::float8)  AS p99,
  avg(metric_value::float8)                                           AS avg_value,
  max(metric_value)::float8                                           AS max_value
FROM public.performance_metrics
WHERE "timestamp" >= %(as_of)s::timestamptz - make_interval(hours => %(hours)s::int)
  AND "timestamp" <  %(as_of)s::timestamptz
GROUP BY 1, 2, 3, 4, 5
ORDER BY time_bucket DESC, organization_id, service_name, metric_type, metric_unit
