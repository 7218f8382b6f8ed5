-- error_trending from the hourly rollup plus raw rows outside the rolled-up closed hours
-- (see percentiles.sql). Same columns as sql/analyses/postgres/error_trending.sql.
SELECT organization_id::text AS organization_id, hour AS time_bucket,
       extract(isodow FROM hour AT TIME ZONE 'UTC')::int AS weekday,
       error_type::text AS error_type, severity::text AS severity, error_count,
       unique_correlations, unique_incidents, avg_occurrence_float8 AS avg_occurrence_per_error,
       weekend_errors, unique_fingerprints
FROM rollup.errors_hourly AS h
WHERE h.hour >= date_trunc('hour', %(as_of)s::timestamptz - make_interval(days => %(days)s::int)
                            - INTERVAL '1 microsecond', 'UTC') + INTERVAL '1 hour'
  AND h.hour < date_trunc('hour', %(as_of)s::timestamptz, 'UTC')
  AND h.hour < (SELECT watermark FROM rollup.state)
UNION ALL
SELECT
  organization_id::text,
  date_trunc('hour', created_at, 'UTC'),
  extract(isodow FROM created_at AT TIME ZONE 'UTC')::int,
  error_type::text,
  severity::text,
  count(*),
  count(DISTINCT correlation_id),
  count(DISTINCT incident_id),
  avg(occurrence_count::float8),
  count(*) FILTER (WHERE wedding_context ->> 'is_weekend' = 'true'),
  count(DISTINCT fingerprint)
FROM public.error_reports
WHERE (created_at >= %(as_of)s::timestamptz - make_interval(days => %(days)s::int)
       AND created_at < least(date_trunc('hour', %(as_of)s::timestamptz - make_interval(days => %(days)s::int) - INTERVAL '1 microsecond', 'UTC') + INTERVAL '1 hour', %(as_of)s::timestamptz))
   OR (created_at >= greatest(least(date_trunc('hour', %(as_of)s::timestamptz, 'UTC'), (SELECT watermark FROM rollup.state)),
                         date_trunc('hour', %(as_of)s::timestamptz - make_interval(days => %(days)s::int) - INTERVAL '1 microsecond', 'UTC') + INTERVAL '1 hour')
       AND created_at < %(as_of)s::timestamptz)
GROUP BY 1, 2, 3, 4, 5
ORDER BY time_bucket DESC, error_count DESC, organization_id, error_type, severity
