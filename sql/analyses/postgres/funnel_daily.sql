-- The spec's daily funnel step counts (not conversion: steps mix cohorts).
-- Per funnel step and UTC day, from midnight UTC `days` days before as_of's UTC date to as_of.
SELECT
  funnel_step::text                                                         AS funnel_step,
  (event_timestamp AT TIME ZONE 'UTC')::date                                AS conversion_date,
  count(*)                                                                  AS step_events,
  count(DISTINCT user_id)                                                   AS unique_users,
  sum(conversion_value)::float8                                             AS total_conversion_value,
  avg(conversion_value)::float8                                             AS avg_conversion_value,
  count(*) FILTER (WHERE wedding_context ->> 'is_wedding_season' = 'true')  AS wedding_season_events
FROM public.business_events
WHERE funnel_step IS NOT NULL
  AND event_timestamp >= date_trunc('day', %(as_of)s::timestamptz, 'UTC')
                         - make_interval(days => %(days)s::int)
  AND event_timestamp <  %(as_of)s::timestamptz
GROUP BY 1, 2
ORDER BY conversion_date DESC, funnel_step
