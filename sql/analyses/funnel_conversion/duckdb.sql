-- Ordered funnels with a conversion window: see postgres.sql beside this file for the rules.
-- threads: 1
-- (the engine's setting for this query: it reads a few hundred rows, and a second thread
-- only adds task scheduling to every pipeline, measured slower on the season data)
-- DuckDB finds t(k) step by step (a recursive CTE with one iteration per funnel step) over
-- the funnels' events, read once (`ev`, materialised).
-- No ORDER BY: the runner sorts every result by the analysis's keys (normalise).
WITH RECURSIVE
steps AS (
  SELECT unnest(CAST($funnel_of_step AS VARCHAR[])) AS funnel,
         unnest(CAST($step_number AS INTEGER[]))    AS step,
         unnest(CAST($step_name AS VARCHAR[]))      AS name
),
ev AS MATERIALIZED (
  SELECT s.funnel, s.step, e.user_id, e.event_timestamp AS ts
  FROM business_events AS e
  JOIN steps AS s ON s.name = CAST(e.funnel_step AS VARCHAR)
  WHERE e.funnel_step IS NOT NULL
    AND e.user_id IS NOT NULL
    AND e.event_timestamp < CAST($as_of AS TIMESTAMPTZ)
),
starts AS (
  SELECT funnel, user_id, min(ts) AS t1 FROM ev WHERE step = 1 GROUP BY funnel, user_id
  HAVING min(ts) >= date_trunc('day', CAST($as_of AS TIMESTAMPTZ))
                    - to_days(CAST($cohort_days AS INTEGER))
),
chain AS (
  -- one iteration per step, not per event: t(k) is the user's earliest step-k event in
  -- [t(k-1), t1 + window_days]
  SELECT funnel, user_id, t1, 1 AS step, t1 AS ts FROM starts
  UNION ALL
  SELECT c.funnel, c.user_id, c.t1, e.step, e.ts
  FROM chain AS c
  JOIN ev AS e ON e.funnel = c.funnel AND e.user_id = c.user_id AND e.step = c.step + 1
  WHERE e.ts >= c.ts
    AND e.ts <= c.t1 + to_days(CAST($window_days AS INTEGER))
  QUALIFY row_number() OVER (PARTITION BY c.funnel, c.user_id ORDER BY e.ts) = 1
),
cohorts AS (
  SELECT DISTINCT funnel, CAST(t1 AS DATE) AS cohort_date FROM chain
),
grid AS (
  SELECT c.funnel, c.cohort_date, s.step, s.name
  FROM cohorts AS c
  JOIN steps AS s USING (funnel)
),
reached AS (
  SELECT funnel, CAST(t1 AS DATE) AS cohort_date, step, count(*) AS users,
         quantile_cont((epoch_us(ts) - epoch_us(t1)) / 1e6, 0.5) AS median_seconds,
         avg((epoch_us(ts) - epoch_us(t1)) / 1e6) AS avg_seconds
  FROM chain
  GROUP BY 1, 2, 3
),
joined AS (
  -- users(k - 1) and users(1) of the cohort from `reached` (0 where nobody reached the step;
  -- step 0 has no row, so step 1 has no previous): the values lag() and first_value() over
  -- the grid would give, without a window operator (1-2 ms less on the season data)
  SELECT g.funnel, g.cohort_date, g.step, g.name,
         CAST(coalesce(r.users, 0) AS BIGINT) AS users,
         coalesce(p.users, 0) AS previous_users, coalesce(f.users, 0) AS first_users,
         r.median_seconds, r.avg_seconds
  FROM grid AS g
  LEFT JOIN reached AS r USING (funnel, cohort_date, step)
  LEFT JOIN reached AS p
    ON p.funnel = g.funnel AND p.cohort_date = g.cohort_date AND p.step = g.step - 1
  LEFT JOIN reached AS f
    ON f.funnel = g.funnel AND f.cohort_date = g.cohort_date AND f.step = 1
)
SELECT
  funnel,
  cohort_date,
  step                                                          AS step_number,
  name                                                          AS step_name,
  users,
  CAST(users AS DOUBLE) / nullif(previous_users, 0)             AS conversion_from_previous,
  CAST(users AS DOUBLE) / nullif(first_users, 0)                AS conversion_overall,
  median_seconds                                                AS median_seconds_to_convert,
  avg_seconds                                                   AS avg_seconds_to_convert,
  CAST(cohort_date + 1 AS TIMESTAMP) AT TIME ZONE 'UTC'
    + to_days(CAST($window_days AS INTEGER)) <= CAST($as_of AS TIMESTAMPTZ) AS cohort_complete
FROM joined
