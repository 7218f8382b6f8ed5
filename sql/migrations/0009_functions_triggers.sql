-- 0009 functions and triggers.
--
-- Bulk loading: set `wedsync.bulk_load = 'on'` (SET or SET LOCAL) before
-- COPYing historical error_reports. The auto-incident trigger then does
-- nothing (no error_groups, no incidents); the cheap defaulting triggers
-- (fingerprint, wedding_context when NULL, CWV rating) still run so loaded
-- rows are complete. The switch is honoured only for members of service_role
-- (and superusers, the loader's owner connection): any session can SET a
-- custom setting, and an `authenticated` user must not skip incidents with it.
--
-- BEFORE triggers of one table fire in name order: *_10_* before *_20_*.

-- ---------------------------------------------------------------------------
-- error_reports: defaults (fingerprint, wedding_context). Every row; cheap.
-- ---------------------------------------------------------------------------
CREATE FUNCTION public.error_reports_fill_defaults()
RETURNS TRIGGER
LANGUAGE plpgsql
AS $$
DECLARE
  org_tz TEXT;
BEGIN
  IF NEW.fingerprint IS NULL THEN
    NEW.fingerprint := public.error_fingerprint(NEW.service_name, NEW.error_type, NEW.error_message);
  END IF;
  IF NEW.wedding_context IS NULL THEN
    SELECT o.timezone INTO org_tz FROM public.organizations o WHERE o.id = NEW.organization_id;
    NEW.wedding_context := public.wedding_context(NEW.created_at, coalesce(org_tz, 'Europe/London'));
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER error_reports_10_fill_defaults
  BEFORE INSERT ON public.error_reports
  FOR EACH ROW EXECUTE FUNCTION public.error_reports_fill_defaults();

-- ---------------------------------------------------------------------------
-- error_reports: grouping and auto-incident, for high / critical /
-- wedding_emergency only (the trigger's WHEN clause keeps low and medium
-- errors, and bulk loads, from even calling the function).
--
-- 1. Upsert the (organization, fingerprint) group: times_seen += occurrence_count,
--    first_seen = least, last_seen = greatest. ON CONFLICT DO UPDATE locks the
--    group row until commit, so concurrent inserts of one fingerprint are
--    serialised from here on: counts are exact and only one of them can find
--    "no open incident" and create one.
-- 2. If the group's incident is open (open / investigating / in_progress),
--    attach; otherwise open a new incident (first occurrence, or regression
--    after the previous incident was resolved). The partial unique index
--    incidents_open_dedup_key is the safety net (ON CONFLICT DO NOTHING, then
--    attach to the existing open incident).
-- 3. Set NEW.incident_id (and correlation_id when the client sent none) on
--    the row being inserted: no UPDATE of the just-inserted row.
--
-- SECURITY DEFINER: an `authenticated` member may report errors without
-- having the right to create incidents. The row's own RLS WITH CHECK is
-- evaluated after BEFORE triggers, so an insert for a foreign organization
-- fails and rolls back everything this function did.
-- ---------------------------------------------------------------------------
CREATE FUNCTION public.error_reports_auto_incident()
RETURNS TRIGGER
LANGUAGE plpgsql SECURITY DEFINER SET search_path = ''
AS $$
DECLARE
  grp        RECORD;
  inc_open   BOOLEAN := false;
  inc_id     UUID;
  inc_sev    public.incident_severity_type;
  impact     public.wedding_impact_level;
  ctx        JSONB := coalesce(NEW.wedding_context, '{}'::jsonb);
  inc_time   TIMESTAMPTZ := least(NEW.created_at, CURRENT_TIMESTAMP);
BEGIN
  INSERT INTO public.error_groups AS g
         (organization_id, fingerprint, service_name, error_type, title, max_severity,
          times_seen, first_seen, last_seen)
  VALUES (NEW.organization_id, NEW.fingerprint, NEW.service_name, NEW.error_type,
          left(NEW.error_message, 500), NEW.severity, NEW.occurrence_count,
          NEW.first_occurrence, coalesce(NEW.last_occurrence, NEW.first_occurrence))
  ON CONFLICT (organization_id, fingerprint) DO UPDATE
     SET times_seen   = g.times_seen + EXCLUDED.times_seen,
         first_seen   = least(g.first_seen, EXCLUDED.first_seen),
         last_seen    = greatest(g.last_seen, EXCLUDED.last_seen),
         max_severity = greatest(g.max_severity, EXCLUDED.max_severity),
         updated_at   = CURRENT_TIMESTAMP
  RETURNING g.id, g.incident_id INTO grp;

  IF grp.incident_id IS NOT NULL THEN
    SELECT i.status IN ('open', 'investigating', 'in_progress') INTO inc_open
    FROM public.incidents i WHERE i.id = grp.incident_id;
  END IF;

  IF coalesce(inc_open, false) THEN
    inc_id := grp.incident_id;
  ELSE
    -- Saturday errors are flagged critical (weddings happen on Saturdays).
    inc_sev := CASE
      WHEN NEW.severity = 'wedding_emergency' THEN 'wedding_day_emergency'
      WHEN NEW.severity = 'critical' OR ctx->>'is_saturday' = 'true' THEN 'critical'
      ELSE 'high'
    END;
    impact := CASE
      WHEN NEW.severity = 'wedding_emergency' OR ctx->>'is_saturday' = 'true' THEN 'wedding_day_critical'
      WHEN ctx->>'is_weekend' = 'true' OR ctx->>'is_wedding_season' = 'true' THEN 'high'
      ELSE 'medium'
    END;

    INSERT INTO public.incidents
           (organization_id, incident_number, title, description, severity, priority,
            wedding_impact, affected_services, auto_created, dedup_key,
            escalation_policy_id, context, created_at, updated_at)
    VALUES (NEW.organization_id,
            public.next_incident_number(inc_time),
            left('Auto-generated: ' || NEW.error_type || ' in ' || NEW.service_name, 500),
            'Automatically created incident from error report: ' || NEW.error_message,
            inc_sev,
            CASE inc_sev WHEN 'wedding_day_emergency' THEN 'p0'
                         WHEN 'critical' THEN 'p1' ELSE 'p2' END::public.incident_priority_type,
            impact,
            ARRAY[NEW.service_name::text],
            true,
            NEW.fingerprint,
            (SELECT ep.id FROM public.escalation_policies ep
              WHERE ep.default_policy AND ep.is_active),
            jsonb_build_object(
              'source_error_id', NEW.id,
              'error_group_id', grp.id,
              'fingerprint', NEW.fingerprint,
              'regression', grp.incident_id IS NOT NULL,
              'wedding_context', NEW.wedding_context,
              'auto_created_reason', 'error_severity_' || NEW.severity::text),
            inc_time, inc_time)
    ON CONFLICT (organization_id, dedup_key)
       WHERE dedup_key IS NOT NULL AND status IN ('open', 'investigating', 'in_progress')
       DO NOTHING
    RETURNING id INTO inc_id;

    IF inc_id IS NULL THEN
      -- An open incident with this dedup key exists (e.g. opened by hand).
      SELECT i.id INTO inc_id FROM public.incidents i
      WHERE i.organization_id = NEW.organization_id AND i.dedup_key = NEW.fingerprint
        AND i.status IN ('open', 'investigating', 'in_progress');
    END IF;

    UPDATE public.error_groups
       SET incident_id      = inc_id,
           status           = 'open',
           resolved_at      = NULL,
           regression_count = regression_count + (grp.incident_id IS NOT NULL)::int
     WHERE id = grp.id;
  END IF;

  NEW.incident_id := inc_id;
  IF NEW.correlation_id IS NULL THEN
    NEW.correlation_id := inc_id;   -- the spec's meaning of correlation_id
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER error_reports_20_auto_incident
  BEFORE INSERT ON public.error_reports
  FOR EACH ROW
  WHEN (NEW.severity IN ('high', 'critical', 'wedding_emergency')
        AND (coalesce(current_setting('wedsync.bulk_load', true), '') <> 'on'
             OR NOT pg_has_role(current_user, 'service_role', 'MEMBER')))
  EXECUTE FUNCTION public.error_reports_auto_incident();

-- ---------------------------------------------------------------------------
-- wedding_context defaulting for other event tables, only when NULL, from the
-- table's event-time column and the organization's timezone.
-- ---------------------------------------------------------------------------
CREATE FUNCTION public.fill_wedding_context()
RETURNS TRIGGER
LANGUAGE plpgsql
AS $$
DECLARE
  ts     TIMESTAMPTZ;
  org_tz TEXT;
BEGIN
  IF TG_TABLE_NAME = 'performance_metrics' THEN
    ts := NEW."timestamp";
  ELSIF TG_TABLE_NAME = 'business_events' THEN
    ts := NEW.event_timestamp;
  ELSIF TG_TABLE_NAME IN ('api_performance', 'database_performance') THEN
    ts := NEW.recorded_at;
  ELSIF TG_TABLE_NAME = 'feature_usage' THEN
    ts := NEW.used_at;
  ELSIF TG_TABLE_NAME = 'user_journey_performance' THEN
    ts := NEW.started_at;
  ELSE
    RAISE EXCEPTION 'fill_wedding_context: no event-time column known for %', TG_TABLE_NAME;
  END IF;
  SELECT o.timezone INTO org_tz FROM public.organizations o WHERE o.id = NEW.organization_id;
  NEW.wedding_context := public.wedding_context(ts, coalesce(org_tz, 'Europe/London'));
  RETURN NEW;
END
$$;

CREATE TRIGGER performance_metrics_10_wedding_context
  BEFORE INSERT ON public.performance_metrics FOR EACH ROW
  WHEN (NEW.wedding_context IS NULL) EXECUTE FUNCTION public.fill_wedding_context();
CREATE TRIGGER business_events_10_wedding_context
  BEFORE INSERT ON public.business_events FOR EACH ROW
  WHEN (NEW.wedding_context IS NULL) EXECUTE FUNCTION public.fill_wedding_context();
CREATE TRIGGER api_performance_10_wedding_context
  BEFORE INSERT ON public.api_performance FOR EACH ROW
  WHEN (NEW.wedding_context IS NULL) EXECUTE FUNCTION public.fill_wedding_context();
CREATE TRIGGER database_performance_10_wedding_context
  BEFORE INSERT ON public.database_performance FOR EACH ROW
  WHEN (NEW.wedding_context IS NULL) EXECUTE FUNCTION public.fill_wedding_context();
CREATE TRIGGER feature_usage_10_wedding_context
  BEFORE INSERT ON public.feature_usage FOR EACH ROW
  WHEN (NEW.wedding_context IS NULL) EXECUTE FUNCTION public.fill_wedding_context();
CREATE TRIGGER user_journey_performance_10_wedding_context
  BEFORE INSERT ON public.user_journey_performance FOR EACH ROW
  WHEN (NEW.wedding_context IS NULL) EXECUTE FUNCTION public.fill_wedding_context();

-- ---------------------------------------------------------------------------
-- core_web_vitals.performance_rating = worst of the LCP/INP/CLS ratings
-- present. A client-supplied rating is kept only when none of them is present
-- (e.g. legacy FID-only rows).
-- ---------------------------------------------------------------------------
CREATE FUNCTION public.core_web_vitals_rate()
RETURNS TRIGGER
LANGUAGE plpgsql
AS $$
BEGIN
  NEW.performance_rating := coalesce(
    public.cwv_overall_rating(NEW.lcp_value, NEW.inp_value, NEW.cls_value),
    NEW.performance_rating);
  RETURN NEW;
END
$$;

CREATE TRIGGER core_web_vitals_10_rating
  BEFORE INSERT OR UPDATE OF lcp_value, inp_value, cls_value, performance_rating
  ON public.core_web_vitals
  FOR EACH ROW EXECUTE FUNCTION public.core_web_vitals_rate();

-- ---------------------------------------------------------------------------
-- alert_configurations: base_threshold_value is the configured threshold,
-- threshold_value the effective one. A direct edit of threshold_value (not
-- made by optimize_wedding_season_monitoring) is a new configured value.
-- ---------------------------------------------------------------------------
CREATE FUNCTION public.alert_configurations_base_threshold()
RETURNS TRIGGER
LANGUAGE plpgsql
AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.base_threshold_value IS NULL THEN
      NEW.base_threshold_value := NEW.threshold_value;
    END IF;
  ELSE
    NEW.updated_at := CURRENT_TIMESTAMP;
    IF NEW.base_threshold_value IS NOT DISTINCT FROM OLD.base_threshold_value
       AND NEW.threshold_value IS DISTINCT FROM OLD.threshold_value
       AND current_setting('wedsync.season_adjusting', true) IS DISTINCT FROM 'on' THEN
      NEW.base_threshold_value := NEW.threshold_value;
    ELSIF NEW.base_threshold_value IS NULL THEN
      NEW.base_threshold_value := NEW.threshold_value;
    END IF;
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER alert_configurations_10_base_threshold
  BEFORE INSERT OR UPDATE ON public.alert_configurations
  FOR EACH ROW EXECUTE FUNCTION public.alert_configurations_base_threshold();

-- ---------------------------------------------------------------------------
-- alert_history lifecycle: acknowledged_at / resolved_at when the status
-- moves there without a timestamp (on UPDATE only: historical inserts keep
-- what they are given), duration_seconds once resolved.
-- ---------------------------------------------------------------------------
CREATE FUNCTION public.alert_history_lifecycle()
RETURNS TRIGGER
LANGUAGE plpgsql
AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.alert_status IS DISTINCT FROM OLD.alert_status THEN
    IF NEW.alert_status = 'acknowledged' AND NEW.acknowledged_at IS NULL THEN
      NEW.acknowledged_at := greatest(CURRENT_TIMESTAMP, NEW.triggered_at);
    ELSIF NEW.alert_status = 'resolved' AND NEW.resolved_at IS NULL THEN
      NEW.resolved_at := greatest(CURRENT_TIMESTAMP, NEW.triggered_at);
    END IF;
  END IF;
  IF NEW.resolved_at IS NOT NULL AND NEW.duration_seconds IS NULL THEN
    NEW.duration_seconds := floor(extract(epoch FROM NEW.resolved_at - NEW.triggered_at))::int;
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER alert_history_10_lifecycle
  BEFORE INSERT OR UPDATE ON public.alert_history
  FOR EACH ROW EXECUTE FUNCTION public.alert_history_lifecycle();

-- ---------------------------------------------------------------------------
-- incidents lifecycle: updated_at; acknowledged_at when the status first
-- leaves 'open' (MTTA); resolved_at / closed_at when reaching those states.
-- ---------------------------------------------------------------------------
CREATE FUNCTION public.incidents_lifecycle()
RETURNS TRIGGER
LANGUAGE plpgsql
AS $$
DECLARE
  now_ts TIMESTAMPTZ := greatest(CURRENT_TIMESTAMP, NEW.created_at);
BEGIN
  NEW.updated_at := CURRENT_TIMESTAMP;
  IF NEW.status IS DISTINCT FROM OLD.status THEN
    IF NEW.status IN ('investigating', 'in_progress', 'resolved', 'closed')
       AND NEW.acknowledged_at IS NULL THEN
      NEW.acknowledged_at := now_ts;
    END IF;
    IF NEW.status IN ('resolved', 'closed') AND NEW.resolved_at IS NULL THEN
      NEW.resolved_at := now_ts;
    END IF;
    IF NEW.status = 'closed' AND NEW.closed_at IS NULL THEN
      NEW.closed_at := now_ts;
    END IF;
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER incidents_10_lifecycle
  BEFORE UPDATE ON public.incidents
  FOR EACH ROW EXECUTE FUNCTION public.incidents_lifecycle();

-- When an incident leaves the open states, its error group and its still-open
-- error reports follow (resolved, or closed for closed / cancelled). A later
-- error with the same fingerprint is then a regression and opens a new
-- incident. SECURITY DEFINER: the resolver may not see every error row.
CREATE FUNCTION public.incidents_propagate_resolution()
RETURNS TRIGGER
LANGUAGE plpgsql SECURITY DEFINER SET search_path = ''
AS $$
DECLARE
  final_status public.resolution_status_type :=
    CASE WHEN NEW.status = 'resolved' THEN 'resolved' ELSE 'closed' END;
BEGIN
  UPDATE public.error_groups
     SET status = final_status,
         resolved_at = coalesce(NEW.resolved_at, CURRENT_TIMESTAMP),
         updated_at = CURRENT_TIMESTAMP
   WHERE incident_id = NEW.id AND status IN ('open', 'investigating');
  UPDATE public.error_reports
     SET resolution_status = final_status
   WHERE incident_id = NEW.id AND resolution_status IN ('open', 'investigating');
  RETURN NULL;
END
$$;

CREATE TRIGGER incidents_20_propagate_resolution
  AFTER UPDATE OF status ON public.incidents
  FOR EACH ROW
  WHEN (OLD.status IN ('open', 'investigating', 'in_progress')
        AND NEW.status IN ('resolved', 'closed', 'cancelled'))
  EXECUTE FUNCTION public.incidents_propagate_resolution();

-- updated_at on the remaining tables that have it.
DO $$
DECLARE
  t TEXT;
BEGIN
  FOREACH t IN ARRAY ARRAY[
    'organizations', 'user_profiles', 'error_groups', 'error_patterns',
    'error_suppression_rules', 'conversion_funnels', 'escalation_policies', 'runbooks',
    'post_incident_analysis', 'notification_channels', 'suppression_rules',
    'escalation_contacts', 'monitoring_integrations', 'third_party_services']
  LOOP
    EXECUTE format(
      'CREATE TRIGGER %I BEFORE UPDATE ON public.%I '
      'FOR EACH ROW EXECUTE FUNCTION public.set_updated_at()',
      t || '_00_updated_at', t);
  END LOOP;
END
$$;

-- ---------------------------------------------------------------------------
-- Escalation of unacknowledged alerts: called by a scheduler (e.g. every
-- minute), NOT a trigger (the spec's AFTER UPDATE trigger updated its own
-- table and only fired when something else updated the row).
--
-- Candidates: alert_history rows in 'triggered' or 'escalated' state, not
-- acknowledged, not resolved, not suppressed, triggered at or before as_of.
-- Policy: the alert configuration's escalation policy if active, else the
-- active default policy; its escalation_rules is an array of steps
-- {"delay_minutes": d, "targets": [...]}. On a weekend (in `tz`) and with
-- weekend_escalation, wedding_specific_rules->'escalation_rules' is used
-- instead when present. The target level is the largest k with
--   as_of - triggered_at >= d_1 + ... + d_k   (inclusive).
-- When it exceeds the alert's escalation_level, one notification_queue row
-- is enqueued per level reached (unique per alert and level) and the alert
-- becomes 'escalated' at that level. Idempotent for a given as_of; rows
-- locked by a concurrent run are skipped. Returns the number of alerts
-- escalated.
-- ---------------------------------------------------------------------------
CREATE FUNCTION public.escalate_unacknowledged_alerts(
  as_of TIMESTAMPTZ DEFAULT CURRENT_TIMESTAMP,
  tz    TEXT DEFAULT 'Europe/London')
RETURNS INTEGER
LANGUAGE plpgsql SECURITY DEFINER SET search_path = ''
AS $$
DECLARE
  a            RECORD;
  rules        JSONB;
  step         JSONB;
  k            INTEGER;
  target_level INTEGER;
  cum_minutes  NUMERIC;
  lvl          INTEGER;
  escalated    INTEGER := 0;
BEGIN
  FOR a IN
    SELECT h.id, h.organization_id, h.triggered_at, h.escalation_level, h.incident_id,
           coalesce(ac.weekend_escalation, false) AS weekend_escalation,
           p.escalation_rules, p.wedding_specific_rules
    FROM public.alert_history h
    LEFT JOIN public.alert_configurations ac ON ac.id = h.alert_configuration_id
    CROSS JOIN LATERAL (
      SELECT ep.escalation_rules, ep.wedding_specific_rules
      FROM public.escalation_policies ep
      WHERE ep.is_active
        AND (ep.id = ac.escalation_policy_id OR ep.default_policy)
      ORDER BY (ep.id = ac.escalation_policy_id) IS TRUE DESC
      LIMIT 1
    ) AS p
    WHERE h.alert_status IN ('triggered', 'escalated')
      AND h.acknowledged_at IS NULL
      AND h.resolved_at IS NULL
      AND NOT h.suppressed
      AND h.triggered_at <= as_of
    ORDER BY h.triggered_at
    FOR UPDATE OF h SKIP LOCKED
  LOOP
    rules := a.escalation_rules;
    IF a.weekend_escalation
       AND jsonb_typeof(a.wedding_specific_rules -> 'escalation_rules') = 'array'
       AND (public.wedding_context(a.triggered_at, tz) ->> 'is_weekend')::boolean THEN
      rules := a.wedding_specific_rules -> 'escalation_rules';
    END IF;

    target_level := 0;
    cum_minutes := 0;
    k := 0;
    FOR step IN SELECT value FROM jsonb_array_elements(rules) LOOP
      k := k + 1;
      cum_minutes := cum_minutes + coalesce((step ->> 'delay_minutes')::numeric, 0);
      EXIT WHEN a.triggered_at + cum_minutes * INTERVAL '1 minute' > as_of;
      target_level := k;
    END LOOP;

    IF target_level > a.escalation_level THEN
      FOR lvl IN a.escalation_level + 1 .. target_level LOOP
        INSERT INTO public.notification_queue
               (organization_id, alert_id, incident_id, escalation_level, priority,
                targets, payload)
        VALUES (a.organization_id, a.id, a.incident_id, lvl,
                CASE WHEN lvl >= 2 THEN 'urgent' ELSE 'high' END,
                coalesce(rules -> (lvl - 1) -> 'targets', '[]'::jsonb),
                jsonb_build_object('reason', 'unacknowledged_alert',
                                   'as_of', as_of,
                                   'triggered_at', a.triggered_at,
                                   'escalation_level', lvl))
        ON CONFLICT (alert_id, escalation_level) WHERE alert_id IS NOT NULL DO NOTHING;
      END LOOP;
      UPDATE public.alert_history
         SET escalation_level   = target_level,
             alert_status       = 'escalated',
             last_escalated_at  = as_of,
             notifications_sent = notifications_sent + (target_level - a.escalation_level)
       WHERE id = a.id;
      escalated := escalated + 1;
    END IF;
  END LOOP;
  RETURN escalated;
END
$$;

-- ---------------------------------------------------------------------------
-- Wedding-season adjustment, idempotent: the effective threshold_value is a
-- function of (base_threshold_value, threshold_operator, in season?), never
-- of its own previous value. In season (local month 5..10 in `tz` at as_of)
-- and with wedding_season_adjustment, thresholds are 20% stricter:
--   greater_than[_or_equal]: base * 0.8   (fires earlier)
--   less_than[_or_equal]:    base / 0.8   (fires earlier)
--   equals / not_equals:     base         (no "stricter" exists)
-- Otherwise threshold_value = base_threshold_value. Rounded to 4 decimals
-- (the column's scale). Also (as the spec) weekend_escalation on for
-- threshold alerts and wedding_day_approved for runbooks named like
-- emergency / critical (case-insensitive). Returns the number of rows changed.
-- ---------------------------------------------------------------------------
CREATE FUNCTION public.optimize_wedding_season_monitoring(
  as_of TIMESTAMPTZ DEFAULT CURRENT_TIMESTAMP,
  tz    TEXT DEFAULT 'Europe/London')
RETURNS INTEGER
LANGUAGE plpgsql SECURITY DEFINER SET search_path = ''
AS $$
DECLARE
  in_season  BOOLEAN := (public.wedding_context(as_of, tz) ->> 'is_wedding_season')::boolean;
  thresholds INTEGER;
  weekend    INTEGER;
  books      INTEGER;
BEGIN
  PERFORM set_config('wedsync.season_adjusting', 'on', true);

  WITH target AS (
    SELECT ac.id,
           CASE
             WHEN NOT (ac.wedding_season_adjustment AND in_season) THEN ac.base_threshold_value
             WHEN ac.threshold_operator IN ('greater_than', 'greater_than_or_equal')
               THEN round(ac.base_threshold_value * 0.8, 4)
             WHEN ac.threshold_operator IN ('less_than', 'less_than_or_equal')
               THEN round(ac.base_threshold_value / 0.8, 4)
             ELSE ac.base_threshold_value
           END AS value
    FROM public.alert_configurations ac
    WHERE ac.base_threshold_value IS NOT NULL
  )
  UPDATE public.alert_configurations ac
     SET threshold_value = target.value
    FROM target
   WHERE ac.id = target.id
     AND ac.threshold_value IS DISTINCT FROM target.value;
  GET DIAGNOSTICS thresholds = ROW_COUNT;

  UPDATE public.alert_configurations
     SET weekend_escalation = true
   WHERE alert_type = 'threshold'
     AND threshold_value IS NOT NULL
     AND NOT weekend_escalation;
  GET DIAGNOSTICS weekend = ROW_COUNT;

  UPDATE public.runbooks
     SET wedding_day_approved = true
   WHERE (runbook_name ILIKE '%emergency%' OR runbook_name ILIKE '%critical%')
     AND NOT wedding_day_approved;
  GET DIAGNOSTICS books = ROW_COUNT;

  PERFORM set_config('wedsync.season_adjusting', 'off', true);

  INSERT INTO public.system_maintenance_logs
         (activity_type, records_affected, details, as_of, completed_at)
  VALUES ('wedding_season_optimization', thresholds + weekend + books,
          jsonb_build_object('in_season', in_season, 'timezone', tz,
                             'thresholds_changed', thresholds,
                             'weekend_escalation_enabled', weekend,
                             'runbooks_approved', books),
          as_of, clock_timestamp());
  RETURN thresholds + weekend + books;
END
$$;

-- ---------------------------------------------------------------------------
-- Retention. A row is deleted when its event time is STRICTLY older than
-- as_of minus the period (`< as_of - period`); a row exactly at the boundary
-- is kept. Arithmetic in UTC (SET TimeZone): 90 days = 90 x 24 h, 1 year =
-- same UTC date and time one year earlier.
--   performance_metrics ("timestamp"), core_web_vitals (created_at),
--   api_performance / database_performance (recorded_at),
--   user_journey_performance (started_at)                       90 days
--   system_health_checks (created_at)                           30 days
--   error_reports resolved / closed / auto_resolved (created_at) 1 year
--   error_reports open / investigating (created_at)              2 years
--   error_groups (last_seen)                                     2 years
--   business_events (event_timestamp), feature_usage (used_at)   2 years
--   alert_history resolved (triggered_at)                        1 year
--   auto_recovery_logs (started_at)                              1 year
--   notification_queue sent / failed / cancelled (created_at)    30 days
-- Kept: incidents and their updates/analyses, revenue_metrics, user_segments,
-- configuration, unresolved alerts. Logged to system_maintenance_logs.
-- Returns the total number of rows deleted.
-- ---------------------------------------------------------------------------
CREATE FUNCTION public.cleanup_monitoring_data(as_of TIMESTAMPTZ DEFAULT CURRENT_TIMESTAMP)
RETURNS INTEGER
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' SET TimeZone = 'UTC'
AS $$
DECLARE
  started TIMESTAMPTZ := clock_timestamp();
  n       BIGINT;
  total   BIGINT := 0;
  details JSONB := '{}'::jsonb;
BEGIN
  DELETE FROM public.performance_metrics WHERE "timestamp" < as_of - INTERVAL '90 days';
  GET DIAGNOSTICS n = ROW_COUNT; total := total + n;
  details := details || jsonb_build_object('performance_metrics', n);

  DELETE FROM public.core_web_vitals WHERE created_at < as_of - INTERVAL '90 days';
  GET DIAGNOSTICS n = ROW_COUNT; total := total + n;
  details := details || jsonb_build_object('core_web_vitals', n);

  DELETE FROM public.api_performance WHERE recorded_at < as_of - INTERVAL '90 days';
  GET DIAGNOSTICS n = ROW_COUNT; total := total + n;
  details := details || jsonb_build_object('api_performance', n);

  DELETE FROM public.database_performance WHERE recorded_at < as_of - INTERVAL '90 days';
  GET DIAGNOSTICS n = ROW_COUNT; total := total + n;
  details := details || jsonb_build_object('database_performance', n);

  DELETE FROM public.user_journey_performance WHERE started_at < as_of - INTERVAL '90 days';
  GET DIAGNOSTICS n = ROW_COUNT; total := total + n;
  details := details || jsonb_build_object('user_journey_performance', n);

  DELETE FROM public.system_health_checks WHERE created_at < as_of - INTERVAL '30 days';
  GET DIAGNOSTICS n = ROW_COUNT; total := total + n;
  details := details || jsonb_build_object('system_health_checks', n);

  DELETE FROM public.error_reports
   WHERE (resolution_status IN ('resolved', 'closed', 'auto_resolved')
          AND created_at < as_of - INTERVAL '1 year')
      OR (resolution_status IN ('open', 'investigating')
          AND created_at < as_of - INTERVAL '2 years');
  GET DIAGNOSTICS n = ROW_COUNT; total := total + n;
  details := details || jsonb_build_object('error_reports', n);

  DELETE FROM public.error_groups WHERE last_seen < as_of - INTERVAL '2 years';
  GET DIAGNOSTICS n = ROW_COUNT; total := total + n;
  details := details || jsonb_build_object('error_groups', n);

  DELETE FROM public.business_events WHERE event_timestamp < as_of - INTERVAL '2 years';
  GET DIAGNOSTICS n = ROW_COUNT; total := total + n;
  details := details || jsonb_build_object('business_events', n);

  DELETE FROM public.feature_usage WHERE used_at < as_of - INTERVAL '2 years';
  GET DIAGNOSTICS n = ROW_COUNT; total := total + n;
  details := details || jsonb_build_object('feature_usage', n);

  DELETE FROM public.alert_history
   WHERE resolved_at IS NOT NULL AND triggered_at < as_of - INTERVAL '1 year';
  GET DIAGNOSTICS n = ROW_COUNT; total := total + n;
  details := details || jsonb_build_object('alert_history', n);

  DELETE FROM public.auto_recovery_logs WHERE started_at < as_of - INTERVAL '1 year';
  GET DIAGNOSTICS n = ROW_COUNT; total := total + n;
  details := details || jsonb_build_object('auto_recovery_logs', n);

  DELETE FROM public.notification_queue
   WHERE status IN ('sent', 'failed', 'cancelled') AND created_at < as_of - INTERVAL '30 days';
  GET DIAGNOSTICS n = ROW_COUNT; total := total + n;
  details := details || jsonb_build_object('notification_queue', n);

  INSERT INTO public.system_maintenance_logs
         (activity_type, records_affected, details, as_of, started_at, completed_at)
  VALUES ('monitoring_data_cleanup', total, details, as_of, started, clock_timestamp());

  RETURN total::integer;
END
$$;
