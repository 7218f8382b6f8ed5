-- Error trending (public.error_trending_analysis with an explicit as_of): per organization,
-- UTC hour, error type and severity over [as_of - days, as_of).
-- unique_incidents = distinct incident_id; unique_correlations = distinct correlation_id.
-- weekday is ISO (Monday = 1 ... Saturday = 6, Sunday = 7) of the UTC hour.
-- weekend_errors counts rows whose wedding_context says is_weekend = true.
-- Two calendars in one row, on purpose (as the view): weekday is UTC, but is_weekend was
-- computed when the row was written, in the organization's timezone (the insert trigger's
-- public.wedding_context(created_at, organizations.timezone)). Near midnight they disagree
-- for a non-UTC organization: Friday 23:30 UTC is weekday 5 yet a weekend error in London
-- (Saturday 00:30 BST). See docs/analyses.md, error_trending.
SELECT
  organization_id::text                                                  AS organization_id,
  date_trunc('hour', created_at, 'UTC')                                  AS time_bucket,
  extract(isodow FROM created_at AT TIME ZONE 'UTC')::int                AS weekday,
  error_type::text                                                       AS error_type,
  severity::text                                                         AS severity,
  count(*)                                                               AS error_count,
  count(DISTINCT correlation_id)                                         AS unique_correlations,
  count(DISTINCT incident_id)                                            AS unique_incidents,
  avg(occurrence_count::float8)                                          AS avg_occurrence_per_error,
  count(*) FILTER (WHERE wedding_context ->> 'is_weekend' = 'true')      AS weekend_errors,
  count(DISTINCT fingerprint)                                            AS unique_fingerprints
FROM public.error_reports
WHERE created_at >= %(as_of)s::timestamptz - make_interval(days => %(days)s::int)
  AND created_at <  %(as_of)s::timestamptz
GROUP BY 1, 2, 3, 4, 5
ORDER BY time_bucket DESC, error_count DESC, organization_id, error_type, severity
