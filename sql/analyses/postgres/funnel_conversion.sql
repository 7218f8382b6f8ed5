-- Ordered funnel with a conversion window (PostHog "ordered" mode, Mixpanel's start).
--  * Only events with a user_id, a funnel_step in `steps` and event_timestamp < as_of count.
--  * t1 = the user's first event of step 1; the user is in the cohort of t1's UTC day
--    when t1 >= midnight UTC `cohort_days` days before as_of's UTC date.
--  * t(k) = the earliest event of step k with t(k-1) <= t(k) <= t1 + window_days
--    (ties with the previous step count as in order; the window end is inclusive).
--  * Each cohort gets one row per step (0 users when nobody reached it).
--  * conversion_from_previous = users(k) / users(k-1) (NULL for step 1 or when users(k-1) = 0);
--    conversion_overall = users(k) / users(1); seconds to convert = t(k) - t1.
--  * cohort_complete = every member's window has closed by as_of
--    (midnight after the cohort day + window_days <= as_of).
WITH RECURSIVE
ev AS (
  SELECT e.user_id,
         array_position(%(steps)s::text[], e.funnel_step::text) AS step,
         e.event_timestamp AS ts
  FROM public.business_events AS e
  WHERE e.user_id IS NOT NULL
    AND e.funnel_step::text = ANY (%(steps)s::text[])
    AND e.event_timestamp < %(as_of)s::timestamptz
),
starts AS (
  SELECT user_id, min(ts) AS t1 FROM ev WHERE step = 1 GROUP BY user_id
),
chain AS (
  SELECT user_id, 1 AS step, t1, t1 AS ts
  FROM starts
  WHERE t1 >= date_trunc('day', %(as_of)s::timestamptz, 'UTC')
              - make_interval(days => %(cohort_days)s::int)
  UNION ALL
  SELECT c.user_id, c.step + 1, c.t1,
         (SELECT min(e.ts) FROM ev AS e
           WHERE e.user_id = c.user_id AND e.step = c.step + 1
             AND e.ts >= c.ts
             AND e.ts <= c.t1 + make_interval(days => %(window_days)s::int))
  FROM chain AS c
  WHERE c.ts IS NOT NULL AND c.step < cardinality(%(steps)s::text[])
),
cohorts AS (
  SELECT DISTINCT (t1 AT TIME ZONE 'UTC')::date AS cohort_date FROM chain
),
grid AS (
  SELECT c.cohort_date, s.step
  FROM cohorts AS c
  CROSS JOIN generate_series(1, cardinality(%(steps)s::text[])) AS s(step)
),
reached AS (
  SELECT (t1 AT TIME ZONE 'UTC')::date AS cohort_date, step, count(*) AS users,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM ts - t1)::float8)
           AS median_seconds,
         avg(extract(epoch FROM ts - t1)::float8) AS avg_seconds
  FROM chain
  WHERE ts IS NOT NULL
  GROUP BY 1, 2
),
joined AS (
  SELECT g.cohort_date, g.step, coalesce(r.users, 0)::int8 AS users,
         r.median_seconds, r.avg_seconds
  FROM grid AS g
  LEFT JOIN reached AS r USING (cohort_date, step)
)
SELECT
  cohort_date,
  step                                                          AS step_number,
  (%(steps)s::text[])[step]                                     AS step_name,
  users,
  users::float8 / nullif(lag(users) OVER w, 0)                  AS conversion_from_previous,
  users::float8 / nullif(first_value(users) OVER w, 0)          AS conversion_overall,
  median_seconds                                                AS median_seconds_to_convert,
  avg_seconds                                                   AS avg_seconds_to_convert,
  ((cohort_date + 1)::timestamp AT TIME ZONE 'UTC')
    + make_interval(days => %(window_days)s::int) <= %(as_of)s::timestamptz AS cohort_complete
FROM joined
WINDOW w AS (PARTITION BY cohort_date ORDER BY step)
ORDER BY cohort_date, step
