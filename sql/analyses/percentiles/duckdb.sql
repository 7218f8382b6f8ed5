-- Performance percentiles: see postgres.sql beside this file.
-- DECIMAL is cast to DOUBLE first (quantile_cont on DECIMAL returns a rounded DECIMAL).
-- threads: 1
-- (the engine's setting for this query: with about 1.7 rows per group, two threads each
-- build a hash table of nearly every group and then merge them, measured slower in wall
-- and twice the CPU time on the season data)
-- Grouped by the columns as stored and cast to text after: with the engine's `memory`
-- storage the keys are UUID and ENUM values, cheaper to hash and compare than their text.
-- Rows come back in the order of the analysis's keys, sorted on the stored columns (UUID
-- and ENUM sort as their text, see the engine), so that normalise has nothing to sort.
-- Calendar fields are taken in UTC from make_timestamp(epoch_us(x)), the instant as a plain
-- UTC TIMESTAMP: the same values as on the TIMESTAMPTZ in the engine's UTC session, without
-- the ICU time zone calendar per row (five to ten times the cost).
WITH g AS (
  SELECT
    organization_id, service_name, metric_type, metric_unit,
    date_trunc('hour', make_timestamp(epoch_us("timestamp")))    AS hour_utc,
    count(*)                                                     AS sample_count,
    quantile_cont(CAST(metric_value AS DOUBLE), [0.50, 0.90, 0.95, 0.99]) AS q,
    avg(CAST(metric_value AS DOUBLE))                            AS avg_value,
    CAST(max(metric_value) AS DOUBLE)                            AS max_value
  FROM performance_metrics
  WHERE "timestamp" >= CAST($as_of AS TIMESTAMPTZ) - to_hours(CAST($hours AS INTEGER))
    AND "timestamp" <  CAST($as_of AS TIMESTAMPTZ)
  GROUP BY 1, 2, 3, 4, 5
)
SELECT CAST(organization_id AS VARCHAR) AS organization_id,
       CAST(service_name AS VARCHAR)    AS service_name,
       CAST(metric_type AS VARCHAR)     AS metric_type,
       CAST(metric_unit AS VARCHAR)     AS metric_unit,
       make_timestamptz(epoch_us(hour_utc)) AS time_bucket, sample_count,
       q[1] AS p50, q[2] AS p90, q[3] AS p95, q[4] AS p99, avg_value, max_value
FROM g
ORDER BY g.organization_id, g.service_name, g.metric_type, g.metric_unit, g.hour_utc
