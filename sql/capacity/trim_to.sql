-- A smaller capacity volume from a clone of the largest: every time series (bench.table_facts)
-- loses its rows at or after %(cutoff)s (the local midnight ending the volume's last day).
-- Rows that reference deleted ones go with them (ON DELETE CASCADE). Loader session:
-- wedsync.bulk_load = 'on' keeps the incident trigger quiet.
SET wedsync.bulk_load = 'on';
DO $trim$
DECLARE
  t record;
BEGIN
  FOR t IN SELECT name, event_time FROM bench.table_facts ORDER BY name LOOP
    EXECUTE format('DELETE FROM public.%I WHERE %I >= %L::timestamptz',
                   t.name, t.event_time, current_setting('wedsync.trim_cutoff'));
  END LOOP;
END
$trim$;
RESET wedsync.bulk_load;
