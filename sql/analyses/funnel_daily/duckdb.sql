-- Daily funnel step counts: see postgres.sql beside this file.
-- threads: 1
-- (the engine's setting for this query: it reads a few hundred rows, and a second thread
-- only adds task scheduling to every pipeline, measured slower on the season data)
-- No ORDER BY: the runner sorts every result by the analysis's keys (normalise).
-- Grouped by the columns as stored, cast to text after (UUID and ENUM keys with the
-- engine's `memory` storage).
-- Calendar fields are taken in UTC from make_timestamp(epoch_us(x)), the instant as a plain
-- UTC TIMESTAMP: the same values as on the TIMESTAMPTZ in the engine's UTC session, without
-- the ICU time zone calendar per row (five to ten times the cost).
WITH g AS (
  SELECT
    organization_id,
    funnel_step,
    CAST(make_timestamp(epoch_us(event_timestamp)) AS DATE)                 AS conversion_date,
    count(*)                                                                AS step_events,
    CAST(list_unique(list(user_id)) AS BIGINT)                              AS unique_users,
    CAST(sum(conversion_value) AS DOUBLE)                                   AS total_conversion_value,
    CAST(avg(conversion_value) AS DOUBLE)                                   AS avg_conversion_value,
    count(*) FILTER (WHERE json_extract_string(wedding_context, '$.is_wedding_season') = 'true')
                                                                            AS wedding_season_events
  FROM business_events
  WHERE funnel_step IS NOT NULL
    AND event_timestamp >= CAST($as_of AS TIMESTAMPTZ) - to_days(CAST($days AS INTEGER))
    AND event_timestamp <  CAST($as_of AS TIMESTAMPTZ)
  GROUP BY 1, 2, 3
)
SELECT CAST(organization_id AS VARCHAR) AS organization_id,
       CAST(funnel_step AS VARCHAR)     AS funnel_step,
       conversion_date, step_events, unique_users, total_conversion_value,
       avg_conversion_value, wedding_season_events
FROM g
