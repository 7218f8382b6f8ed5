-- Performance percentiles: see postgres.sql beside this file (session TimeZone UTC).
-- percentile() is exact with linear interpolation (= percentile_cont), on the value as DOUBLE.
WITH g AS (
  SELECT
    CAST(organization_id AS STRING)                               AS organization_id,
    CAST(service_name AS STRING)                                  AS service_name,
    CAST(metric_type AS STRING)                                   AS metric_type,
    CAST(metric_unit AS STRING)                                   AS metric_unit,
    date_trunc('HOUR', `timestamp`)                               AS time_bucket,
    count(*)                                                      AS sample_count,
    percentile(CAST(metric_value AS DOUBLE), array(0.50, 0.90, 0.95, 0.99)) AS q,
    avg(CAST(metric_value AS DOUBLE))                             AS avg_value,
    CAST(max(metric_value) AS DOUBLE)                             AS max_value
  FROM performance_metrics
  WHERE `timestamp` >= :as_of - make_dt_interval(0, :hours, 0, 0)
    AND `timestamp` <  :as_of
  GROUP BY 1, 2, 3, 4, 5
)
SELECT organization_id, service_name, metric_type, metric_unit, time_bucket, sample_count,
       q[0] AS p50, q[1] AS p90, q[2] AS p95, q[3] AS p99, avg_value, max_value
FROM g
