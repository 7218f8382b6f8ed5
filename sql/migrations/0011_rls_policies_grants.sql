-- 0011 row level security and privileges.
--
-- Model:
-- * Tenant tables carry organization_id; a user sees and writes rows of the
--   organizations they belong to (user_profiles), nothing else. The check is
--   `organization_id IN (SELECT public.user_org_ids(...))`: the sub-select
--   runs the SECURITY DEFINER membership function once per statement, and
--   the comparison uses the organization_id index.
-- * Application roles ('admin', 'on_call', 'support', 'devops', 'member')
--   come from user_profiles.app_role for THAT organization, never from the
--   JWT `role` claim (on Supabase it holds the database role). An admin of
--   organization A has no rights in organization B.
-- * Global configuration tables are readable by every authenticated user and
--   written only by service_role (BYPASSRLS) or the owner.
-- * anon gets nothing; service_role gets everything.
-- Every table of this schema has RLS enabled (tests check the catalog).

-- ---------------------------------------------------------------------------
-- Enable RLS everywhere.
-- ---------------------------------------------------------------------------
DO $$
DECLARE
  t TEXT;
BEGIN
  FOREACH t IN ARRAY ARRAY[
    'organizations', 'user_profiles',
    'error_reports', 'error_groups', 'error_correlations', 'error_patterns',
    'auto_recovery_logs', 'error_suppression_rules',
    'performance_metrics', 'core_web_vitals', 'api_performance',
    'database_performance', 'user_journey_performance',
    'business_events', 'conversion_funnels', 'feature_usage', 'revenue_metrics',
    'user_segments',
    'escalation_policies', 'runbooks', 'incidents', 'incident_updates',
    'post_incident_analysis', 'notification_channels', 'alert_configurations',
    'alert_history', 'suppression_rules', 'escalation_contacts',
    'monitoring_integrations', 'third_party_services', 'notification_queue',
    'system_maintenance_logs', 'system_health_checks']
  LOOP
    EXECUTE format('ALTER TABLE public.%I ENABLE ROW LEVEL SECURITY', t);
    -- Supabase grants new tables to anon and authenticated by default:
    -- start from nothing and grant below.
    EXECUTE format('REVOKE ALL ON public.%I FROM PUBLIC, anon, authenticated', t);
    EXECUTE format('GRANT ALL ON public.%I TO service_role', t);
  END LOOP;
END
$$;

-- ---------------------------------------------------------------------------
-- Plain tenant tables: members of the row's organization, all commands.
-- ---------------------------------------------------------------------------
DO $$
DECLARE
  t TEXT;
