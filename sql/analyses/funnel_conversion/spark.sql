-- Ordered funnels with a conversion window: the rules are in postgres.sql beside this file.
-- How (one pass per user, no recursion): collect each member's events of the funnel, sorted
-- by (time, step), keep those in [t1, t1 + window_days] after step 1, and fold them: the
-- first event of the next step met is that step's earliest valid event (a step-k event tied
-- in time with step k-1 sorts after it). `times` ends as [t1, t2, ..., t(reached)].
WITH steps AS (
  SELECT funnel, CAST(step AS INT) AS step, name, count(*) OVER (PARTITION BY funnel) AS n
  FROM (SELECT inline(arrays_zip(:funnel_of_step, :step_number, :step_name))
               AS (funnel, step, name))
),
ev AS (
  SELECT s.funnel, s.n, s.step, e.user_id, e.event_timestamp AS ts
  FROM business_events AS e
  JOIN steps AS s ON s.name = CAST(e.funnel_step AS STRING)
  WHERE e.user_id IS NOT NULL
    AND e.event_timestamp < :as_of
),
members AS (
  SELECT funnel, user_id, max(n) AS n, min(CASE WHEN step = 1 THEN ts END) AS t1,
         array_sort(collect_list(named_struct('ts', ts, 'step', step))) AS events
  FROM ev
  GROUP BY funnel, user_id
),
walked AS (
  SELECT funnel, user_id, t1,
         aggregate(
           filter(events, e -> e.step > 1 AND e.ts >= t1
                               AND e.ts <= t1 + make_dt_interval(:window_days)),
           named_struct('step', 1, 'times', array(t1)),
           (acc, e) -> CASE WHEN acc.step < n AND e.step = acc.step + 1
                            THEN named_struct('step', e.step, 'times', array_append(acc.times, e.ts))
                            ELSE acc END
         ).times AS times
  FROM members
  WHERE t1 >= date_trunc('DAY', :as_of) - make_dt_interval(:cohort_days)
),
chain AS (
  SELECT funnel, t1, pos + 1 AS step, ts
  FROM walked LATERAL VIEW posexplode(times) reached AS pos, ts
),
cohorts AS (
  SELECT DISTINCT funnel, CAST(t1 AS DATE) AS cohort_date FROM chain
),
grid AS (
  SELECT c.funnel, c.cohort_date, s.step, s.name
  FROM cohorts AS c
  JOIN steps AS s ON s.funnel = c.funnel
),
reached AS (
  SELECT funnel, CAST(t1 AS DATE) AS cohort_date, step, count(*) AS users,
         percentile(CAST(unix_micros(ts) - unix_micros(t1) AS DOUBLE) / 1e6, 0.5) AS median_seconds,
         avg(CAST(unix_micros(ts) - unix_micros(t1) AS DOUBLE) / 1e6) AS avg_seconds
  FROM chain
  GROUP BY 1, 2, 3
),
joined AS (
  SELECT g.funnel, g.cohort_date, g.step, g.name, CAST(coalesce(r.users, 0) AS BIGINT) AS users,
         r.median_seconds, r.avg_seconds
  FROM grid AS g
  LEFT JOIN reached AS r
    ON r.funnel = g.funnel AND r.cohort_date = g.cohort_date AND r.step = g.step
)
SELECT
  funnel,
  cohort_date,
  step                                                          AS step_number,
  name                                                          AS step_name,
  users,
  CAST(users AS DOUBLE) / nullif(lag(users) OVER w, 0)          AS conversion_from_previous,
  CAST(users AS DOUBLE) / nullif(first_value(users) OVER w, 0)  AS conversion_overall,
  median_seconds                                                AS median_seconds_to_convert,
  avg_seconds                                                   AS avg_seconds_to_convert,
  CAST(date_add(cohort_date, 1) AS TIMESTAMP) + make_dt_interval(:window_days) <= :as_of
                                                                AS cohort_complete
FROM joined
WINDOW w AS (PARTITION BY funnel, cohort_date ORDER BY step)
