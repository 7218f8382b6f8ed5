-- Error trending: per UTC hour, error type and severity, from midnight UTC
-- `days` days before as_of's UTC date up to as_of (exclusive).
-- weekday is ISO (Monday = 1 ... Saturday = 6, Sunday = 7) of the UTC hour.
-- weekend_errors counts rows whose wedding_context says is_weekend = true.
SELECT
  date_trunc('hour', created_at, 'UTC')                                  AS time_bucket,
  extract(isodow FROM created_at AT TIME ZONE 'UTC')::int                AS weekday,
  error_type::text                                                       AS error_type,
  severity::text                                                         AS severity,
  count(*)                                                               AS error_count,
  count(DISTINCT correlation_id)                                         AS unique_correlations,
  count(DISTINCT incident_id)                                            AS unique_incidents,
  avg(occurrence_count::float8)                                          AS avg_occurrence_per_error,
  count(*) FILTER (WHERE wedding_context ->> 'is_weekend' = 'true')      AS weekend_errors
FROM public.error_reports
WHERE created_at >= date_trunc('day', %(as_of)s::timestamptz, 'UTC')
                    - make_interval(days => %(days)s::int)
  AND created_at <  %(as_of)s::timestamptz
GROUP BY 1, 2, 3, 4
ORDER BY time_bucket DESC, error_count DESC, error_type, severity
