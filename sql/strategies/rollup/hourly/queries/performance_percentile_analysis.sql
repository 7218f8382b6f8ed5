-- public.performance_percentile_analysis_at(as_of) from the hourly rollup plus raw rows
-- outside the rolled-up closed hours (see percentiles.sql). Same columns and types.
SELECT organization_id, service_name, metric_type, hour AS time_bucket, sample_count,
       p50, p90, p95, p99, avg_numeric AS avg_value, max_value, metric_unit
FROM rollup.performance_hourly AS h
WHERE h.hour >= date_trunc('hour', %(as_of)s::timestamptz - INTERVAL '24 hours'
                            - INTERVAL '1 microsecond', 'UTC') + INTERVAL '1 hour'
  AND h.hour < date_trunc('hour', %(as_of)s::timestamptz, 'UTC')
  AND h.hour < (SELECT watermark FROM rollup.state)
UNION ALL
SELECT
  organization_id, service_name, metric_type, date_trunc('hour', "timestamp", 'UTC'),
  COUNT(*),
  PERCENTILE_CONT(0.50) WITHIN GROUP (ORDER BY metric_value),
  PERCENTILE_CONT(0.90) WITHIN GROUP (ORDER BY metric_value),
  PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY metric_value),
  PERCENTILE_CONT(0.99) WITHIN GROUP (ORDER BY metric_value),
  AVG(metric_value), MAX(metric_value), metric_unit
FROM public.performance_metrics
WHERE ("timestamp" >= %(as_of)s::timestamptz - INTERVAL '24 hours'
       AND "timestamp" < least(date_trunc('hour', %(as_of)s::timestamptz - INTERVAL '24 hours' - INTERVAL '1 microsecond', 'UTC') + INTERVAL '1 hour', %(as_of)s::timestamptz))
   OR ("timestamp" >= greatest(least(date_trunc('hour', %(as_of)s::timestamptz, 'UTC'), (SELECT watermark FROM rollup.state)),
                         date_trunc('hour', %(as_of)s::timestamptz - INTERVAL '24 hours' - INTERVAL '1 microsecond', 'UTC') + INTERVAL '1 hour')
       AND "timestamp" < %(as_of)s::timestamptz)
GROUP BY organization_id, service_name, metric_type, metric_unit,
         date_trunc('hour', "timestamp", 'UTC')
