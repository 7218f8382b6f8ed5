-- wedsync:no-transaction
-- 0012 indexes, built with CREATE INDEX CONCURRENTLY so a deployment does
-- not block writes on the large tables. CONCURRENTLY cannot run inside a
-- transaction block (nor in a multi-statement string), hence the marker on
-- line 1: the runner executes this file statement by statement, outside a
-- transaction. IF NOT EXISTS makes a re-run after a partial failure safe, but
-- it also skips an INVALID index left by a failed concurrent build: check
-- pg_index.indisvalid and DROP INDEX CONCURRENTLY such leftovers first.
--
-- Besides the spec's indexes (corrected where noted): an index on
-- organization_id (leading, with the event time) for every tenant table, for
-- RLS, and an index on every foreign key used by joins or by ON DELETE
-- CASCADE / SET NULL from large tables.
-- Only simple statements in this file, one per line ending with a semicolon.

-- error_reports --------------------------------------------------------------
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_error_reports_org_created
  ON public.error_reports (organization_id, created_at DESC);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_error_reports_created
  ON public.error_reports (created_at);
-- Spec index, unchanged. Enum order makes severity sort low..wedding_emergency.
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_error_reports_severity_time
  ON public.error_reports (severity, created_at DESC) WHERE resolution_status = 'open';
-- Spec GIN index, with jsonb_path_ops (smaller): it serves containment
-- queries such as wedding_context @> '{"is_saturday": true}', not ->> tests.
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_error_reports_wedding_context
  ON public.error_reports USING gin (wedding_context jsonb_path_ops) WHERE wedding_context IS NOT NULL;
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_error_reports_org_fingerprint
  ON public.error_reports (organization_id, fingerprint, created_at DESC);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_error_reports_incident
  ON public.error_reports (incident_id) WHERE incident_id IS NOT NULL;

