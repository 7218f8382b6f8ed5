-- 0007 incident and alert management. Creation order follows the foreign
-- keys: escalation_policies and runbooks before incidents and alerts
-- (the spec referenced escalation_policies before creating it).

-- Global escalation policies. escalation_rules is a JSON array of steps:
--   [{"delay_minutes": 5, "targets": [...]}, {"delay_minutes": 15, ...}]
-- Step k fires when (as_of - triggered_at) >= sum of delay_minutes of steps
-- 1..k (see public.escalate_unacknowledged_alerts). wedding_specific_rules
-- may hold {"escalation_rules": [...]} used instead on weekend alerts of
-- configurations with weekend_escalation.
CREATE TABLE public.escalation_policies (
  id                     UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  policy_name            VARCHAR(255) NOT NULL,
  description            TEXT,
  escalation_rules       JSONB NOT NULL CHECK (jsonb_typeof(escalation_rules) = 'array'),
  wedding_specific_rules JSONB,
  default_policy         BOOLEAN NOT NULL DEFAULT false,
  is_active              BOOLEAN NOT NULL DEFAULT true,
  created_by             UUID REFERENCES auth.users(id) ON DELETE SET NULL,
  created_at             TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at             TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
);
-- At most one default policy.
CREATE UNIQUE INDEX escalation_policies_one_default
  ON public.escalation_policies (default_policy) WHERE default_policy;

