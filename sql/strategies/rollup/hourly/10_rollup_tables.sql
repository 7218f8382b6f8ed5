-- Hourly rollups for the heavy hourly dashboards (percentiles, error trending), Citus-style:
-- one row per (tenant, UTC hour, dimensions), written with INSERT ... ON CONFLICT DO UPDATE
-- by rollup.refresh(upto), which aggregates closed hours only, up to the watermark
-- date_trunc('hour', upto): rows of the open hour are still arriving.
-- Late rows (an event time before the watermark) mark their hour dirty (statement trigger
-- on insert); the next refresh re-aggregates that hour whole, so a rolled-up hour always
-- equals the raw query over it. Per-hour percentiles are exact because the dashboards group
-- by the hour: nothing is combined across hours. Both the analyses' float8 forms and the
-- views' numeric forms are stored. Deleted rows (retention) are not un-rolled: the rollup
-- keeps hours the raw tables no longer have (a dashboard window past retention differs).
CREATE SCHEMA rollup;
GRANT USAGE ON SCHEMA rollup TO authenticated, service_role;

CREATE TABLE rollup.state (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  watermark timestamptz NOT NULL DEFAULT '-infinity'
);
INSERT INTO rollup.state DEFAULT VALUES;

CREATE TABLE rollup.dirty_hours (
  source text NOT NULL,
  hour timestamptz NOT NULL,
  PRIMARY KEY (source, hour)
);

CREATE TABLE rollup.performance_hourly (
  organization_id uuid NOT NULL,
  service_name varchar(100) NOT NULL,
  metric_type public.performance_metric_type NOT NULL,
  metric_unit varchar(50) NOT NULL,
  hour timestamptz NOT NULL,
  sample_count bigint NOT NULL,
  p50 float8, p90 float8, p95 float8, p99 float8,
  avg_float8 float8,
  avg_numeric numeric,
  max_value numeric,
  PRIMARY KEY (hour, organization_id, service_name, metric_type, metric_unit)
);
CREATE INDEX ON rollup.performance_hourly (organization_id, hour);

CREATE TABLE rollup.errors_hourly (
  organization_id uuid NOT NULL,
  hour timestamptz NOT NULL,
  error_type varchar(100) NOT NULL,
  severity public.error_severity_type NOT NULL,
  error_count bigint NOT NULL,
  unique_correlations bigint NOT NULL,
  unique_incidents bigint NOT NULL,
  avg_occurrence_float8 float8,
  avg_occurrence_numeric numeric,
  weekend_errors bigint NOT NULL,
  unique_fingerprints bigint NOT NULL,
  PRIMARY KEY (hour, organization_id, error_type, severity)
);
CREATE INDEX ON rollup.errors_hourly (organization_id, hour);

-- Tenants read their own rollup rows, like the raw rows (0017's policy form).
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['performance_hourly', 'errors_hourly'] LOOP
    EXECUTE format('ALTER TABLE rollup.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY %I ON rollup.%I FOR SELECT TO authenticated '
                   'USING (organization_id = ANY (ARRAY(SELECT public.user_org_ids())))',
                   t || '_org_members', t);
    EXECUTE format('GRANT SELECT ON rollup.%I TO authenticated', t);
    EXECUTE format('GRANT ALL ON rollup.%I TO service_role', t);
  END LOOP;
END
$$;
GRANT SELECT ON rollup.state TO authenticated, service_role;