-- error tracking, small tables -------------------------------------------------
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_error_groups_incident
  ON public.error_groups (incident_id) WHERE incident_id IS NOT NULL;
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_error_groups_org_last_seen
  ON public.error_groups (organization_id, last_seen DESC);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_error_correlations_org
  ON public.error_correlations (organization_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_error_correlations_related
  ON public.error_correlations (related_error_id);
-- primary_error_id is the leading column of the UNIQUE constraint's index.
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_auto_recovery_logs_org_started
  ON public.auto_recovery_logs (organization_id, started_at DESC);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_auto_recovery_logs_started
  ON public.auto_recovery_logs (started_at);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_auto_recovery_logs_error
  ON public.auto_recovery_logs (error_report_id) WHERE error_report_id IS NOT NULL;
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_auto_recovery_logs_incident
  ON public.auto_recovery_logs (incident_id) WHERE incident_id IS NOT NULL;
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_auto_recovery_logs_runbook
  ON public.auto_recovery_logs (runbook_id) WHERE runbook_id IS NOT NULL;
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_error_suppression_rules_org
  ON public.error_suppression_rules (organization_id);

-- performance_metrics ------------------------------------------------------------
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_performance_metrics_org_timestamp
  ON public.performance_metrics (organization_id, "timestamp" DESC);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_performance_metrics_timestamp
  ON public.performance_metrics ("timestamp" DESC);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_performance_metrics_service_type
  ON public.performance_metrics (service_name, metric_type, "timestamp" DESC);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_perf_metrics_user_journey
  ON public.performance_metrics (metric_type, user_segment, "timestamp" DESC) WHERE metric_type = 'user_journey_time';

-- other performance tables -----------------------------------------------------------
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_core_web_vitals_org_created
  ON public.core_web_vitals (organization_id, created_at DESC);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_core_web_vitals_created
  ON public.core_web_vitals (created_at);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_api_performance_org_recorded
  ON public.api_performance (organization_id, recorded_at DESC);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_api_performance_recorded
  ON public.api_performance (recorded_at);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_api_performance_endpoint
  ON public.api_performance (service_name, endpoint_path, recorded_at DESC);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_database_performance_org_recorded
  ON public.database_performance (organization_id, recorded_at DESC);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_database_performance_recorded
  ON public.database_performance (recorded_at);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_user_journey_org_started
  ON public.user_journey_performance (organization_id, started_at DESC);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_user_journey_started
  ON public.user_journey_performance (started_at);

-- business_events ----------------------------------------------------------------
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_business_events_org_time
  ON public.business_events (organization_id, event_timestamp DESC);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_business_events_time
  ON public.business_events (event_timestamp);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_business_events_funnel
  ON public.business_events (funnel_step, event_timestamp DESC) WHERE funnel_step IS NOT NULL;
-- Spec: (revenue_impact, event_timestamp) WHERE revenue_impact > 0. That
-- dropped refunds and churn (negative impact) and led with the value, which
-- no time-range query can use. Now: time first, value carried, non-zero.
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_business_events_revenue
  ON public.business_events (event_timestamp DESC) INCLUDE (revenue_impact) WHERE revenue_impact IS NOT NULL AND revenue_impact <> 0;

-- other business tables ----------------------------------------------------------------
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_feature_usage_org_used
  ON public.feature_usage (organization_id, used_at DESC);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_feature_usage_used
  ON public.feature_usage (used_at);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_user_segments_org_user
  ON public.user_segments (organization_id, user_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_user_segments_user
  ON public.user_segments (user_id);

-- incidents ------------------------------------------------------------------------
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_incidents_org_created
  ON public.incidents (organization_id, created_at DESC);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_incidents_active
  ON public.incidents (status, severity DESC, created_at DESC) WHERE status IN ('open', 'investigating', 'in_progress');
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_incidents_wedding_impact
  ON public.incidents (wedding_impact, created_at DESC) WHERE wedding_impact <> 'none';
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_incidents_assigned_to
  ON public.incidents (assigned_to) WHERE assigned_to IS NOT NULL;
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_incidents_escalation_policy
  ON public.incidents (escalation_policy_id) WHERE escalation_policy_id IS NOT NULL;
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_incident_updates_incident
  ON public.incident_updates (incident_id, created_at);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_incident_updates_org
  ON public.incident_updates (organization_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_post_incident_analysis_org
  ON public.post_incident_analysis (organization_id);

-- alerting -------------------------------------------------------------------------
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_alert_configurations_org
  ON public.alert_configurations (organization_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_alert_configurations_policy
  ON public.alert_configurations (escalation_policy_id) WHERE escalation_policy_id IS NOT NULL;
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_alert_history_org_triggered
  ON public.alert_history (organization_id, triggered_at DESC);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_alert_history_triggered
  ON public.alert_history (triggered_at);
-- Spec index: also the escalation scheduler's candidate scan.
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_alert_history_active
  ON public.alert_history (alert_status, triggered_at DESC) WHERE resolved_at IS NULL;
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_alert_history_configuration
  ON public.alert_history (alert_configuration_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_alert_history_incident
  ON public.alert_history (incident_id) WHERE incident_id IS NOT NULL;
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_suppression_rules_org
  ON public.suppression_rules (organization_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_suppression_rules_configuration
  ON public.suppression_rules (alert_configuration_id) WHERE alert_configuration_id IS NOT NULL;
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_escalation_contacts_org
  ON public.escalation_contacts (organization_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_escalation_contacts_policy
  ON public.escalation_contacts (escalation_policy_id) WHERE escalation_policy_id IS NOT NULL;

-- integrations and operations ---------------------------------------------------------
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_notification_queue_org
  ON public.notification_queue (organization_id, created_at DESC);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_notification_queue_pending
  ON public.notification_queue (scheduled_at) WHERE status = 'pending';
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_notification_queue_incident
  ON public.notification_queue (incident_id) WHERE incident_id IS NOT NULL;
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_notification_queue_channel
  ON public.notification_queue (channel_id) WHERE channel_id IS NOT NULL;
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_system_health_checks_org_created
  ON public.system_health_checks (organization_id, created_at DESC);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_system_health_checks_service_created
  ON public.system_health_checks (service_name, created_at DESC);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_system_health_checks_created
  ON public.system_health_checks (created_at);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_system_maintenance_logs_activity
  ON public.system_maintenance_logs (activity_type, started_at DESC);
