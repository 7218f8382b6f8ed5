-- 0004 error tracking: error_reports (one row per reported error event),
-- error_groups (one row per fingerprint: Sentry-style issue), correlations,
-- patterns, auto-recovery and suppression rules.
--
-- Foreign keys to incidents and runbooks are added in 0007, once those
-- tables exist (the spec referenced tables before creating them).

CREATE TABLE public.error_reports (
  id                      UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  -- NOT NULL (nullable in the spec): RLS is by organization.
  organization_id         UUID NOT NULL REFERENCES public.organizations(id) ON DELETE CASCADE,
  error_type              VARCHAR(100) NOT NULL,
  severity                public.error_severity_type NOT NULL,
  service_name            VARCHAR(100) NOT NULL,
  endpoint_path           TEXT,
  error_message           TEXT NOT NULL,
  stack_trace             TEXT,
  user_id                 UUID REFERENCES auth.users(id) ON DELETE SET NULL,
  session_id              VARCHAR(255),
  request_data            JSONB,
  user_agent              TEXT,
  ip_address              INET,
  -- { timezone, local_date, iso_dow, is_saturday, is_weekend,
  --   is_wedding_season [, wedding_date] }; filled from created_at in the
  -- organization's timezone when NULL (see public.wedding_context).
  wedding_context         JSONB,
  -- Free correlation id from the client (e.g. a trace id). The spec wrote the
  -- incident id here; the incident now has its own column, incident_id.
  correlation_id          UUID,
  -- Grouping key; computed by the BEFORE INSERT trigger when NULL.
  fingerprint             TEXT NOT NULL,
  -- Incident this occurrence was attached to (set by the trigger).
  incident_id             UUID,
  auto_recovery_attempted BOOLEAN NOT NULL DEFAULT false,
  resolution_status       public.resolution_status_type NOT NULL DEFAULT 'open',
  -- A report may summarise several client-side occurrences.
  first_occurrence        TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  occurrence_count        INTEGER NOT NULL DEFAULT 1 CHECK (occurrence_count >= 1),
  last_occurrence         TIMESTAMPTZ DEFAULT CURRENT_TIMESTAMP,
  -- Event time of the report: views, indexes and retention use created_at.
  created_at              TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT error_reports_occurrence_order
    CHECK (last_occurrence IS NULL OR last_occurrence >= first_occurrence),
  -- Target of the tenant-scoped foreign keys (error_correlations,
  -- auto_recovery_logs): a child row can only point at an error of its own
  -- organization. See 0007 for why single-column links between tenant tables
  -- are not enough.
  CONSTRAINT error_reports_id_org_key UNIQUE (id, organization_id)
);

-- One row per (organization, fingerprint): the "issue" of an error tracker.
-- Maintained by the error_reports trigger for incident-worthy severities
-- (high, critical, wedding_emergency) outside bulk loads.
CREATE TABLE public.error_groups (
  id              UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id UUID NOT NULL REFERENCES public.organizations(id) ON DELETE CASCADE,
  fingerprint     TEXT NOT NULL,
  service_name    VARCHAR(100) NOT NULL,
  error_type      VARCHAR(100) NOT NULL,
  title           TEXT NOT NULL,                        -- first message seen
  max_severity    public.error_severity_type NOT NULL,  -- worst severity seen
  status          public.resolution_status_type NOT NULL DEFAULT 'open',
  times_seen      BIGINT NOT NULL DEFAULT 0 CHECK (times_seen >= 0),  -- sum of occurrence_count
  first_seen      TIMESTAMPTZ NOT NULL,   -- kept as the least (events arrive out of order)
  last_seen       TIMESTAMPTZ NOT NULL,   -- kept as the greatest
  incident_id     UUID,                   -- current (or last) incident of the group
  regression_count INTEGER NOT NULL DEFAULT 0,  -- times a resolved group came back
  resolved_at     TIMESTAMPTZ,
  created_at      TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at      TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT error_groups_org_fingerprint_key UNIQUE (organization_id, fingerprint),
  CONSTRAINT error_groups_seen_order CHECK (last_seen >= first_seen)
);

