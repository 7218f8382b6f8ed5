-- 0016 the five dashboard views, measurable on past data.
--
-- Each view's query becomes a function of an explicit `as_of` instant
-- (public.<view>_at(as_of)); the view calls it with CURRENT_TIMESTAMP, so what
-- the views return at now() is unchanged (same columns, types, windows and
-- groups as 0010). Benchmarks and capacity tests call the functions with an
-- `as_of` inside a loaded season.
-- The functions are LANGUAGE sql, STABLE, SECURITY INVOKER, not STRICT and
-- without SET clauses, so the planner inlines them into the caller's query:
-- the tables' row level security applies to the querying user, and the
-- window's bounds reach the indexes as with the original views.
-- Bodies are strings (not BEGIN ATOMIC): they name the tables at run time, so
-- a table can be rebuilt (e.g. partitioned) without dropping the views.

CREATE FUNCTION public.system_health_overview_at(as_of TIMESTAMPTZ)
RETURNS TABLE (
  organization_id UUID, service_name VARCHAR(100), total_checks BIGINT,
  healthy_checks BIGINT, degraded_checks BIGINT, unhealthy_checks BIGINT,
  avg_response_time NUMERIC, last_successful_check TIMESTAMPTZ,
  total_consecutive_failures BIGINT)
LANGUAGE sql STABLE
AS $$
SELECT
  organization_id,
  service_name,
  COUNT(*),
  COUNT(*) FILTER (WHERE status = 'healthy'),
  COUNT(*) FILTER (WHERE status = 'degraded'),
  COUNT(*) FILTER (WHERE status = 'unhealthy'),
  AVG(response_time_ms),
  MAX(last_success),
  SUM(consecutive_failures)
FROM public.system_health_checks
WHERE created_at >= as_of - INTERVAL '1 hour'
  AND created_at <  as_of
GROUP BY organization_id, service_name
$$;

CREATE FUNCTION public.error_trending_analysis_at(as_of TIMESTAMPTZ)
RETURNS TABLE (
  organization_id UUID, time_bucket TIMESTAMPTZ, error_type VARCHAR(100),
  severity public.error_severity_type, error_count BIGINT, unique_incidents BIGINT,
  avg_occurrence_per_error NUMERIC, weekend_errors BIGINT, unique_fingerprints BIGINT,
  unique_correlations BIGINT)
LANGUAGE sql STABLE
AS $$
SELECT
  organization_id,
  date_trunc('hour', created_at, 'UTC'),
  error_type,
  severity,
  COUNT(*),
  COUNT(DISTINCT incident_id),
  AVG(occurrence_count),
  COUNT(*) FILTER (WHERE wedding_context->>'is_weekend' = 'true'),
  COUNT(DISTINCT fingerprint),
  COUNT(DISTINCT correlation_id)
FROM public.error_reports
WHERE created_at >= as_of - INTERVAL '7 days'
  AND created_at <  as_of
GROUP BY organization_id, date_trunc('hour', created_at, 'UTC'), error_type, severity
$$;

CREATE FUNCTION public.performance_percentile_analysis_at(as_of TIMESTAMPTZ)
RETURNS TABLE (
  organization_id UUID, service_name VARCHAR(100), metric_type public.performance_metric_type,
  time_bucket TIMESTAMPTZ, sample_count BIGINT, p50 DOUBLE PRECISION,
  p90 DOUBLE PRECISION, p95 DOUBLE PRECISION, p99 DOUBLE PRECISION,
  avg_value NUMERIC, max_value NUMERIC, metric_unit VARCHAR(50))
LANGUAGE sql STABLE
AS $$
SELECT
  organization_id,
  service_name,
  metric_type,
  date_trunc('hour', "timestamp", 'UTC'),
  COUNT(*),
  PERCENTILE_CONT(0.50) WITHIN GROUP (ORDER BY metric_value),
  PERCENTILE_CONT(0.90) WITHIN GROUP (ORDER BY metric_value),
  PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY metric_value),
  PERCENTILE_CONT(0.99) WITHIN GROUP (ORDER BY metric_value),
  AVG(metric_value),
  MAX(metric_value),
  metric_unit
FROM public.performance_metrics
WHERE "timestamp" >= as_of - INTERVAL '24 hours'
  AND "timestamp" <  as_of
GROUP BY organization_id, service_name, metric_type, metric_unit,
         date_trunc('hour', "timestamp", 'UTC')
$$;

CREATE FUNCTION public.funnel_conversion_analysis_at(as_of TIMESTAMPTZ)
RETURNS TABLE (
  organization_id UUID, funnel_step VARCHAR(100), conversion_date TIMESTAMPTZ,
  step_events BIGINT, unique_users BIGINT, total_conversion_value NUMERIC,
  avg_conversion_value NUMERIC, wedding_season_events BIGINT)
