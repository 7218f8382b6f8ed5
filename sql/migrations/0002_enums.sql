-- 0002 enums: every enum of the spec, the five the spec uses but never
-- defines, and app_role_type (the application role of a user).
--
-- Enum order matters: comparisons, greatest() and ORDER BY use declaration
-- order. The severity, priority and rating enums are declared least to most
-- severe, so `ORDER BY severity DESC` lists the worst first. New values must be
-- added with ALTER TYPE ... ADD VALUE ... BEFORE/AFTER to keep that order.

-- Error management
CREATE TYPE public.error_severity_type AS ENUM (
  'low', 'medium', 'high', 'critical', 'wedding_emergency'
);

CREATE TYPE public.resolution_status_type AS ENUM (
  'open', 'investigating', 'resolved', 'closed', 'auto_resolved'
);

CREATE TYPE public.pattern_type_enum AS ENUM (
  'recurring_error', 'cascade_failure', 'performance_degradation', 'user_behavior_anomaly'
);

-- Performance monitoring
CREATE TYPE public.performance_metric_type AS ENUM (
  'response_time', 'throughput', 'error_rate', 'cpu_usage', 'memory_usage',
  'database_query_time', 'core_web_vitals', 'user_journey_time'
);

CREATE TYPE public.device_type_enum AS ENUM ('desktop', 'tablet', 'mobile', 'unknown');

CREATE TYPE public.connection_type_enum AS ENUM (
  'slow_2g', '2g', '3g', '4g', '5g', 'wifi', 'ethernet', 'unknown'
);

CREATE TYPE public.user_segment_type AS ENUM (
  'new_user', 'active_user', 'power_user', 'churned_user', 'wedding_supplier', 'couple'
);

-- good < needs_improvement < poor, so greatest() is "the worst rating".
CREATE TYPE public.performance_rating_type AS ENUM ('good', 'needs_improvement', 'poor');

-- Incident management
CREATE TYPE public.incident_severity_type AS ENUM (
  'low', 'medium', 'high', 'critical', 'wedding_day_emergency'
);

CREATE TYPE public.incident_status_type AS ENUM (
  'open', 'investigating', 'in_progress', 'resolved', 'closed', 'cancelled'
);

-- p4 (lowest) ... p0 (highest): ORDER BY priority DESC lists p0 first.
CREATE TYPE public.incident_priority_type AS ENUM ('p4', 'p3', 'p2', 'p1', 'p0');

CREATE TYPE public.wedding_impact_level AS ENUM (
  'none', 'low', 'medium', 'high', 'wedding_day_critical'
);

CREATE TYPE public.incident_update_type AS ENUM (
  'status_change', 'investigation_update', 'resolution_update', 'escalation',
  'assignment_change', 'root_cause_identified'
);

-- Alert management
CREATE TYPE public.alert_type_enum AS ENUM (
  'threshold', 'anomaly', 'composite', 'heartbeat', 'pattern_match'
);

CREATE TYPE public.condition_type_enum AS ENUM (
  'above_threshold', 'below_threshold', 'equals', 'not_equals',
  'percentage_change', 'rate_of_change'
);

CREATE TYPE public.operator_type_enum AS ENUM (
  'greater_than', 'less_than', 'equals', 'not_equals',
  'greater_than_or_equal', 'less_than_or_equal'
);

CREATE TYPE public.alert_status_type AS ENUM (
  'triggered', 'acknowledged', 'resolved', 'suppressed', 'escalated'
);

-- Health checks
CREATE TYPE public.health_check_type AS ENUM (
  'http_endpoint', 'database_connection', 'third_party_api', 'queue_health',
  'disk_space', 'memory_usage'
);

CREATE TYPE public.health_status_type AS ENUM ('healthy', 'degraded', 'unhealthy', 'unknown');

-- The five enums the spec uses but never defines (values designed here).
CREATE TYPE public.monitoring_integration_type AS ENUM (
  'error_tracking', 'apm', 'logging', 'metrics', 'uptime',
  'incident_management', 'analytics', 'webhook'
);

-- The spec's default for monitoring_integrations.sync_status is 'healthy'.
CREATE TYPE public.sync_status_type AS ENUM (
  'healthy', 'syncing', 'degraded', 'failed', 'disabled'
);

CREATE TYPE public.notification_channel_type AS ENUM (
  'email', 'sms', 'slack', 'teams', 'pagerduty', 'webhook', 'push', 'voice'
);

CREATE TYPE public.third_party_service_type AS ENUM (
  'payment', 'email', 'sms', 'calendar', 'storage', 'authentication',
  'maps', 'video', 'crm', 'analytics', 'other'
);

-- The spec's default for third_party_services.current_status is 'unknown'.
CREATE TYPE public.service_status_type AS ENUM (
  'operational', 'degraded', 'partial_outage', 'major_outage', 'maintenance', 'unknown'
);

-- Application role of a user inside one organization (user_profiles.app_role).
-- Not the JWT `role` claim: on Supabase that claim holds the database role
-- (anon / authenticated / service_role).
CREATE TYPE public.app_role_type AS ENUM ('member', 'support', 'devops', 'on_call', 'admin');
