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

-- Aggregate every row with event time in [lo, hi) and upsert its hours (whole hours:
-- lo and hi are hour boundaries). Dynamic SQL, so each call is planned for its range (an
-- index range scan on the event time). Returns the rollup rows written.
CREATE FUNCTION rollup.aggregate_range(lo timestamptz, hi timestamptz) RETURNS bigint
LANGUAGE plpgsql SET TimeZone = 'UTC' AS $$
DECLARE
  n bigint;
  total bigint := 0;
BEGIN
  EXECUTE $q$
  INSERT INTO rollup.performance_hourly AS r
  SELECT organization_id, service_name, metric_type, metric_unit,
         date_trunc('hour', "timestamp", 'UTC'), count(*),
         percentile_cont(0.50) WITHIN GROUP (ORDER BY metric_value::float8),
         percentile_cont(0.90) WITHIN GROUP (ORDER BY metric_value::float8),
         percentile_cont(0.95) WITHIN GROUP (ORDER BY metric_value::float8),
         percentile_cont(0.99) WITHIN GROUP (ORDER BY metric_value::float8),
         avg(metric_value::float8), avg(metric_value), max(metric_value)
  FROM public.performance_metrics
  WHERE "timestamp" >= $1 AND "timestamp" < $2
  GROUP BY 1, 2, 3, 4, 5
  ORDER BY 5  -- rows of one hour together on disk: a dashboard window reads few pages
  ON CONFLICT (hour, organization_id, service_name, metric_type, metric_unit) DO UPDATE
  SET sample_count = excluded.sample_count, p50 = excluded.p50, p90 = excluded.p90,
      p95 = excluded.p95, p99 = excluded.p99, avg_float8 = excluded.avg_float8,
      avg_numeric = excluded.avg_numeric, max_value = excluded.max_value
  $q$ USING lo, hi;
  GET DIAGNOSTICS n = ROW_COUNT; total := total + n;
  EXECUTE $q$
  INSERT INTO rollup.errors_hourly AS r
  SELECT organization_id, date_trunc('hour', created_at, 'UTC'), error_type, severity,
         count(*), count(DISTINCT correlation_id), count(DISTINCT incident_id),
         avg(occurrence_count::float8), avg(occurrence_count),
         count(*) FILTER (WHERE wedding_context ->> 'is_weekend' = 'true'),
         count(DISTINCT fingerprint)
  FROM public.error_reports
  WHERE created_at >= $1 AND created_at < $2
  GROUP BY 1, 2, 3, 4
  ORDER BY 2
  ON CONFLICT (hour, organization_id, error_type, severity) DO UPDATE
  SET error_count = excluded.error_count, unique_correlations = excluded.unique_correlations,
      unique_incidents = excluded.unique_incidents,
      avg_occurrence_float8 = excluded.avg_occurrence_float8,
      avg_occurrence_numeric = excluded.avg_occurrence_numeric,
      weekend_errors = excluded.weekend_errors, unique_fingerprints = excluded.unique_fingerprints
  $q$ USING lo, hi;
  GET DIAGNOSTICS n = ROW_COUNT; total := total + n;
  RETURN total;
END
$$;

-- Closed hours only: aggregate [watermark, date_trunc('hour', upto)) and every dirty hour
-- before the watermark (late rows; both tables' dirty hours are re-aggregated whole), then
-- move the watermark. Returns the rollup rows written.
CREATE FUNCTION rollup.refresh(upto timestamptz) RETURNS bigint
LANGUAGE plpgsql SET TimeZone = 'UTC' AS $$
DECLARE
  from_hour timestamptz := (SELECT watermark FROM rollup.state FOR UPDATE);
  to_hour timestamptz := greatest(date_trunc('hour', upto, 'UTC'), from_hour);
  dirty timestamptz;
  total bigint := 0;
BEGIN
  IF from_hour = '-infinity' THEN  -- first build: from the oldest row
    from_hour := least((SELECT date_trunc('hour', min("timestamp"), 'UTC')
                        FROM public.performance_metrics),
                       (SELECT date_trunc('hour', min(created_at), 'UTC')
                        FROM public.error_reports), to_hour);
  END IF;
  IF from_hour IS NOT NULL AND from_hour < to_hour THEN
    total := total + rollup.aggregate_range(from_hour, to_hour);
  END IF;
  FOR dirty IN
    SELECT DISTINCT hour FROM rollup.dirty_hours WHERE hour < coalesce(from_hour, to_hour)
  LOOP
    total := total + rollup.aggregate_range(dirty, dirty + INTERVAL '1 hour');
  END LOOP;
  DELETE FROM rollup.dirty_hours WHERE hour < coalesce(from_hour, to_hour);
  UPDATE rollup.state SET watermark = to_hour;
  RETURN total;
END
$$;
