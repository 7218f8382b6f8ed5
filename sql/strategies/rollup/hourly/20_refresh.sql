-- Late rows: an insert with event times before the watermark marks those hours dirty.
CREATE FUNCTION rollup.mark_late_hours() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  w timestamptz := (SELECT watermark FROM rollup.state);
BEGIN
  IF TG_TABLE_NAME = 'performance_metrics' THEN
    INSERT INTO rollup.dirty_hours
    SELECT DISTINCT 'performance', date_trunc('hour', n."timestamp", 'UTC')
    FROM new_rows AS n WHERE n."timestamp" < w
    ON CONFLICT DO NOTHING;
  ELSE
    INSERT INTO rollup.dirty_hours
    SELECT DISTINCT 'errors', date_trunc('hour', n.created_at, 'UTC')
    FROM new_rows AS n WHERE n.created_at < w
    ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER performance_metrics_90_rollup_late AFTER INSERT ON public.performance_metrics
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rollup.mark_late_hours();
CREATE TRIGGER error_reports_90_rollup_late AFTER INSERT ON public.error_reports
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rollup.mark_late_hours();

-- Aggregate the hours in [watermark, to_hour) plus the dirty hours (each one a range scan), upsert
-- them, move the watermark to to_hour (closed hours only). Returns rollup rows written.
CREATE FUNCTION rollup.refresh(upto timestamptz) RETURNS bigint
LANGUAGE plpgsql SET TimeZone = 'UTC' AS $$
DECLARE
  from_hour timestamptz := (SELECT watermark FROM rollup.state FOR UPDATE);
  to_hour timestamptz := date_trunc('hour', upto, 'UTC');
  n bigint;
  total bigint := 0;
BEGIN
  IF to_hour < from_hour THEN
    to_hour := from_hour;
  END IF;
  INSERT INTO rollup.performance_hourly AS r
  SELECT organization_id, service_name, metric_type, metric_unit,
         date_trunc('hour', "timestamp", 'UTC'), count(*),
         percentile_cont(0.50) WITHIN GROUP (ORDER BY metric_value::float8),
         percentile_cont(0.90) WITHIN GROUP (ORDER BY metric_value::float8),
         percentile_cont(0.95) WITHIN GROUP (ORDER BY metric_value::float8),
         percentile_cont(0.99) WITHIN GROUP (ORDER BY metric_value::float8),
         avg(metric_value::float8), avg(metric_value), max(metric_value)
  FROM (SELECT from_hour AS lo, to_hour AS hi
        UNION ALL
        SELECT hour, hour + INTERVAL '1 hour' FROM rollup.dirty_hours
        WHERE source = 'performance' AND hour < from_hour) AS rng
  JOIN public.performance_metrics ON "timestamp" >= rng.lo AND "timestamp" < rng.hi
  GROUP BY 1, 2, 3, 4, 5
  ORDER BY 5  -- rows of one hour together on disk: a dashboard window reads few pages
  ON CONFLICT (hour, organization_id, service_name, metric_type, metric_unit) DO UPDATE
  SET sample_count = excluded.sample_count, p50 = excluded.p50, p90 = excluded.p90,
      p95 = excluded.p95, p99 = excluded.p99, avg_float8 = excluded.avg_float8,
      avg_numeric = excluded.avg_numeric, max_value = excluded.max_value;
  GET DIAGNOSTICS n = ROW_COUNT; total := total + n;
  INSERT INTO rollup.errors_hourly AS r
  SELECT organization_id, date_trunc('hour', created_at, 'UTC'), error_type, severity,
         count(*), count(DISTINCT correlation_id), count(DISTINCT incident_id),
         avg(occurrence_count::float8), avg(occurrence_count),
         count(*) FILTER (WHERE wedding_context ->> 'is_weekend' = 'true'),
         count(DISTINCT fingerprint)
  FROM (SELECT from_hour AS lo, to_hour AS hi
        UNION ALL
        SELECT hour, hour + INTERVAL '1 hour' FROM rollup.dirty_hours
        WHERE source = 'errors' AND hour < from_hour) AS rng
  JOIN public.error_reports ON created_at >= rng.lo AND created_at < rng.hi
  GROUP BY 1, 2, 3, 4
  ORDER BY 2
  ON CONFLICT (hour, organization_id, error_type, severity) DO UPDATE
  SET error_count = excluded.error_count, unique_correlations = excluded.unique_correlations,
      unique_incidents = excluded.unique_incidents,
      avg_occurrence_float8 = excluded.avg_occurrence_float8,
      avg_occurrence_numeric = excluded.avg_occurrence_numeric,
      weekend_errors = excluded.weekend_errors, unique_fingerprints = excluded.unique_fingerprints;
  GET DIAGNOSTICS n = ROW_COUNT; total := total + n;
  DELETE FROM rollup.dirty_hours WHERE hour < from_hour;
  UPDATE rollup.state SET watermark = to_hour;
  RETURN total;
END
$$;
