-- 0006 business intelligence. Event time: business_events.event_timestamp
-- (processed_at is ingestion time, wrong for retention and analysis),
-- feature_usage.used_at, revenue_metrics.metric_date, user_segments.assigned_at.

CREATE TABLE public.business_events (
  id                UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  event_type        VARCHAR(100) NOT NULL,
  event_name        VARCHAR(200) NOT NULL,
  user_id           UUID REFERENCES auth.users(id) ON DELETE SET NULL,
  organization_id   UUID NOT NULL REFERENCES public.organizations(id) ON DELETE CASCADE,
  session_id        VARCHAR(255),
  event_properties  JSONB NOT NULL DEFAULT '{}',
  user_properties   JSONB NOT NULL DEFAULT '{}',
  device_properties JSONB NOT NULL DEFAULT '{}',
  wedding_context   JSONB,
  conversion_value  DECIMAL(10,2),
  revenue_impact    DECIMAL(10,2),    -- negative for refunds / churn
  funnel_step       VARCHAR(100),
  experiment_id     VARCHAR(255),
  ab_test_variant   VARCHAR(100),
  event_timestamp   TIMESTAMPTZ NOT NULL,
  processed_at      TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- Funnel definitions: ordered steps (business_events.funnel_step values),
-- a conversion window measured from step 1 (inclusive), a mode.
CREATE TABLE public.conversion_funnels (
  id                UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id   UUID NOT NULL REFERENCES public.organizations(id) ON DELETE CASCADE,
  funnel_name       VARCHAR(255) NOT NULL,
  description       TEXT,
  steps             TEXT[] NOT NULL CHECK (cardinality(steps) >= 2),
  conversion_window INTERVAL NOT NULL DEFAULT '14 days' CHECK (conversion_window > INTERVAL '0'),
  funnel_mode       VARCHAR(20) NOT NULL DEFAULT 'ordered'
    CHECK (funnel_mode IN ('ordered', 'strict', 'unordered')),
  target_segment    public.user_segment_type,
  is_active         BOOLEAN NOT NULL DEFAULT true,
  created_by        UUID REFERENCES auth.users(id) ON DELETE SET NULL,
  created_at        TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at        TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  UNIQUE (organization_id, funnel_name)
);

-- One row per feature use (or a client-side batch of uses).
CREATE TABLE public.feature_usage (
  id               UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id  UUID NOT NULL REFERENCES public.organizations(id) ON DELETE CASCADE,
  user_id          UUID REFERENCES auth.users(id) ON DELETE SET NULL,
  session_id       VARCHAR(255),
  feature_name     VARCHAR(100) NOT NULL,
  feature_category VARCHAR(100),
  usage_count      INTEGER NOT NULL DEFAULT 1 CHECK (usage_count >= 1),
  duration_seconds DECIMAL(10,2) CHECK (duration_seconds >= 0),
  user_segment     public.user_segment_type,
  device_type      public.device_type_enum,
  properties       JSONB NOT NULL DEFAULT '{}',
  wedding_context  JSONB,
  used_at          TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  created_at       TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- Daily subscription/revenue figures per organization and tier.
CREATE TABLE public.revenue_metrics (
  id                     UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id        UUID NOT NULL REFERENCES public.organizations(id) ON DELETE CASCADE,
  metric_date            DATE NOT NULL,
  metric_type            VARCHAR(30) NOT NULL
    CHECK (metric_type IN ('mrr', 'arr', 'new_mrr', 'expansion_mrr', 'contraction_mrr',
                           'churned_mrr', 'arpu', 'ltv', 'refunds')),
  subscription_tier      VARCHAR(50) NOT NULL DEFAULT 'all',
  amount                 DECIMAL(14,2) NOT NULL,
  currency               CHAR(3) NOT NULL DEFAULT 'GBP',
  active_subscriptions   INTEGER CHECK (active_subscriptions >= 0),
  new_subscriptions      INTEGER CHECK (new_subscriptions >= 0),
  churned_subscriptions  INTEGER CHECK (churned_subscriptions >= 0),
  is_wedding_season      BOOLEAN,
  created_at             TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  UNIQUE (organization_id, metric_date, metric_type, subscription_tier, currency)
);

-- Behavioural segment assignments (a user may hold several segments).
CREATE TABLE public.user_segments (
  id              UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id UUID NOT NULL REFERENCES public.organizations(id) ON DELETE CASCADE,
  user_id         UUID NOT NULL REFERENCES auth.users(id) ON DELETE CASCADE,
  segment         public.user_segment_type NOT NULL,
  segment_score   DECIMAL(5,2) CHECK (segment_score BETWEEN 0 AND 100),
  criteria        JSONB NOT NULL DEFAULT '{}',
  assigned_at     TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  valid_until     TIMESTAMPTZ,
  created_at      TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT user_segments_validity CHECK (valid_until IS NULL OR valid_until > assigned_at)
);
