-- Daily funnel step counts: see postgres.sql beside this file.
SELECT
  CAST(organization_id AS VARCHAR)                                          AS organization_id,
  CAST(funnel_step AS VARCHAR)                                              AS funnel_step,
  CAST(event_timestamp AS DATE)                                             AS conversion_date,
  count(*)                                                                  AS step_events,
  count(DISTINCT user_id)                                                   AS unique_users,
  CAST(sum(conversion_value) AS DOUBLE)                                     AS total_conversion_value,
  CAST(avg(conversion_value) AS DOUBLE)                                     AS avg_conversion_value,
  count(*) FILTER (WHERE json_extract_string(wedding_context, '$.is_wedding_season') = 'true')
                                                                            AS wedding_season_events
FROM business_events
WHERE funnel_step IS NOT NULL
  AND event_timestamp >= CAST($as_of AS TIMESTAMPTZ) - to_days(CAST($days AS INTEGER))
  AND event_timestamp <  CAST($as_of AS TIMESTAMPTZ)
GROUP BY 1, 2, 3
ORDER BY conversion_date DESC, organization_id, funnel_step
