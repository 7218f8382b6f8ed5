-- 0008 integrations and operations: external monitoring services, third-party
-- dependencies, the notification queue, maintenance logs and health checks.

-- Global (spec columns + updated_at). Credentials hidden from
-- `authenticated` by column privileges (0011).
CREATE TABLE public.monitoring_integrations (
  id                    UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  service_name          VARCHAR(100) NOT NULL,   -- Datadog, New Relic, Sentry, ...
  integration_type      public.monitoring_integration_type NOT NULL,
  configuration         JSONB NOT NULL,
  credentials_encrypted TEXT,
  webhook_endpoints     JSONB,
  data_sync_enabled     BOOLEAN NOT NULL DEFAULT true,
  last_sync_at          TIMESTAMPTZ,
  sync_status           public.sync_status_type NOT NULL DEFAULT 'healthy',
  is_active             BOOLEAN NOT NULL DEFAULT true,
  created_at            TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at            TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- Global (spec columns).
CREATE TABLE public.third_party_services (
  id                    UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  service_name          VARCHAR(100) NOT NULL UNIQUE,
  service_type          public.third_party_service_type NOT NULL,
  api_endpoint          TEXT,
  health_check_endpoint TEXT,
  current_status        public.service_status_type NOT NULL DEFAULT 'unknown',
  last_health_check     TIMESTAMPTZ,
  response_time_ms      INTEGER CHECK (response_time_ms >= 0),
  uptime_percentage     DECIMAL(5,2) CHECK (uptime_percentage BETWEEN 0 AND 100),
  wedding_critical      BOOLEAN NOT NULL DEFAULT false,
  fallback_available    BOOLEAN NOT NULL DEFAULT false,
  created_at            TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at            TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- Outbound notifications (the spec's escalation trigger wrote here but never
-- defined it). One row per (alert, escalation level) at most, which makes
-- escalation idempotent even if two schedulers run at once.
CREATE TABLE public.notification_queue (
  id               UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id  UUID NOT NULL REFERENCES public.organizations(id) ON DELETE CASCADE,
  -- The alert and the incident are the row's organization's (composite
  -- foreign keys below; see 0007).
  alert_id         UUID,
  incident_id      UUID,
  escalation_level INTEGER NOT NULL DEFAULT 0 CHECK (escalation_level >= 0),
  priority         VARCHAR(10) NOT NULL DEFAULT 'normal'
    CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
  channel_id       UUID REFERENCES public.notification_channels(id) ON DELETE SET NULL,
  channel_type     public.notification_channel_type,
  targets          JSONB NOT NULL DEFAULT '[]',
  payload          JSONB NOT NULL DEFAULT '{}',
  status           VARCHAR(10) NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'cancelled')),
  attempts         INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  last_error       TEXT,
  scheduled_at     TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  sent_at          TIMESTAMPTZ,
  created_at       TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT notification_queue_has_subject CHECK (alert_id IS NOT NULL OR incident_id IS NOT NULL),
  CONSTRAINT notification_queue_alert_id_fkey FOREIGN KEY (alert_id, organization_id)
    REFERENCES public.alert_history (id, organization_id) ON DELETE CASCADE,
  CONSTRAINT notification_queue_incident_id_fkey FOREIGN KEY (incident_id, organization_id)
    REFERENCES public.incidents (id, organization_id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX notification_queue_alert_level_key
  ON public.notification_queue (alert_id, escalation_level) WHERE alert_id IS NOT NULL;

-- Operations log (retention runs, season adjustments, ...). Not tenant
-- data; readable by service_role only.
CREATE TABLE public.system_maintenance_logs (
  id               UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  activity_type    VARCHAR(100) NOT NULL,
  status           VARCHAR(20) NOT NULL DEFAULT 'completed'
    CHECK (status IN ('started', 'completed', 'failed')),
  records_affected BIGINT NOT NULL DEFAULT 0 CHECK (records_affected >= 0),
  details          JSONB NOT NULL DEFAULT '{}',
  as_of            TIMESTAMPTZ,
  started_at       TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
  completed_at     TIMESTAMPTZ,
  performed_by     TEXT NOT NULL DEFAULT current_user,
  created_at       TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- Health check results (spec columns + organization_id).
CREATE TABLE public.system_health_checks (
  id                   UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id      UUID NOT NULL REFERENCES public.organizations(id) ON DELETE CASCADE,
  check_name           VARCHAR(255) NOT NULL,
  service_name         VARCHAR(100) NOT NULL,
  check_type           public.health_check_type NOT NULL,
  status               public.health_status_type NOT NULL,
  response_time_ms     INTEGER CHECK (response_time_ms >= 0),
  error_message        TEXT,
  check_details        JSONB,
  wedding_critical     BOOLEAN NOT NULL DEFAULT false,
  last_success         TIMESTAMPTZ,
  consecutive_failures INTEGER NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
  created_at           TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
);
