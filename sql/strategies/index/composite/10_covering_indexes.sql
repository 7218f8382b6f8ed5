-- b-trees shaped to each dashboard query: the window's time column (after the tenant,
-- for RLS viewpoints, where the policy gives an index condition on organization_id),
-- with the grouped and aggregated columns INCLUDEd so the scan is index-only.
-- jsonb columns (wedding_context) are never included: queries reading them fetch the heap.

-- percentiles + performance_percentile_analysis: platform-wide and per tenant.
CREATE INDEX idx_cov_performance_metrics_time ON public.performance_metrics
  ("timestamp") INCLUDE (organization_id, service_name, metric_type, metric_unit, metric_value);
CREATE INDEX idx_cov_performance_metrics_org_time ON public.performance_metrics
  (organization_id, "timestamp") INCLUDE (service_name, metric_type, metric_unit, metric_value);

-- web_vitals: one year of rows; index-only over a narrow index instead of the wide heap.
CREATE INDEX idx_cov_core_web_vitals_time ON public.core_web_vitals
  (created_at) INCLUDE (device_type, page_group, page_url,
                        lcp_value, inp_value, cls_value, fcp_value, ttfb_value);
CREATE INDEX idx_cov_core_web_vitals_org_time ON public.core_web_vitals
  (organization_id, created_at) INCLUDE (device_type, page_group, page_url,
                        lcp_value, inp_value, cls_value, fcp_value, ttfb_value);

-- system_health + system_health_overview.
CREATE INDEX idx_cov_system_health_checks_time ON public.system_health_checks
  (created_at) INCLUDE (organization_id, service_name, status, response_time_ms,
                        last_success, consecutive_failures);

-- funnel_conversion: the funnel's events per user in time order.
CREATE INDEX idx_cov_business_events_funnel_user ON public.business_events
  (user_id, event_timestamp) INCLUDE (funnel_step) WHERE funnel_step IS NOT NULL;
