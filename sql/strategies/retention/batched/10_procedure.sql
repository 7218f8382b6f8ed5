-- Batched retention: the horizons of public.cleanup_monitoring_data for the big time series
-- whose rule is time only (90 days; business_events 2 years), deleted `batch` rows at a
-- time with a COMMIT after each batch (short locks, bounded WAL bursts, vacuum can keep
-- up), then the schema's function for everything else (it finds nothing left of these).
-- The test that all retention strategies remove the same rows guards these horizons.
CREATE PROCEDURE bench.retention_batched(as_of timestamptz, batch int DEFAULT 10000)
LANGUAGE plpgsql AS $$
DECLARE
  h RECORD;
  n bigint;
BEGIN
  FOR h IN
    SELECT f.name, f.event_time, x.keep
    FROM bench.table_facts AS f
    JOIN (VALUES ('performance_metrics', INTERVAL '90 days'),
                 ('core_web_vitals', INTERVAL '90 days'),
                 ('api_performance', INTERVAL '90 days'),
                 ('business_events', INTERVAL '2 years')) AS x(name, keep) USING (name)
  LOOP
    LOOP
      EXECUTE format(
        'DELETE FROM public.%1$I WHERE id IN '
        '(SELECT id FROM public.%1$I WHERE %2$I < $1 LIMIT $2)', h.name, h.event_time)
        USING as_of - h.keep, batch;
      GET DIAGNOSTICS n = ROW_COUNT;
      COMMIT;
      EXIT WHEN n < batch;
    END LOOP;
  END LOOP;
  PERFORM public.cleanup_monitoring_data(as_of);
  COMMIT;
END
$$;
