-- percentiles from the hourly rollup: whole hours of [as_of - hours, as_of) that are
-- closed and rolled up (before the watermark) come from rollup.performance_hourly; the
-- rest of the window (a partial first hour, the open hour after the watermark) is
-- aggregated from the raw rows: two index ranges, before the first whole hour and from
-- the watermark on. Same columns as sql/analyses/postgres/percentiles.sql. Ranges are
-- written with the constants of as_of (the planner estimates them) and the watermark as
-- an InitPlan.
SELECT organization_id::text AS organization_id, service_name::text AS service_name,
       metric_type::text AS metric_type, metric_unit::text AS metric_unit,
       hour AS time_bucket, sample_count, p50, p90, p95, p99,
       avg_float8 AS avg_value, max_value::float8 AS max_value
FROM rollup.performance_hourly AS h
WHERE h.hour >= date_trunc('hour', %(as_of)s::timestamptz - make_interval(hours => %(hours)s::int)
                            - INTERVAL '1 microsecond', 'UTC') + INTERVAL '1 hour'
  AND h.hour < date_trunc('hour', %(as_of)s::timestamptz, 'UTC')
  AND h.hour < (SELECT watermark FROM rollup.state)
UNION ALL
SELECT
  organization_id::text, service_name::text, metric_type::text, metric_unit::text,
  date_trunc('hour', "timestamp", 'UTC'),
  count(*),
  percentile_cont(0.50) WITHIN GROUP (ORDER BY metric_value::float8),
  percentile_cont(0.90) WITHIN GROUP (ORDER BY metric_value::float8),
  percentile_cont(0.95) WITHIN GROUP (ORDER BY metric_value::float8),
  percentile_cont(0.99) WITHIN GROUP (ORDER BY metric_value::float8),
  avg(metric_value::float8),
  max(metric_value)::float8
FROM public.performance_metrics
WHERE ("timestamp" >= %(as_of)s::timestamptz - make_interval(hours => %(hours)s::int)
       AND "timestamp" < least(date_trunc('hour', %(as_of)s::timestamptz - make_interval(hours => %(hours)s::int) - INTERVAL '1 microsecond', 'UTC') + INTERVAL '1 hour', %(as_of)s::timestamptz))
   OR ("timestamp" >= greatest(least(date_trunc('hour', %(as_of)s::timestamptz, 'UTC'), (SELECT watermark FROM rollup.state)),
                         date_trunc('hour', %(as_of)s::timestamptz - make_interval(hours => %(hours)s::int) - INTERVAL '1 microsecond', 'UTC') + INTERVAL '1 hour')
       AND "timestamp" < %(as_of)s::timestamptz)
GROUP BY 1, 2, 3, 4, 5
ORDER BY time_bucket DESC, organization_id, service_name, metric_type, metric_unit