BEGIN
  FOREACH t IN ARRAY ARRAY[
    'error_reports', 'error_groups', 'error_correlations', 'auto_recovery_logs',
    'error_suppression_rules',
    'performance_metrics', 'core_web_vitals', 'api_performance',
    'database_performance', 'user_journey_performance',
    'business_events', 'conversion_funnels', 'feature_usage', 'revenue_metrics',
    'user_segments',
    'alert_history', 'suppression_rules', 'escalation_contacts',
    'notification_queue', 'system_health_checks']
  LOOP
    EXECUTE format(
      'CREATE POLICY %I ON public.%I FOR ALL TO authenticated '
      'USING (organization_id IN (SELECT public.user_org_ids())) '
      'WITH CHECK (organization_id IN (SELECT public.user_org_ids()))',
      t || '_org_members', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON public.%I TO authenticated', t);
  END LOOP;
END
$$;

-- ---------------------------------------------------------------------------
-- organizations: members read; the organization's admins update.
-- ---------------------------------------------------------------------------
CREATE POLICY organizations_members_read ON public.organizations
  FOR SELECT TO authenticated
  USING (id IN (SELECT public.user_org_ids()));
CREATE POLICY organizations_admins_update ON public.organizations
  FOR UPDATE TO authenticated
  USING (id IN (SELECT public.user_org_ids('{admin}')))
  WITH CHECK (id IN (SELECT public.user_org_ids('{admin}')));
GRANT SELECT, UPDATE ON public.organizations TO authenticated;

-- ---------------------------------------------------------------------------
-- user_profiles: members see their colleagues; only the organization's
-- admins create, change or remove memberships (a member cannot promote
-- themselves or join another organization).
-- ---------------------------------------------------------------------------
CREATE POLICY user_profiles_members_read ON public.user_profiles
  FOR SELECT TO authenticated
  USING (organization_id IN (SELECT public.user_org_ids()));
CREATE POLICY user_profiles_admins_write ON public.user_profiles
  FOR ALL TO authenticated
  USING (organization_id IN (SELECT public.user_org_ids('{admin}')))
  WITH CHECK (organization_id IN (SELECT public.user_org_ids('{admin}')));
GRANT SELECT, INSERT, UPDATE, DELETE ON public.user_profiles TO authenticated;

-- ---------------------------------------------------------------------------
-- incidents (the spec's "access based on role", per organization): admins,
-- support and on-call of the organization; other members only incidents
-- they created or are assigned to.
-- ---------------------------------------------------------------------------
CREATE POLICY incidents_by_role ON public.incidents
  FOR ALL TO authenticated
  USING (
    organization_id IN (SELECT public.user_org_ids('{admin,support,on_call}'))
    OR (organization_id IN (SELECT public.user_org_ids())
        AND (assigned_to = (SELECT auth.uid()) OR created_by = (SELECT auth.uid())))
  )
  WITH CHECK (
    organization_id IN (SELECT public.user_org_ids('{admin,support,on_call}'))
    OR (organization_id IN (SELECT public.user_org_ids())
        AND (assigned_to = (SELECT auth.uid()) OR created_by = (SELECT auth.uid())))
  );
GRANT SELECT, INSERT, UPDATE, DELETE ON public.incidents TO authenticated;

-- Children of incidents: visible and writable when the parent incident is
-- (the EXISTS runs under the incidents policy). The composite foreign key
-- keeps organization_id equal to the parent's.
CREATE POLICY incident_updates_follow_incident ON public.incident_updates
  FOR ALL TO authenticated
  USING (organization_id IN (SELECT public.user_org_ids())
         AND EXISTS (SELECT 1 FROM public.incidents i WHERE i.id = incident_updates.incident_id))
  WITH CHECK (organization_id IN (SELECT public.user_org_ids())
         AND EXISTS (SELECT 1 FROM public.incidents i WHERE i.id = incident_updates.incident_id));
GRANT SELECT, INSERT, UPDATE, DELETE ON public.incident_updates TO authenticated;

CREATE POLICY post_incident_analysis_follow_incident ON public.post_incident_analysis
  FOR ALL TO authenticated
  USING (organization_id IN (SELECT public.user_org_ids())
         AND EXISTS (SELECT 1 FROM public.incidents i WHERE i.id = post_incident_analysis.incident_id))
  WITH CHECK (organization_id IN (SELECT public.user_org_ids())
         AND EXISTS (SELECT 1 FROM public.incidents i WHERE i.id = post_incident_analysis.incident_id));
GRANT SELECT, INSERT, UPDATE, DELETE ON public.post_incident_analysis TO authenticated;

-- ---------------------------------------------------------------------------
-- alert_configurations (the spec's "alert configuration management", per
-- organization): admins, devops and on-call; other members only their own.
-- ---------------------------------------------------------------------------
CREATE POLICY alert_configurations_by_role ON public.alert_configurations
  FOR ALL TO authenticated
  USING (
    organization_id IN (SELECT public.user_org_ids('{admin,devops,on_call}'))
    OR (organization_id IN (SELECT public.user_org_ids())
        AND created_by = (SELECT auth.uid()))
  )
  WITH CHECK (
    organization_id IN (SELECT public.user_org_ids('{admin,devops,on_call}'))
    OR (organization_id IN (SELECT public.user_org_ids())
        AND created_by = (SELECT auth.uid()))
  );
GRANT SELECT, INSERT, UPDATE, DELETE ON public.alert_configurations TO authenticated;

-- ---------------------------------------------------------------------------
-- Global configuration: read-only for authenticated users.
-- ---------------------------------------------------------------------------
DO $$
DECLARE
  t TEXT;
BEGIN
  FOREACH t IN ARRAY ARRAY[
    'error_patterns', 'escalation_policies', 'runbooks', 'third_party_services',
    'notification_channels', 'monitoring_integrations']
  LOOP
    EXECUTE format(
      'CREATE POLICY %I ON public.%I FOR SELECT TO authenticated USING (true)',
      t || '_read_all', t);
  END LOOP;
END
$$;
GRANT SELECT ON public.error_patterns, public.escalation_policies, public.runbooks,
                public.third_party_services TO authenticated;
-- Column privileges: secrets are not readable by users (these tables are
-- global, so every tenant's users would read them). Besides the encrypted
-- credentials that is webhook_url / webhook_endpoints (bearer secrets: whoever
-- has the URL can post) and configuration (tokens, routing keys).
-- service_role keeps every column.
GRANT SELECT (id, channel_name, channel_type, template_config,
              rate_limit_config, wedding_emergency_override, is_active, last_used,
              success_rate, created_at, updated_at)
  ON public.notification_channels TO authenticated;
GRANT SELECT (id, service_name, integration_type,
              data_sync_enabled, last_sync_at, sync_status, is_active, created_at, updated_at)
  ON public.monitoring_integrations TO authenticated;

-- system_maintenance_logs: RLS on, no policy, no grant: service_role only.

-- ---------------------------------------------------------------------------
-- Views (security_invoker, so the tables' policies above apply).
-- ---------------------------------------------------------------------------
REVOKE ALL ON public.system_health_overview, public.error_trending_analysis,
              public.performance_percentile_analysis, public.funnel_conversion_analysis,
              public.incident_response_metrics
  FROM PUBLIC, anon, authenticated;
GRANT SELECT ON public.system_health_overview, public.error_trending_analysis,
                public.performance_percentile_analysis, public.funnel_conversion_analysis,
                public.incident_response_metrics
  TO authenticated, service_role;

-- ---------------------------------------------------------------------------
-- Sequences and functions.
-- ---------------------------------------------------------------------------
REVOKE ALL ON SEQUENCE public.incident_number_seq FROM PUBLIC, anon;
GRANT USAGE, SELECT ON SEQUENCE public.incident_number_seq TO authenticated, service_role;

-- PostgreSQL grants EXECUTE to PUBLIC by default, Supabase also to anon and
-- authenticated: revoke, then grant what each role needs. Policy helpers and
-- column defaults run as the querying user, so authenticated needs them.
REVOKE ALL ON FUNCTION
  public.user_org_ids(public.app_role_type[]), public.is_org_member(UUID),
  public.has_org_role(UUID, public.app_role_type[]),
  public.wedding_context(TIMESTAMPTZ, TEXT), public.cwv_rating(TEXT, NUMERIC),
  public.cwv_overall_rating(NUMERIC, NUMERIC, NUMERIC),
  public.error_fingerprint(TEXT, TEXT, TEXT), public.next_incident_number(TIMESTAMPTZ),
  public.escalate_unacknowledged_alerts(TIMESTAMPTZ, TEXT),
  public.optimize_wedding_season_monitoring(TIMESTAMPTZ, TEXT),
  public.cleanup_monitoring_data(TIMESTAMPTZ),
  public.set_updated_at(), public.error_reports_fill_defaults(),
  public.error_reports_auto_incident(), public.fill_wedding_context(),
  public.core_web_vitals_rate(), public.alert_configurations_base_threshold(),
  public.alert_history_lifecycle(), public.incidents_lifecycle(),
  public.incidents_propagate_resolution()
  FROM PUBLIC, anon, authenticated;

GRANT EXECUTE ON FUNCTION
  public.user_org_ids(public.app_role_type[]), public.is_org_member(UUID),
  public.has_org_role(UUID, public.app_role_type[]),
  public.wedding_context(TIMESTAMPTZ, TEXT), public.cwv_rating(TEXT, NUMERIC),
  public.cwv_overall_rating(NUMERIC, NUMERIC, NUMERIC),
  public.error_fingerprint(TEXT, TEXT, TEXT), public.next_incident_number(TIMESTAMPTZ)
  TO authenticated, service_role;

-- Maintenance entry points: for the scheduler (service_role) only.
GRANT EXECUTE ON FUNCTION
  public.escalate_unacknowledged_alerts(TIMESTAMPTZ, TEXT),
  public.optimize_wedding_season_monitoring(TIMESTAMPTZ, TEXT),
  public.cleanup_monitoring_data(TIMESTAMPTZ)
  TO service_role;

GRANT USAGE ON SCHEMA public TO anon, authenticated, service_role;
