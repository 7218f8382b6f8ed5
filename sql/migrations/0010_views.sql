-- 0010 the spec's five dashboard views, corrected.
--
-- * WITH (security_invoker = true) (PostgreSQL 15+): the underlying tables'
--   RLS applies to the querying user. Without it a view runs with its owner's
--   rights and shows every organization's rows.
-- * organization_id added as the first column and grouping key, so a user in
--   several organizations (or service_role) never gets figures mixed across
--   tenants.
-- * No ORDER BY inside views (an outer query does not keep it); order when
--   querying.
-- * Windows relative to CURRENT_TIMESTAMP (not CURRENT_DATE, which truncates
--   in the session TimeZone and turns "7 days" into 7-8 days); buckets with
--   date_trunc(..., 'UTC') so they do not depend on the session TimeZone.
--   Windows are half-open, [now - w, now), like the analyses' [as_of - w,
--   as_of): future-dated rows (client clock skew) are not counted.
-- Spec column names are kept; new columns are appended.

CREATE VIEW public.system_health_overview WITH (security_invoker = true) AS
SELECT
  organization_id,
  service_name,
  COUNT(*)                                    AS total_checks,
  COUNT(*) FILTER (WHERE status = 'healthy')   AS healthy_checks,
  COUNT(*) FILTER (WHERE status = 'degraded')  AS degraded_checks,
  COUNT(*) FILTER (WHERE status = 'unhealthy') AS unhealthy_checks,
  AVG(response_time_ms)                       AS avg_response_time,
  MAX(last_success)                           AS last_successful_check,
  SUM(consecutive_failures)                   AS total_consecutive_failures
FROM public.system_health_checks
WHERE created_at >= CURRENT_TIMESTAMP - INTERVAL '1 hour'
  AND created_at <  CURRENT_TIMESTAMP
GROUP BY organization_id, service_name;

-- unique_incidents counts distinct incident_id (the spec counted
-- correlation_id, which clients may also use for traces); the spec's
-- "distinct correlations" is unique_correlations (appended).
CREATE VIEW public.error_trending_analysis WITH (security_invoker = true) AS
SELECT
  organization_id,
  date_trunc('hour', created_at, 'UTC')                         AS time_bucket,
  error_type,
  severity,
  COUNT(*)                                                       AS error_count,
  COUNT(DISTINCT incident_id)                                    AS unique_incidents,
  AVG(occurrence_count)                                          AS avg_occurrence_per_error,
  COUNT(*) FILTER (WHERE wedding_context->>'is_weekend' = 'true') AS weekend_errors,
  COUNT(DISTINCT fingerprint)                                    AS unique_fingerprints,
  COUNT(DISTINCT correlation_id)                                 AS unique_correlations
FROM public.error_reports
WHERE created_at >= CURRENT_TIMESTAMP - INTERVAL '7 days'
  AND created_at <  CURRENT_TIMESTAMP
GROUP BY organization_id, date_trunc('hour', created_at, 'UTC'), error_type, severity;

-- metric_unit is part of the grouping: percentiles over mixed units
-- (ms and s, say) are meaningless.
CREATE VIEW public.performance_percentile_analysis WITH (security_invoker = true) AS
SELECT
  organization_id,
  service_name,
  metric_type,
  date_trunc('hour', "timestamp", 'UTC')                     AS time_bucket,
  COUNT(*)                                                   AS sample_count,
  PERCENTILE_CONT(0.50) WITHIN GROUP (ORDER BY metric_value) AS p50,
  PERCENTILE_CONT(0.90) WITHIN GROUP (ORDER BY metric_value) AS p90,
  PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY metric_value) AS p95,
  PERCENTILE_CONT(0.99) WITHIN GROUP (ORDER BY metric_value) AS p99,
  AVG(metric_value)                                          AS avg_value,
  MAX(metric_value)                                          AS max_value,
  metric_unit
FROM public.performance_metrics
WHERE "timestamp" >= CURRENT_TIMESTAMP - INTERVAL '24 hours'
  AND "timestamp" <  CURRENT_TIMESTAMP
GROUP BY organization_id, service_name, metric_type, metric_unit,
         date_trunc('hour', "timestamp", 'UTC');

-- Per-step daily activity, NOT conversion (it mixes cohorts; a step can
-- exceed the previous one). Conversion needs per-user ordered steps within
-- the funnel's window (conversion_funnels).
CREATE VIEW public.funnel_conversion_analysis WITH (security_invoker = true) AS
SELECT
  organization_id,
  funnel_step,
  date_trunc('day', event_timestamp, 'UTC')                               AS conversion_date,
  COUNT(*)                                                                AS step_events,
  COUNT(DISTINCT user_id)                                                 AS unique_users,
  SUM(conversion_value)                                                   AS total_conversion_value,
  AVG(conversion_value)                                                   AS avg_conversion_value,
  COUNT(*) FILTER (WHERE wedding_context->>'is_wedding_season' = 'true')  AS wedding_season_events
FROM public.business_events
WHERE funnel_step IS NOT NULL
  AND event_timestamp >= CURRENT_TIMESTAMP - INTERVAL '30 days'
  AND event_timestamp <  CURRENT_TIMESTAMP
GROUP BY organization_id, funnel_step, date_trunc('day', event_timestamp, 'UTC');

-- The spec filtered resolved_at IS NOT NULL, so total_incidents silently
-- excluded every open incident. Now all incidents count; resolution times
-- are over resolved ones only (AVG and PERCENTILE_CONT ignore NULLs).
CREATE VIEW public.incident_response_metrics WITH (security_invoker = true) AS
SELECT
  organization_id,
  severity,
  wedding_impact,
  date_trunc('day', created_at, 'UTC')                             AS incident_date,
  COUNT(*)                                                         AS total_incidents,
  AVG(EXTRACT(EPOCH FROM (resolved_at - created_at)))              AS avg_resolution_time_seconds,
  PERCENTILE_CONT(0.95) WITHIN GROUP (
    ORDER BY EXTRACT(EPOCH FROM (resolved_at - created_at)))       AS p95_resolution_time,
  COUNT(*) FILTER (WHERE auto_created)                             AS auto_created_incidents,
  COUNT(*) FILTER (WHERE escalation_level > 0)                     AS escalated_incidents,
  COUNT(*) FILTER (WHERE resolved_at IS NOT NULL)                  AS resolved_incidents,
  AVG(EXTRACT(EPOCH FROM (acknowledged_at - created_at)))          AS avg_acknowledge_time_seconds,
  PERCENTILE_CONT(0.50) WITHIN GROUP (
    ORDER BY EXTRACT(EPOCH FROM (resolved_at - created_at)))       AS p50_resolution_time
FROM public.incidents
WHERE created_at >= CURRENT_TIMESTAMP - INTERVAL '30 days'
  AND created_at <  CURRENT_TIMESTAMP
GROUP BY organization_id, severity, wedding_impact, date_trunc('day', created_at, 'UTC');