-- Links between related errors (same trace, cascade, ...), within one
-- organization: both errors are the correlation's organization's (composite
-- foreign keys below).
CREATE TABLE public.error_correlations (
  id                UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id   UUID NOT NULL REFERENCES public.organizations(id) ON DELETE CASCADE,
  primary_error_id  UUID NOT NULL,
  related_error_id  UUID NOT NULL,
  correlation_type  VARCHAR(50) NOT NULL
    CHECK (correlation_type IN ('same_trace', 'same_session', 'same_fingerprint',
                                'cascade', 'temporal', 'root_cause')),
  correlation_score DECIMAL(3,2) CHECK (correlation_score BETWEEN 0 AND 1),
  is_root_cause     BOOLEAN NOT NULL DEFAULT false,
  context           JSONB,
  detected_at       TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  created_at        TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT error_correlations_distinct CHECK (primary_error_id <> related_error_id),
  CONSTRAINT error_correlations_unique UNIQUE (primary_error_id, related_error_id, correlation_type),
  CONSTRAINT error_correlations_primary_error_id_fkey FOREIGN KEY (primary_error_id, organization_id)
    REFERENCES public.error_reports (id, organization_id) ON DELETE CASCADE,
  CONSTRAINT error_correlations_related_error_id_fkey FOREIGN KEY (related_error_id, organization_id)
    REFERENCES public.error_reports (id, organization_id) ON DELETE CASCADE
);

-- Global catalogue of recognised patterns (spec columns).
CREATE TABLE public.error_patterns (
  id                   UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  pattern_name         VARCHAR(255) NOT NULL,
  error_signature      TEXT NOT NULL,
  pattern_type         public.pattern_type_enum NOT NULL,
  confidence_score     DECIMAL(3,2) CHECK (confidence_score BETWEEN 0 AND 1),
  occurrence_threshold INTEGER NOT NULL DEFAULT 5 CHECK (occurrence_threshold >= 1),
  time_window          INTERVAL NOT NULL DEFAULT '1 hour',
  affected_services    TEXT[],
  common_context       JSONB,
  suggested_resolution TEXT,
  auto_escalate        BOOLEAN NOT NULL DEFAULT false,
  is_active            BOOLEAN NOT NULL DEFAULT true,
  created_at           TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at           TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- Self-healing attempts (restart, failover, cache purge, ...).
CREATE TABLE public.auto_recovery_logs (
  id              UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id UUID NOT NULL REFERENCES public.organizations(id) ON DELETE CASCADE,
  error_report_id UUID,   -- an error of the same organization (FK below)
  incident_id     UUID,   -- FK added in 0007
  runbook_id      UUID,   -- FK added in 0007
  service_name    VARCHAR(100) NOT NULL,
  recovery_action VARCHAR(255) NOT NULL,
  recovery_status VARCHAR(20) NOT NULL DEFAULT 'started'
    CHECK (recovery_status IN ('started', 'succeeded', 'failed', 'rolled_back', 'skipped')),
  attempt_number  INTEGER NOT NULL DEFAULT 1 CHECK (attempt_number >= 1),
  started_at      TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  completed_at    TIMESTAMPTZ,
  duration_ms     INTEGER CHECK (duration_ms >= 0),
  details         JSONB,
  wedding_context JSONB,
  created_at      TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT auto_recovery_logs_time_order CHECK (completed_at IS NULL OR completed_at >= started_at),
  -- MATCH SIMPLE: a NULL error_report_id passes. Deleting the error clears
  -- only the link (PostgreSQL 15+ column list), not organization_id.
  CONSTRAINT auto_recovery_logs_error_report_id_fkey FOREIGN KEY (error_report_id, organization_id)
    REFERENCES public.error_reports (id, organization_id) ON DELETE SET NULL (error_report_id)
);

-- Per-organization noise reduction for errors: matching errors are still
-- stored but flagged by consumers; at least one matcher is required.
CREATE TABLE public.error_suppression_rules (
  id                    UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id       UUID NOT NULL REFERENCES public.organizations(id) ON DELETE CASCADE,
  rule_name             VARCHAR(255) NOT NULL,
  fingerprint           TEXT,
  service_name          VARCHAR(100),
  error_type            VARCHAR(100),
  message_pattern       TEXT,          -- POSIX regular expression
  max_severity          public.error_severity_type NOT NULL DEFAULT 'medium',
  suppress_until        TIMESTAMPTZ,   -- NULL = until deactivated
  reason                TEXT,
  is_active             BOOLEAN NOT NULL DEFAULT true,
  created_by            UUID REFERENCES auth.users(id) ON DELETE SET NULL,
  created_at            TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at            TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT error_suppression_rules_has_matcher CHECK (
    num_nonnulls(fingerprint, service_name, error_type, message_pattern) >= 1)
);
