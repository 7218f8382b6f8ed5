-- public.performance_percentile_analysis_at(as_of) from the hourly rollup plus raw rows
-- outside the rolled-up closed hours (see percentiles.sql). Same columns and types.
WITH b AS (
  SELECT %(as_of)s::timestamptz - INTERVAL '24 hours' AS lo, %(as_of)s::timestamptz AS hi
),
r AS (
  SELECT lo, hi,
         date_trunc('hour', lo - INTERVAL '1 microsecond', 'UTC') + INTERVAL '1 hour' AS rlo,
         least(date_trunc('hour', hi, 'UTC'), (SELECT watermark FROM rollup.state)) AS rhi
  FROM b
),
raw_ranges AS (
  SELECT lo AS a, least(rlo, hi) AS z FROM r
  UNION ALL
  SELECT greatest(rhi, rlo), hi FROM r
)
SELECT organization_id, service_name, metric_type, hour AS time_bucket, sample_count,
       p50, p90, p95, p99, avg_numeric AS avg_value, max_value, metric_unit
FROM rollup.performance_hourly AS h, r
WHERE h.hour >= r.rlo AND h.hour < r.rhi
UNION ALL
SELECT
  organization_id, service_name, metric_type, date_trunc('hour', "timestamp", 'UTC'),
  COUNT(*),
  PERCENTILE_CONT(0.50) WITHIN GROUP (ORDER BY metric_value),
  PERCENTILE_CONT(0.90) WITHIN GROUP (ORDER BY metric_value),
  PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY metric_value),
  PERCENTILE_CONT(0.99) WITHIN GROUP (ORDER BY metric_value),
  AVG(metric_value), MAX(metric_value), metric_unit
FROM raw_ranges AS rr
JOIN public.performance_metrics ON "timestamp" >= rr.a AND "timestamp" < rr.z
GROUP BY organization_id, service_name, metric_type, metric_unit,
         date_trunc('hour', "timestamp", 'UTC')
