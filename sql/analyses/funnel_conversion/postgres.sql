-- Ordered funnels with a conversion window (PostHog "ordered" mode, Mixpanel's start), one per
-- funnel (user kind); each funnel is computed on its own, so a user can be in several.
-- Steps arrive as parallel arrays, one element per step: funnel_of_step, step_number, step_name.
--  * Only events with a user_id, a step of the funnel and event_timestamp < as_of count.
--  * t1 = the user's first event of step 1; the user is in the cohort of t1's UTC day
--    when t1 >= midnight UTC `cohort_days` days before as_of's UTC date.
--  * t(k) = the earliest event of step k with t(k-1) <= t(k) <= t1 + window_days
--    (ties with the previous step count as in order; the window end is inclusive).
--  * Each cohort gets one row per step (0 users when nobody reached it).
--  * conversion_from_previous = users(k) / users(k-1) (NULL for step 1 or when users(k-1) = 0);
--    conversion_overall = users(k) / users(1); seconds to convert = t(k) - t1.
--  * cohort_complete = every member's window has closed by as_of
--    (midnight after the cohort day + window_days <= as_of).
-- How: walk each member's events in [t1, t1 + window] in (time, step) order, one event per
-- recursion step; the first event of the next step met is that step's earliest valid event
-- (a step-k event tied in time with step k-1 sorts after it), so t(k) is found in one pass.
WITH RECURSIVE
steps AS (
  SELECT s.funnel, s.step, s.name, count(*) OVER (PARTITION BY s.funnel) AS n
  FROM unnest(%(funnel_of_step)s::text[], %(step_number)s::int[], %(step_name)s::text[])
       AS s(funnel, step, name)
),
ev AS (
  SELECT s.funnel, s.n, s.step, e.user_id, e.event_timestamp AS ts
  FROM public.business_events AS e
  JOIN steps AS s ON s.name = e.funnel_step::text
  WHERE e.user_id IS NOT NULL
    AND e.event_timestamp < %(as_of)s::timestamptz
),
starts AS (
  SELECT funnel, user_id, min(ts) AS t1 FROM ev WHERE step = 1 GROUP BY funnel, user_id
  HAVING min(ts) >= date_trunc('day', %(as_of)s::timestamptz, 'UTC')
                    - make_interval(days => %(cohort_days)s::int)
),
later AS (
  SELECT e.funnel, e.user_id, e.n, e.step, e.ts,
         row_number() OVER (PARTITION BY e.funnel, e.user_id ORDER BY e.ts, e.step) AS pos
  FROM ev AS e
  JOIN starts AS s USING (funnel, user_id)
  WHERE e.step > 1
    AND e.ts >= s.t1
    AND e.ts <= s.t1 + make_interval(days => %(window_days)s::int)
),
walk AS (
  SELECT funnel, user_id, t1, 0::int8 AS pos, 1 AS step, t1 AS ts FROM starts
  UNION ALL
  SELECT w.funnel, w.user_id, w.t1, l.pos,
         CASE WHEN l.step = w.step + 1 THEN l.step ELSE w.step END,
         CASE WHEN l.step = w.step + 1 THEN l.ts ELSE w.ts END
  FROM walk AS w
  JOIN later AS l ON l.funnel = w.funnel AND l.user_id = w.user_id AND l.pos = w.pos + 1
  WHERE w.step < l.n
),
chain AS (
  SELECT DISTINCT funnel, user_id, t1, step, ts FROM walk
),
cohorts AS (
  SELECT DISTINCT funnel, (t1 AT TIME ZONE 'UTC')::date AS cohort_date FROM chain
),
grid AS (
  SELECT c.funnel, c.cohort_date, s.step, s.name
  FROM cohorts AS c
  JOIN steps AS s USING (funnel)
),
reached AS (
  SELECT funnel, (t1 AT TIME ZONE 'UTC')::date AS cohort_date, step, count(*) AS users,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM ts - t1)::float8)
           AS median_seconds,
         avg(extract(epoch FROM ts - t1)::float8) AS avg_seconds
  FROM chain
  GROUP BY 1, 2, 3
),
joined AS (
  SELECT g.funnel, g.cohort_date, g.step, g.name, coalesce(r.users, 0)::int8 AS users,
         r.median_seconds, r.avg_seconds
  FROM grid AS g
  LEFT JOIN reached AS r USING (funnel, cohort_date, step)
)
SELECT
  funnel,
  cohort_date,
  step                                                          AS step_number,
  name                                                          AS step_name,
  users,
  users::float8 / nullif(lag(users) OVER w, 0)                  AS conversion_from_previous,
  users::float8 / nullif(first_value(users) OVER w, 0)          AS conversion_overall,
  median_seconds                                                AS median_seconds_to_convert,
  avg_seconds                                                   AS avg_seconds_to_convert,
  ((cohort_date + 1)::timestamp AT TIME ZONE 'UTC')
    + make_interval(days => %(window_days)s::int) <= %(as_of)s::timestamptz AS cohort_complete
FROM joined
WINDOW w AS (PARTITION BY funnel, cohort_date ORDER BY step)
ORDER BY funnel, cohort_date, step
