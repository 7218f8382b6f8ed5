-- error_trending from the hourly rollup plus raw rows outside the rolled-up closed hours
-- (see percentiles.sql). Same columns as sql/analyses/postgres/error_trending.sql.
WITH b AS (
  SELECT %(as_of)s::timestamptz - make_interval(days => %(days)s::int) AS lo,
         %(as_of)s::timestamptz AS hi
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
SELECT organization_id::text AS organization_id, hour AS time_bucket,
       extract(isodow FROM hour AT TIME ZONE 'UTC')::int AS weekday,
       error_type::text AS error_type, severity::text AS severity, error_count,
       unique_correlations, unique_incidents, avg_occurrence_float8 AS avg_occurrence_per_error,
       weekend_errors, unique_fingerprints
FROM rollup.errors_hourly AS h, r
WHERE h.hour >= r.rlo AND h.hour < r.rhi
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
FROM raw_ranges AS rr
JOIN public.error_reports ON created_at >= rr.a AND created_at < rr.z
GROUP BY 1, 2, 3, 4, 5
ORDER BY time_bucket DESC, error_count DESC, organization_id, error_type, severity
