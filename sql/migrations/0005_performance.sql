-- 0005 performance monitoring. Every table carries organization_id so RLS
-- is one indexed comparison (the spec's performance_metrics policy went
-- through business_events instead). Event-time column per table:
--   performance_metrics."timestamp", core_web_vitals.created_at,
--   api_performance.recorded_at, database_performance.recorded_at,
--   user_journey_performance.started_at.

CREATE TABLE public.performance_metrics (
  id                  UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id     UUID NOT NULL REFERENCES public.organizations(id) ON DELETE CASCADE,
  metric_type         public.performance_metric_type NOT NULL,
  service_name        VARCHAR(100) NOT NULL,
  endpoint_path       TEXT,
  metric_value        DECIMAL(10,3) NOT NULL,
  metric_unit         VARCHAR(50) NOT NULL,
  user_id             UUID REFERENCES auth.users(id) ON DELETE SET NULL,
  session_id          VARCHAR(255),
  device_type         public.device_type_enum,
  connection_type     public.connection_type_enum,
  user_segment        public.user_segment_type,
  wedding_context     JSONB,
  system_load_context JSONB,
  -- Measurement time (quote it: "timestamp"). Retention and views use it.
  "timestamp"         TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  created_at          TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE public.core_web_vitals (
  id                       UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id          UUID NOT NULL REFERENCES public.organizations(id) ON DELETE CASCADE,
  user_id                  UUID REFERENCES auth.users(id) ON DELETE SET NULL,
  session_id               VARCHAR(255) NOT NULL,
  page_url                 TEXT NOT NULL,
  -- Route template ("/suppliers/:id") so pages aggregate; optional.
  page_group               VARCHAR(255),
  lcp_value                DECIMAL(8,2) CHECK (lcp_value >= 0),   -- Largest Contentful Paint, ms
  inp_value                DECIMAL(8,2) CHECK (inp_value >= 0),   -- Interaction to Next Paint, ms (replaced FID 2024-03-12)
  fid_value                DECIMAL(8,2) CHECK (fid_value >= 0),   -- First Input Delay, ms: retired, legacy rows only
  cls_value                DECIMAL(8,4) CHECK (cls_value >= 0),   -- Cumulative Layout Shift, unitless
  fcp_value                DECIMAL(8,2) CHECK (fcp_value >= 0),   -- First Contentful Paint, ms
  ttfb_value               DECIMAL(8,2) CHECK (ttfb_value >= 0),  -- Time to First Byte, ms
  device_type              public.device_type_enum NOT NULL,
  connection_type          public.connection_type_enum,
  viewport_width           INTEGER CHECK (viewport_width > 0),
  viewport_height          INTEGER CHECK (viewport_height > 0),
  user_agent               TEXT,
  -- Worst of the LCP/INP/CLS ratings present (public.cwv_overall_rating);
  -- set by a BEFORE INSERT/UPDATE trigger whenever one of them is present.
  performance_rating       public.performance_rating_type,
  wedding_workflow_context JSONB,
  created_at               TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE public.api_performance (
  id                  UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id     UUID NOT NULL REFERENCES public.organizations(id) ON DELETE CASCADE,
  service_name        VARCHAR(100) NOT NULL,
  endpoint_path       TEXT NOT NULL,
  http_method         VARCHAR(10) NOT NULL DEFAULT 'GET'
    CHECK (http_method IN ('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS')),
  status_code         SMALLINT CHECK (status_code BETWEEN 100 AND 599),
  response_time_ms    DECIMAL(10,3) NOT NULL CHECK (response_time_ms >= 0),
  db_time_ms          DECIMAL(10,3) CHECK (db_time_ms >= 0),
  request_size_bytes  INTEGER CHECK (request_size_bytes >= 0),
  response_size_bytes INTEGER CHECK (response_size_bytes >= 0),
  user_id             UUID REFERENCES auth.users(id) ON DELETE SET NULL,
  session_id          VARCHAR(255),
  device_type         public.device_type_enum,
  wedding_context     JSONB,
  recorded_at         TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  created_at          TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE public.database_performance (
  id                UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id   UUID NOT NULL REFERENCES public.organizations(id) ON DELETE CASCADE,
  service_name      VARCHAR(100) NOT NULL,
  database_name     VARCHAR(100),
  query_fingerprint TEXT NOT NULL,         -- e.g. pg_stat_statements queryid
  query_text        TEXT,                  -- normalised, no literals
  calls             BIGINT NOT NULL DEFAULT 1 CHECK (calls >= 1),
  execution_time_ms DECIMAL(12,3) NOT NULL CHECK (execution_time_ms >= 0),
  rows_examined     BIGINT CHECK (rows_examined >= 0),
  rows_returned     BIGINT CHECK (rows_returned >= 0),
  lock_wait_ms      DECIMAL(12,3) CHECK (lock_wait_ms >= 0),
  wait_event        VARCHAR(100),
  is_slow_query     BOOLEAN NOT NULL DEFAULT false,
  explain_plan      JSONB,
  wedding_context   JSONB,
  recorded_at       TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  created_at        TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- One row per user journey (e.g. "book_supplier", "send_rsvp").
CREATE TABLE public.user_journey_performance (
  id                UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id   UUID NOT NULL REFERENCES public.organizations(id) ON DELETE CASCADE,
  user_id           UUID REFERENCES auth.users(id) ON DELETE SET NULL,
  session_id        VARCHAR(255),
  journey_name      VARCHAR(100) NOT NULL,
  journey_steps     JSONB NOT NULL DEFAULT '[]',   -- [{step, started_at, duration_ms, ok}]
  step_count        INTEGER NOT NULL DEFAULT 0 CHECK (step_count >= 0),
  completed         BOOLEAN NOT NULL DEFAULT false,
  abandoned_at_step VARCHAR(100),
  error_count       INTEGER NOT NULL DEFAULT 0 CHECK (error_count >= 0),
  started_at        TIMESTAMPTZ NOT NULL,
  completed_at      TIMESTAMPTZ,
  total_duration_ms DECIMAL(12,3) CHECK (total_duration_ms >= 0),
  device_type       public.device_type_enum,
  connection_type   public.connection_type_enum,
  user_segment      public.user_segment_type,
  wedding_context   JSONB,
  created_at        TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT user_journey_time_order CHECK (completed_at IS NULL OR completed_at >= started_at)
);