-- Global runbooks (spec columns).
CREATE TABLE public.runbooks (
  id                   UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  runbook_name         VARCHAR(255) NOT NULL,
  description          TEXT,
  trigger_conditions   JSONB NOT NULL,
  automation_steps     JSONB NOT NULL,
  manual_steps         JSONB,
  success_criteria     JSONB,
  rollback_procedures  JSONB,
  estimated_duration   INTERVAL,
  requires_approval    BOOLEAN NOT NULL DEFAULT false,
  wedding_day_approved BOOLEAN NOT NULL DEFAULT false,
  execution_count      INTEGER NOT NULL DEFAULT 0 CHECK (execution_count >= 0),
  success_rate         DECIMAL(5,2) NOT NULL DEFAULT 0.00 CHECK (success_rate BETWEEN 0 AND 100),
  is_active            BOOLEAN NOT NULL DEFAULT true,
  created_by           UUID REFERENCES auth.users(id) ON DELETE SET NULL,
  tags                 TEXT[],
  created_at           TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at           TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- The sequence the spec's trigger used but never created.
CREATE SEQUENCE public.incident_number_seq AS BIGINT START 1;

-- 'INC-YYYYMMDD-0001': date in UTC (not the session TimeZone), at least four
-- digits; never truncated (lpad(x, 4) would cut 10000 to '1000' and repeat).
CREATE FUNCTION public.next_incident_number(ts TIMESTAMPTZ DEFAULT CURRENT_TIMESTAMP)
RETURNS TEXT
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  n TEXT := nextval('public.incident_number_seq')::text;
BEGIN
  RETURN 'INC-' || to_char(ts AT TIME ZONE 'UTC', 'YYYYMMDD') || '-'
         || lpad(n, greatest(4, length(n)), '0');
END
$$;

CREATE TABLE public.incidents (
  id                      UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id         UUID NOT NULL REFERENCES public.organizations(id) ON DELETE CASCADE,
  incident_number         VARCHAR(50) UNIQUE NOT NULL DEFAULT public.next_incident_number(),
  title                   VARCHAR(500) NOT NULL,
  description             TEXT,
  severity                public.incident_severity_type NOT NULL,
  status                  public.incident_status_type NOT NULL DEFAULT 'open',
  priority                public.incident_priority_type NOT NULL,
  wedding_impact          public.wedding_impact_level NOT NULL DEFAULT 'none',
  affected_services       TEXT[] NOT NULL DEFAULT '{}',
  affected_users_estimate INTEGER CHECK (affected_users_estimate >= 0),
  root_cause              TEXT,
  resolution_summary      TEXT,
  created_by              UUID REFERENCES auth.users(id) ON DELETE SET NULL,
  assigned_to             UUID REFERENCES auth.users(id) ON DELETE SET NULL,
  acknowledged_by         UUID REFERENCES auth.users(id) ON DELETE SET NULL,
  resolved_by             UUID REFERENCES auth.users(id) ON DELETE SET NULL,
  escalation_level        INTEGER NOT NULL DEFAULT 0 CHECK (escalation_level >= 0),
  escalation_policy_id    UUID REFERENCES public.escalation_policies(id) ON DELETE SET NULL,
  auto_created            BOOLEAN NOT NULL DEFAULT false,
  -- Deduplication key (PagerDuty dedup_key); for auto-created incidents the
  -- error fingerprint. At most one OPEN incident per (organization, key).
  dedup_key               TEXT,
  external_ticket_url     TEXT,
  context                 JSONB,
  tags                    TEXT[],
  created_at              TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at              TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  acknowledged_at         TIMESTAMPTZ,   -- MTTA = acknowledged_at - created_at
  resolved_at             TIMESTAMPTZ,   -- MTTR = resolved_at - created_at
  closed_at               TIMESTAMPTZ,
  -- Target of composite foreign keys (child rows stay in the same org).
  CONSTRAINT incidents_id_org_key UNIQUE (id, organization_id),
  CONSTRAINT incidents_ack_order CHECK (acknowledged_at IS NULL OR acknowledged_at >= created_at),
  CONSTRAINT incidents_resolve_order CHECK (resolved_at IS NULL OR resolved_at >= created_at),
  CONSTRAINT incidents_close_order CHECK (closed_at IS NULL OR closed_at >= created_at)
);
-- Correctness, not speed: the auto-incident trigger relies on it. Small
-- table, so built inside this transaction.
CREATE UNIQUE INDEX incidents_open_dedup_key
  ON public.incidents (organization_id, dedup_key)
  WHERE dedup_key IS NOT NULL AND status IN ('open', 'investigating', 'in_progress');

CREATE TABLE public.incident_updates (
  id               UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id  UUID NOT NULL,
  incident_id      UUID NOT NULL,
  update_type      public.incident_update_type NOT NULL,
  message          TEXT NOT NULL,
  status_change    public.incident_status_type,
  severity_change  public.incident_severity_type,
  updated_by       UUID REFERENCES auth.users(id) ON DELETE SET NULL,
  internal_notes   TEXT,
  public_message   BOOLEAN NOT NULL DEFAULT false,
  automated_update BOOLEAN NOT NULL DEFAULT false,
  context          JSONB,
  created_at       TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT incident_updates_incident_fk FOREIGN KEY (incident_id, organization_id)
    REFERENCES public.incidents (id, organization_id) ON DELETE CASCADE,
  CONSTRAINT incident_updates_org_fk FOREIGN KEY (organization_id)
    REFERENCES public.organizations(id) ON DELETE CASCADE
);

-- Post-incident review, one per incident.
CREATE TABLE public.post_incident_analysis (
  id                           UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id              UUID NOT NULL,
  incident_id                  UUID NOT NULL UNIQUE,
  summary                      TEXT NOT NULL,
  timeline                     JSONB NOT NULL DEFAULT '[]',
  root_cause                   TEXT,
  contributing_factors         TEXT[],
  what_went_well               TEXT,
  what_went_wrong              TEXT,
  action_items                 JSONB NOT NULL DEFAULT '[]',  -- [{title, owner, due, done}]
  wedding_impact_summary       TEXT,
  weddings_affected            INTEGER CHECK (weddings_affected >= 0),
  time_to_detect_seconds       INTEGER CHECK (time_to_detect_seconds >= 0),
  time_to_acknowledge_seconds  INTEGER CHECK (time_to_acknowledge_seconds >= 0),
  time_to_resolve_seconds      INTEGER CHECK (time_to_resolve_seconds >= 0),
  status                       VARCHAR(20) NOT NULL DEFAULT 'draft'
    CHECK (status IN ('draft', 'in_review', 'published')),
  author_id                    UUID REFERENCES auth.users(id) ON DELETE SET NULL,
  reviewed_by                  UUID REFERENCES auth.users(id) ON DELETE SET NULL,
  published_at                 TIMESTAMPTZ,
  created_at                   TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at                   TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT post_incident_analysis_incident_fk FOREIGN KEY (incident_id, organization_id)
    REFERENCES public.incidents (id, organization_id) ON DELETE CASCADE,
  CONSTRAINT post_incident_analysis_org_fk FOREIGN KEY (organization_id)
    REFERENCES public.organizations(id) ON DELETE CASCADE
);

-- Global delivery channels (credentials hidden from `authenticated` by
-- column privileges, see 0011).
CREATE TABLE public.notification_channels (
  id                         UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  channel_name               VARCHAR(255) NOT NULL,
  channel_type               public.notification_channel_type NOT NULL,
  configuration              JSONB NOT NULL,
  webhook_url                TEXT,
  api_credentials_encrypted  TEXT,
  template_config            JSONB,
  rate_limit_config          JSONB,
  wedding_emergency_override BOOLEAN NOT NULL DEFAULT false,
  is_active                  BOOLEAN NOT NULL DEFAULT true,
  last_used                  TIMESTAMPTZ,
  success_rate               DECIMAL(5,2) NOT NULL DEFAULT 100.00 CHECK (success_rate BETWEEN 0 AND 100),
  created_at                 TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at                 TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE public.alert_configurations (
  id                        UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id           UUID NOT NULL REFERENCES public.organizations(id) ON DELETE CASCADE,
  alert_name                VARCHAR(255) NOT NULL,
  alert_type                public.alert_type_enum NOT NULL,
  service_name              VARCHAR(100),
  metric_name               VARCHAR(100),
  condition_type            public.condition_type_enum NOT NULL,
  -- Effective threshold: derived from base_threshold_value by
  -- optimize_wedding_season_monitoring(). Edit base_threshold_value.
  threshold_value           DECIMAL(15,4),
  -- Configured threshold; defaults to threshold_value on insert.
  base_threshold_value      DECIMAL(15,4),
  threshold_operator        public.operator_type_enum NOT NULL,
  time_window               INTERVAL NOT NULL DEFAULT '5 minutes',
  evaluation_frequency      INTERVAL NOT NULL DEFAULT '1 minute',
  wedding_season_adjustment BOOLEAN NOT NULL DEFAULT false,
  weekend_escalation        BOOLEAN NOT NULL DEFAULT true,
  suppression_rules         JSONB,
  -- notification_channels ids; an array cannot carry a foreign key.
  notification_channels     UUID[] NOT NULL DEFAULT '{}',
  escalation_policy_id      UUID REFERENCES public.escalation_policies(id) ON DELETE SET NULL,
  is_active                 BOOLEAN NOT NULL DEFAULT true,
  created_by                UUID REFERENCES auth.users(id) ON DELETE SET NULL,
  tags                      TEXT[],
  created_at                TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at                TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  -- Target of the tenant-scoped foreign keys (alert_history, suppression_rules).
  CONSTRAINT alert_configurations_id_org_key UNIQUE (id, organization_id)
);

-- Links to alert_configurations and incidents include organization_id (see
-- the note above the foreign keys at the end of this file).
CREATE TABLE public.alert_history (
  id                     UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id        UUID NOT NULL REFERENCES public.organizations(id) ON DELETE CASCADE,
  alert_configuration_id UUID,
  alert_status           public.alert_status_type NOT NULL,
  triggered_at           TIMESTAMPTZ NOT NULL,
  acknowledged_at        TIMESTAMPTZ,   -- MTTA = acknowledged_at - triggered_at
  acknowledged_by        UUID REFERENCES auth.users(id) ON DELETE SET NULL,
  resolved_at            TIMESTAMPTZ,
  duration_seconds       INTEGER CHECK (duration_seconds >= 0),
  trigger_value          DECIMAL(15,4),
  threshold_value        DECIMAL(15,4),
  context                JSONB,
  incident_id            UUID,
  notifications_sent     INTEGER NOT NULL DEFAULT 0 CHECK (notifications_sent >= 0),
  escalation_level       INTEGER NOT NULL DEFAULT 0 CHECK (escalation_level >= 0),
  last_escalated_at      TIMESTAMPTZ,
  suppressed             BOOLEAN NOT NULL DEFAULT false,
  suppression_reason     TEXT,
  created_at             TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT alert_history_ack_order CHECK (acknowledged_at IS NULL OR acknowledged_at >= triggered_at),
  CONSTRAINT alert_history_resolve_order CHECK (resolved_at IS NULL OR resolved_at >= triggered_at),
  -- Target of notification_queue's (alert_id, organization_id).
  CONSTRAINT alert_history_id_org_key UNIQUE (id, organization_id),
  CONSTRAINT alert_history_alert_configuration_id_fkey
    FOREIGN KEY (alert_configuration_id, organization_id)
    REFERENCES public.alert_configurations (id, organization_id)
    ON DELETE SET NULL (alert_configuration_id),
  CONSTRAINT alert_history_incident_id_fkey FOREIGN KEY (incident_id, organization_id)
    REFERENCES public.incidents (id, organization_id) ON DELETE SET NULL (incident_id)
);

-- Alert silences / maintenance windows (Alertmanager-style), per organization.
CREATE TABLE public.suppression_rules (
  id                     UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id        UUID NOT NULL REFERENCES public.organizations(id) ON DELETE CASCADE,
  rule_name              VARCHAR(255) NOT NULL,
  alert_configuration_id UUID,   -- of the same organization (FK below)
  service_name           VARCHAR(100),
  matchers               JSONB NOT NULL DEFAULT '{}',   -- label -> value
  starts_at              TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  ends_at                TIMESTAMPTZ,                   -- NULL = open-ended
  recurrence             JSONB,                         -- e.g. weekly windows
  timezone               TEXT NOT NULL DEFAULT 'UTC',   -- of recurrence windows
  reason                 TEXT,
  -- Wedding-day emergencies are never silenced unless this is true.
  applies_to_wedding_emergencies BOOLEAN NOT NULL DEFAULT false,
  is_active              BOOLEAN NOT NULL DEFAULT true,
  created_by             UUID REFERENCES auth.users(id) ON DELETE SET NULL,
  created_at             TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at             TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT suppression_rules_window CHECK (ends_at IS NULL OR ends_at > starts_at),
  CONSTRAINT suppression_rules_alert_configuration_id_fkey
    FOREIGN KEY (alert_configuration_id, organization_id)
    REFERENCES public.alert_configurations (id, organization_id) ON DELETE CASCADE
);

-- Emergency contacts of an organization (personal data: RLS by organization).
CREATE TABLE public.escalation_contacts (
  id                   UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id      UUID NOT NULL REFERENCES public.organizations(id) ON DELETE CASCADE,
  escalation_policy_id UUID REFERENCES public.escalation_policies(id) ON DELETE SET NULL,
  user_id              UUID REFERENCES auth.users(id) ON DELETE SET NULL,
  contact_name         VARCHAR(255) NOT NULL,
  contact_role         VARCHAR(100),
  email                TEXT,
  phone                VARCHAR(50),
  preferred_channel    public.notification_channel_type NOT NULL DEFAULT 'email',
  escalation_level     INTEGER NOT NULL DEFAULT 1 CHECK (escalation_level >= 1),
  available_weekends   BOOLEAN NOT NULL DEFAULT false,
  wedding_day_contact  BOOLEAN NOT NULL DEFAULT false,
  timezone             TEXT NOT NULL DEFAULT 'Europe/London',
  is_active            BOOLEAN NOT NULL DEFAULT true,
  created_at           TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at           TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT escalation_contacts_reachable CHECK (num_nonnulls(email, phone, user_id) >= 1)
);

-- Foreign keys from 0004 to tables that exist only now.
-- Every link between two tenant tables includes organization_id (like
-- incident_updates; test_tenant_foreign_keys_include_organization checks the
-- catalog): a single-column FK ignores RLS, so a member of A could point A's
-- rows at B's row (learning that the id exists, and having A's rows rewritten
-- when B resolves its incident). MATCH SIMPLE: a NULL link passes.
-- ON DELETE SET NULL (col) (PostgreSQL 15+) clears only the link, not
-- organization_id.
ALTER TABLE public.error_reports
  ADD CONSTRAINT error_reports_incident_id_fkey
  FOREIGN KEY (incident_id, organization_id)
  REFERENCES public.incidents(id, organization_id) ON DELETE SET NULL (incident_id);
ALTER TABLE public.error_groups
  ADD CONSTRAINT error_groups_incident_id_fkey
  FOREIGN KEY (incident_id, organization_id)
  REFERENCES public.incidents(id, organization_id) ON DELETE SET NULL (incident_id);
ALTER TABLE public.auto_recovery_logs
  ADD CONSTRAINT auto_recovery_logs_incident_id_fkey
  FOREIGN KEY (incident_id, organization_id)
  REFERENCES public.incidents(id, organization_id) ON DELETE SET NULL (incident_id),
  ADD CONSTRAINT auto_recovery_logs_runbook_id_fkey
  FOREIGN KEY (runbook_id) REFERENCES public.runbooks(id) ON DELETE SET NULL;
