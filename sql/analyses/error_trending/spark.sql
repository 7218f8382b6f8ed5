-- Error trending: see postgres.sql beside this file (session TimeZone UTC).
-- weekday: extract(DAYOFWEEK_ISO ...) is ISO (Monday = 1 ... Sunday = 7), not dayofweek()
-- (Sunday = 1) nor weekday() (Monday = 0). get_json_object returns a JSON true and a JSON
-- string "true" both as 'true'; absent keys, non-objects and malformed JSON give NULL.
SELECT
  CAST(organization_id AS STRING)                                         AS organization_id,
  date_trunc('HOUR', created_at)                                          AS time_bucket,
  extract(DAYOFWEEK_ISO FROM created_at)                                  AS weekday,
  CAST(error_type AS STRING)                                              AS error_type,
  CAST(severity AS STRING)                                                AS severity,
  count(*)                                                                AS error_count,
  count(DISTINCT correlation_id)                                          AS unique_correlations,
  count(DISTINCT incident_id)                                             AS unique_incidents,
  avg(CAST(occurrence_count AS DOUBLE))                                   AS avg_occurrence_per_error,
  count(*) FILTER (WHERE get_json_object(wedding_context, '$.is_weekend') = 'true')
                                                                          AS weekend_errors,
  count(DISTINCT fingerprint)                                             AS unique_fingerprints
FROM error_reports
WHERE created_at >= :as_of - make_dt_interval(:days, 0, 0, 0)
  AND created_at <  :as_of
GROUP BY 1, 2, 3, 4, 5
