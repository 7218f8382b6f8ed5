-- Ordered funnel with a conversion window: see sql/analyses/postgres/funnel_conversion.sql.
WITH RECURSIVE
ev AS (
  SELECT e.user_id,
         CAST(list_position(CAST($steps AS VARCHAR[]), CAST(e.funnel_step AS VARCHAR)) AS INTEGER)
           AS step,
         e.event_timestamp AS ts
  FROM business_events AS e
  WHERE e.user_id IS NOT NULL
    AND list_contains(CAST($steps AS VARCHAR[]), CAST(e.funnel_step AS VARCHAR))
    AND e.event_timestamp < CAST($as_of AS TIMESTAMPTZ)
),
starts AS (
  SELECT user_id, min(ts) AS t1 FROM ev WHERE step = 1 GROUP BY user_id
),
chain AS (
  SELECT user_id, 1 AS step, t1, t1 AS ts
  FROM starts
  WHERE t1 >= date_trunc('day', CAST($as_of AS TIMESTAMPTZ)) - to_days(CAST($cohort_days AS INTEGER))
  UNION ALL
  SELECT c.user_id, c.step + 1, c.t1,
         (SELECT min(e.ts) FROM ev AS e
           WHERE e.user_id = c.user_id AND e.step = c.step + 1
             AND e.ts >= c.ts
             AND e.ts <= c.t1 + to_days(CAST($window_days AS INTEGER)))
  FROM chain AS c
  WHERE c.ts IS NOT NULL AND c.step < len(CAST($steps AS VARCHAR[]))
),
cohorts AS (
  SELECT DISTINCT CAST(t1 AS DATE) AS cohort_date FROM chain
),
grid AS (
  SELECT c.cohort_date, CAST(s.step AS INTEGER) AS step
  FROM cohorts AS c
  CROSS JOIN range(1, len(CAST($steps AS VARCHAR[])) + 1) AS s(step)
),
reached AS (
  SELECT CAST(t1 AS DATE) AS cohort_date, step, count(*) AS users,
         quantile_cont((epoch_us(ts) - epoch_us(t1)) / 1e6, 0.5) AS median_seconds,
         avg((epoch_us(ts) - epoch_us(t1)) / 1e6) AS avg_seconds
  FROM chain
  WHERE ts IS NOT NULL
  GROUP BY 1, 2
),
joined AS (
  SELECT g.cohort_date, g.step, CAST(coalesce(r.users, 0) AS BIGINT) AS users,
         r.median_seconds, r.avg_seconds
  FROM grid AS g
  LEFT JOIN reached AS r USING (cohort_date, step)
)
SELECT
  cohort_date,
  step                                                          AS step_number,
  CAST($steps AS VARCHAR[])[step]                               AS step_name,
  users,
  CAST(users AS DOUBLE) / nullif(lag(users) OVER w, 0)          AS conversion_from_previous,
  CAST(users AS DOUBLE) / nullif(first_value(users) OVER w, 0)  AS conversion_overall,
  median_seconds                                                AS median_seconds_to_convert,
  avg_seconds                                                   AS avg_seconds_to_convert,
  CAST(cohort_date + 1 AS TIMESTAMP) AT TIME ZONE 'UTC'
    + to_days(CAST($window_days AS INTEGER)) <= CAST($as_of AS TIMESTAMPTZ) AS cohort_complete
FROM joined
WINDOW w AS (PARTITION BY cohort_date ORDER BY step)
ORDER BY cohort_date, step
