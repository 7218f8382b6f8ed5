-- public.error_trending_analysis_at(as_of) from the hourly rollup plus raw rows outside
-- the rolled-up closed hours (see percentiles.sql). Same columns and types.
SELECT organization_id, hour AS time_bucket, error_type, severity, error_count,
       unique_incidents, avg_occurrence_numeric AS avg_occurrence_per_error, weekend_errors,
       unique_fingerprints, unique_correlations
FROM rollup.errors_hourly AS h
WHERE h.hour >= date_trunc('hour', %(as_of)s::timestamptz - INTERVAL '7 days'
                            - INTERVAL '1 microsecond', 'UTC') + INTERVAL '1 hour'
  AND h.hour < date_trunc('hour', %(as_of)s::timestamptz, 'UTC')
  AND h.hour < (SELECT watermark FROM rollup.state)
UNION ALL
SELECT
  organization_id, date_trunc('hour', created_at, 'UTC'), error_type, severity,
  COUNT(*), COUNT(DISTINCT incident_id), AVG(occurrence_count),
  COUNT(*) FILTER (WHERE wedding_context->>'is_weekend' = 'true'),
  COUNT(DISTINCT fingerprint), COUNT(DISTINCT correlation_id)
FROM public.error_reports
WHERE (created_at >= %(as_of)s::timestamptz - INTERVAL '7 days'
       AND created_at < least(date_trunc('hour', %(as_of)s::timestamptz - INTERVAL '7 days' - INTERVAL '1 microsecond', 'UTC') + INTERVAL '1 hour', %(as_of)s::timestamptz))
   OR (created_at >= greatest(least(date_trunc('hour', %(as_of)s::timestamptz, 'UTC'), (SELECT watermark FROM rollup.state)),
                         date_trunc('hour', %(as_of)s::timestamptz - INTERVAL '7 days' - INTERVAL '1 microsecond', 'UTC') + INTERVAL '1 hour')
       AND created_at < %(as_of)s::timestamptz)
GROUP BY organization_id, date_trunc('hour', created_at, 'UTC'), error_type, severity
