-- public.error_trending_analysis_at(as_of) from the hourly rollup plus raw rows outside
-- the rolled-up closed hours (see percentiles.sql). Same columns and types.
WITH b AS (
  SELECT %(as_of)s::timestamptz - INTERVAL '7 days' AS lo, %(as_of)s::timestamptz AS hi
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
SELECT organization_id, hour AS time_bucket, error_type, severity, error_count,
       unique_incidents, avg_occurrence_numeric AS avg_occurrence_per_error, weekend_errors,
       unique_fingerprints, unique_correlations
FROM rollup.errors_hourly AS h, r
WHERE h.hour >= r.rlo AND h.hour < r.rhi
UNION ALL
SELECT
  organization_id, date_trunc('hour', created_at, 'UTC'), error_type, severity,
  COUNT(*), COUNT(DISTINCT incident_id), AVG(occurrence_count),
  COUNT(*) FILTER (WHERE wedding_context->>'is_weekend' = 'true'),
  COUNT(DISTINCT fingerprint), COUNT(DISTINCT correlation_id)
FROM raw_ranges AS rr
JOIN public.error_reports ON created_at >= rr.a AND created_at < rr.z
GROUP BY organization_id, date_trunc('hour', created_at, 'UTC'), error_type, severity
