-- The spec's daily funnel step counts (not conversion: steps mix cohorts).
-- public.funnel_conversion_analysis with an explicit as_of: per organization, funnel step and
-- UTC day over [as_of - days, as_of); conversion_date is the UTC date.
SELECT
  organization_id::text                                                     AS organization_id,
  funnel_step::text                                                         AS funnel_step,
  (event_timestamp AT TIME ZONE 'UTC')::date                                AS conversion_date,
  count(*)                                                                  AS step_events,
  count(DISTINCT user_id)                                                   AS unique_users,
  sum(conversion_value)::float8                                             AS total_conversion_value,
  avg(conversion_value)::float8                                             AS avg_conversion_value,
  count(*) FILTER (WHERE wedding_context ->> 'is_wedding_season' = 'true')  AS wedding_season_events
FROM public.business_events
WHERE funnel_step IS NOT NULL
  AND event_timestamp >= %(as_of)s::timestamptz - make_interval(days => %(days)s::int)
  AND event_timestamp <  %(as_of)s::timestamptz
GROUP BY 1, 2, 3
ORDER BY conversion_date DESC, organization_id, funnel_step
