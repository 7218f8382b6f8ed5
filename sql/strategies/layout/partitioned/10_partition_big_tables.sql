-- Rebuild each big time series (bench.table_facts.big, from wedsync_analytics.table_facts)
-- as a table range-partitioned by its event-time column, one partition per UTC day over
-- the loaded data plus a DEFAULT partition, with the same columns, defaults, checks,
-- indexes, triggers, row level security policies and grants.
--  * Primary and unique keys must contain the partition column: (id) becomes
--    (id, <event time>), (id, organization_id) becomes (id, organization_id, <event time>).
--  * Outgoing foreign keys (organization, user, the tenant-composite links such as
--    error_reports (incident_id, organization_id) -> incidents) are re-created: enforced.
--  * Incoming foreign keys cannot reference a key without the partition column: those
--    to error_reports (id, organization_id) from error_correlations and auto_recovery_logs
--    are dropped. That gap (and its ON DELETE CASCADE / SET NULL) is recorded in
--    bench.layout_gaps and stated in the report.
CREATE TABLE bench.layout_gaps (
  table_name text NOT NULL,
  constraint_name text NOT NULL,
  definition text NOT NULL
);

CREATE FUNCTION bench.partition_by_day(tbl text, tcol text) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
  rel regclass := format('public.%I', tbl)::regclass;
  idx text[];
  cons text[];
  trg text[];
  pol text[];
  grants text[];
  first_day date;
  last_day date;
  d date;
  r RECORD;
  s text;
BEGIN
  -- Incoming foreign keys: recorded as the gap, then dropped.
  FOR r IN
    SELECT conrelid::regclass AS child, conname, pg_get_constraintdef(oid) AS def
    FROM pg_constraint WHERE confrelid = rel AND contype = 'f'
  LOOP
    INSERT INTO bench.layout_gaps VALUES (r.child::text, r.conname, r.def);
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', r.child, r.conname);
  END LOOP;
  -- What to re-create on the partitioned table.
  SELECT coalesce(array_agg(pg_get_indexdef(x.indexrelid)), '{}') INTO idx
  FROM pg_index x
  WHERE x.indrelid = rel
    AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid);
  SELECT coalesce(array_agg(
           CASE WHEN contype IN ('p', 'u') THEN
             format('ALTER TABLE public.%I ADD CONSTRAINT %I %s (%s, %I)', tbl, conname,
                    CASE contype WHEN 'p' THEN 'PRIMARY KEY' ELSE 'UNIQUE' END,
                    (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.i)
                     FROM unnest(conkey) WITH ORDINALITY AS k(attnum, i)
                     JOIN pg_attribute a ON a.attrelid = rel AND a.attnum = k.attnum),
                    tcol)
           ELSE format('ALTER TABLE public.%I ADD CONSTRAINT %I %s', tbl, conname,
                       pg_get_constraintdef(oid)) END
           ORDER BY contype DESC), '{}') INTO cons
  FROM pg_constraint WHERE conrelid = rel AND contype IN ('p', 'u', 'f');
  SELECT coalesce(array_agg(pg_get_triggerdef(oid)), '{}') INTO trg
  FROM pg_trigger WHERE tgrelid = rel AND NOT tgisinternal;
  SELECT coalesce(array_agg(format(
           'CREATE POLICY %I ON public.%I AS %s FOR %s TO %s%s%s', policyname, tbl, permissive,
           cmd, array_to_string(roles, ', '),
           CASE WHEN qual IS NOT NULL THEN ' USING (' || qual || ')' ELSE '' END,
           CASE WHEN with_check IS NOT NULL THEN ' WITH CHECK (' || with_check || ')' ELSE '' END
         )), '{}') INTO pol
  FROM pg_policies WHERE schemaname = 'public' AND tablename = tbl;
  SELECT coalesce(array_agg(format('GRANT %s ON public.%I TO %I', a.privilege_type, tbl,
                                   a.grantee::regrole::text)), '{}') INTO grants
  FROM pg_class c, aclexplode(c.relacl) AS a
  WHERE c.oid = rel AND a.grantee <> 0 AND a.grantee <> c.relowner;
  -- The partitioned twin, filled from the heap.
  EXECUTE format(
    'CREATE TABLE public.%I (LIKE public.%I INCLUDING DEFAULTS INCLUDING GENERATED '
    'INCLUDING IDENTITY INCLUDING CONSTRAINTS INCLUDING STORAGE) PARTITION BY RANGE (%I)',
    tbl || '__part', tbl, tcol);
  EXECUTE format('SELECT min(%1$I AT TIME ZONE ''UTC'')::date, max(%1$I AT TIME ZONE ''UTC'')::date '
                 'FROM public.%2$I', tcol, tbl) INTO first_day, last_day;
  d := first_day;
  WHILE d IS NOT NULL AND d <= last_day LOOP
    EXECUTE format(
      'CREATE TABLE public.%I PARTITION OF public.%I FOR VALUES FROM (%L) TO (%L)',
      tbl || '_p' || to_char(d, 'YYYYMMDD'), tbl || '__part',
      (d::timestamp AT TIME ZONE 'UTC'), ((d + 1)::timestamp AT TIME ZONE 'UTC'));
    d := d + 1;
  END LOOP;
  EXECUTE format('CREATE TABLE public.%I PARTITION OF public.%I DEFAULT',
                 tbl || '_pdefault', tbl || '__part');
  EXECUTE format('INSERT INTO public.%I SELECT * FROM public.%I', tbl || '__part', tbl);
  EXECUTE format('DROP TABLE public.%I', tbl);
  EXECUTE format('ALTER TABLE public.%I RENAME TO %I', tbl || '__part', tbl);
  FOREACH s IN ARRAY cons || idx || trg || pol || grants LOOP
    EXECUTE s;
  END LOOP;
  EXECUTE format('ALTER TABLE public.%I ENABLE ROW LEVEL SECURITY', tbl);
END
$fn$;

SELECT bench.partition_by_day(name, event_time) FROM bench.table_facts WHERE big ORDER BY name;
DROP FUNCTION bench.partition_by_day(text, text);
