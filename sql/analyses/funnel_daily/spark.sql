-- Daily funnel step counts: see postgres.sql beside this file (session TimeZone UTC).
-- The average is taken over DOUBLE: Spark's avg of DECIMAL(10,2) rounds to 6 decimals.
SELECT
  CAST(organization_id AS STRING)                                           AS organization_id,
  CAST(funnel_step AS STRING)                                               AS funnel_step,
  CAST(event_timestamp AS DATE)                                             AS conversion_date,
  count(*)                                                                  AS step_events,
  count(DISTINCT user_id)                                                   AS unique_users,
  CAST(sum(conversion_value) AS DOUBLE)                                     AS total_conversion_value,
  avg(CAST(conversion_value AS DOUBLE))                                     AS avg_conversion_value,
  count(*) FILTER (WHERE get_json_object(wedding_context, '$.is_wedding_season') = 'true')
                                                                            AS wedding_season_events
FROM business_events
WHERE funnel_step IS NOT NULL
  AND event_timestamp >= :as_of - make_dt_interval(:days, 0, 0, 0)
  AND event_timestamp <  :as_of
GROUP BY 1, 2, 3