LANGUAGE sql STABLE
AS $$
SELECT
  organization_id,
  funnel_step,
  date_trunc('day', event_timestamp, 'UTC'),
  COUNT(*),
  COUNT(DISTINCT user_id),
  SUM(conversion_value),
  AVG(conversion_value),
  COUNT(*) FILTER (WHERE wedding_context->>'is_wedding_season' = 'true')
FROM public.business_events
WHERE funnel_step IS NOT NULL
  AND event_timestamp >= as_of - INTERVAL '30 days'
  AND event_timestamp <  as_of
GROUP BY organization_id, funnel_step, date_trunc('day', event_timestamp, 'UTC')
$$;

CREATE FUNCTION public.incident_response_metrics_at(as_of TIMESTAMPTZ)
RETURNS TABLE (
  organization_id UUID, severity public.incident_severity_type,
  wedding_impact public.wedding_impact_level, incident_date TIMESTAMPTZ,
  total_incidents BIGINT, avg_resolution_time_seconds NUMERIC,
  p95_resolution_time DOUBLE PRECISION, auto_created_incidents BIGINT,
  escalated_incidents BIGINT, resolved_incidents BIGINT,
  avg_acknowledge_time_seconds NUMERIC, p50_resolution_time DOUBLE PRECISION)
LANGUAGE sql STABLE
AS $$
SELECT
  organization_id,
  severity,
  wedding_impact,
  date_trunc('day', created_at, 'UTC'),
  COUNT(*),
  AVG(EXTRACT(EPOCH FROM (resolved_at - created_at))),
  PERCENTILE_CONT(0.95) WITHIN GROUP (
    ORDER BY EXTRACT(EPOCH FROM (resolved_at - created_at))),
  COUNT(*) FILTER (WHERE auto_created),
  COUNT(*) FILTER (WHERE escalation_level > 0),
  COUNT(*) FILTER (WHERE resolved_at IS NOT NULL),
  AVG(EXTRACT(EPOCH FROM (acknowledged_at - created_at))),
  PERCENTILE_CONT(0.50) WITHIN GROUP (
    ORDER BY EXTRACT(EPOCH FROM (resolved_at - created_at)))
FROM public.incidents
WHERE created_at >= as_of - INTERVAL '30 days'
  AND created_at <  as_of
GROUP BY organization_id, severity, wedding_impact, date_trunc('day', created_at, 'UTC')
$$;

-- A function's result columns carry no type modifiers: the views cast the varchar(n)
-- columns back, so their column types stay exactly those of 0010.
CREATE OR REPLACE VIEW public.system_health_overview WITH (security_invoker = true) AS
SELECT organization_id, service_name::VARCHAR(100) AS service_name, total_checks,
       healthy_checks, degraded_checks, unhealthy_checks, avg_response_time,
       last_successful_check, total_consecutive_failures
FROM public.system_health_overview_at(CURRENT_TIMESTAMP);
CREATE OR REPLACE VIEW public.error_trending_analysis WITH (security_invoker = true) AS
SELECT organization_id, time_bucket, error_type::VARCHAR(100) AS error_type, severity,
       error_count, unique_incidents, avg_occurrence_per_error, weekend_errors,
       unique_fingerprints, unique_correlations
FROM public.error_trending_analysis_at(CURRENT_TIMESTAMP);
CREATE OR REPLACE VIEW public.performance_percentile_analysis WITH (security_invoker = true) AS
SELECT organization_id, service_name::VARCHAR(100) AS service_name, metric_type, time_bucket,
       sample_count, p50, p90, p95, p99, avg_value, max_value,
       metric_unit::VARCHAR(50) AS metric_unit
FROM public.performance_percentile_analysis_at(CURRENT_TIMESTAMP);
CREATE OR REPLACE VIEW public.funnel_conversion_analysis WITH (security_invoker = true) AS
SELECT organization_id, funnel_step::VARCHAR(100) AS funnel_step, conversion_date, step_events,
       unique_users, total_conversion_value, avg_conversion_value, wedding_season_events
FROM public.funnel_conversion_analysis_at(CURRENT_TIMESTAMP);
CREATE OR REPLACE VIEW public.incident_response_metrics WITH (security_invoker = true) AS
SELECT * FROM public.incident_response_metrics_at(CURRENT_TIMESTAMP);

-- Callers of the views may call the functions (they read only what RLS lets them).
REVOKE ALL ON FUNCTION
  public.system_health_overview_at(TIMESTAMPTZ), public.error_trending_analysis_at(TIMESTAMPTZ),
  public.performance_percentile_analysis_at(TIMESTAMPTZ),
  public.funnel_conversion_analysis_at(TIMESTAMPTZ),
  public.incident_response_metrics_at(TIMESTAMPTZ)
  FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
  public.system_health_overview_at(TIMESTAMPTZ), public.error_trending_analysis_at(TIMESTAMPTZ),
  public.performance_percentile_analysis_at(TIMESTAMPTZ),
  public.funnel_conversion_analysis_at(TIMESTAMPTZ),
  public.incident_response_metrics_at(TIMESTAMPTZ)
  TO authenticated, service_role;
