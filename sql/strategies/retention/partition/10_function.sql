-- Partition retention: for the big time series whose rule is time only (the horizons of
-- public.cleanup_monitoring_data: 90 days; business_events 2 years), every partition whose
-- upper bound is at or before the horizon is detached, then dropped. The schema's function
-- then deletes what remains past the horizons (rows of a partition straddling the horizon,
-- and the other tables), so exactly the same rows go as with `delete` (a test checks it).
-- A COMMIT after each partition: DETACH takes an ACCESS EXCLUSIVE lock on the parent, held
-- only for that partition's detach and drop, not for the whole operation.
CREATE PROCEDURE bench.retention_partition(as_of timestamptz)
LANGUAGE plpgsql AS $$
DECLARE
  p RECORD;
BEGIN
  FOR p IN
    SELECT parent.relname AS parent_name, child.relname AS child_name
    FROM (VALUES ('performance_metrics', INTERVAL '90 days'),
                 ('core_web_vitals', INTERVAL '90 days'),
                 ('api_performance', INTERVAL '90 days'),
                 ('business_events', INTERVAL '2 years')) AS x(name, keep)
    JOIN pg_class parent ON parent.relname = x.name
      AND parent.relnamespace = 'public'::regnamespace AND parent.relkind = 'p'
    JOIN pg_inherits i ON i.inhparent = parent.oid
    JOIN pg_class child ON child.oid = i.inhrelid
    WHERE child.relispartition
      AND pg_get_expr(child.relpartbound, child.oid) <> 'DEFAULT'
      AND (regexp_match(pg_get_expr(child.relpartbound, child.oid),
                        'TO \(''([^'']+)''\)'))[1]::timestamptz <= as_of - x.keep
  LOOP
    EXECUTE format('ALTER TABLE public.%I DETACH PARTITION public.%I',
                   p.parent_name, p.child_name);
    EXECUTE format('DROP TABLE public.%I', p.child_name);
    COMMIT;
  END LOOP;
  PERFORM public.cleanup_monitoring_data(as_of);
  COMMIT;
END
$$;
