-- Performance percentiles: see postgres.sql beside this file.
-- DECIMAL is cast to DOUBLE first (quantile_cont on DECIMAL returns a rounded DECIMAL).
-- threads: 1
-- (the engine's setting for this query: with about 1.7 rows per group, two threads each
-- build a hash table of nearly every group and then merge them, measured slower in wall
-- and twice the CPU time on the season data)
-- Grouped by the columns as stored, then each key cast to its "table.column" type (the
-- engine's coding.declare_types: an ENUM of the column's values in byte order where it has
-- few, as here). With the engine's `memory` storage the columns are stored coded, so the
-- cast costs nothing; on Parquet it codes the 74 k groups' keys, not the 126 k rows'.
-- Rows come back sorted on those codes (the order of the keys' text, so normalise has
-- nothing to sort), and as codes: DuckDB hands Arrow one code per row instead of a string,
-- which the engine decodes in Polars (15-20 ms less on the season data, measured).
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
SELECT CAST(organization_id AS "performance_metrics.organization_id") AS organization_id,
       CAST(service_name AS "performance_metrics.service_name")       AS service_name,
       CAST(metric_type AS "performance_metrics.metric_type")         AS metric_type,
       CAST(metric_unit AS "performance_metrics.metric_unit")         AS metric_unit,
       make_timestamptz(epoch_us(hour_utc)) AS time_bucket, sample_count,
       q[1] AS p50, q[2] AS p90, q[3] AS p95, q[4] AS p99, avg_value, max_value
FROM g
ORDER BY 1, 2, 3, 4, g.hour_utc
