-- Error trending: see postgres.sql beside this file.
-- weekday is the ISO weekday in UTC (connection TimeZone UTC); weekend_errors counts the
-- stored wedding_context.is_weekend, computed in the organization's timezone: the two can
-- disagree near midnight for a non-UTC organization (docs/analyses.md, error_trending).
-- list_unique(list(x)) is count(DISTINCT x) (NULLs not counted) in one pass: with about one
-- row per group, DuckDB's distinct aggregates (a shared scan and a join per distinct) cost
-- more than the rest of the query.
-- threads: 1
-- (the engine's setting for this query: with about one row per group, two threads each
-- build a hash table of nearly every group and then merge them, measured slower in wall
-- and twice the CPU time on the season data)
-- Grouped by the columns as stored, then each key cast to its "table.column" type (the
-- engine's coding.declare_types: an ENUM of the column's values in byte order where it has
-- few). With the engine's `memory` storage the columns are stored coded, so the cast costs
-- nothing; on Parquet it codes the groups' keys, not the rows'. Rows come back sorted on
-- those codes (the order of the keys' text, so normalise has nothing to sort), and as
-- codes, which the engine decodes in Polars instead of DuckDB writing a string per row.
-- Calendar fields are taken in UTC from make_timestamp(epoch_us(x)), the instant as a plain
-- UTC TIMESTAMP: the same values as on the TIMESTAMPTZ in the engine's UTC session, without
-- the ICU time zone calendar per row (five to ten times the cost).
WITH g AS (
  SELECT
    organization_id,
    date_trunc('hour', make_timestamp(epoch_us(created_at)))              AS hour_utc,
    error_type,
    severity,
    count(*)                                                              AS error_count,
    CAST(list_unique(list(correlation_id)) AS BIGINT)                     AS unique_correlations,
    CAST(list_unique(list(incident_id)) AS BIGINT)                        AS unique_incidents,
    avg(CAST(occurrence_count AS DOUBLE))                                 AS avg_occurrence_per_error,
    count(*) FILTER (WHERE json_extract_string(wedding_context, '$.is_weekend') = 'true')
                                                                          AS weekend_errors,
    CAST(list_unique(list(fingerprint)) AS BIGINT)                        AS unique_fingerprints
  FROM error_reports
  WHERE created_at >= CAST($as_of AS TIMESTAMPTZ) - to_days(CAST($days AS INTEGER))
    AND created_at <  CAST($as_of AS TIMESTAMPTZ)
  GROUP BY 1, 2, 3, 4
)
SELECT
  CAST(organization_id AS "error_reports.organization_id") AS organization_id,
  make_timestamptz(epoch_us(hour_utc))                   AS time_bucket,
  CAST(isodow(hour_utc) AS INTEGER)                      AS weekday,
  CAST(error_type AS "error_reports.error_type")         AS error_type,
  CAST(severity AS "error_reports.severity")             AS severity,
  error_count, unique_correlations, unique_incidents, avg_occurrence_per_error,
  weekend_errors, unique_fingerprints
FROM g
ORDER BY 1, g.hour_utc, 4, 5
