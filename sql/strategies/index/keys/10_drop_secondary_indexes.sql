-- Keep only the indexes behind primary keys, unique and exclusion constraints.
DO $$
DECLARE
  i RECORD;
BEGIN
  FOR i IN
    SELECT n.nspname AS schema_name, c.relname AS index_name
    FROM pg_index x
    JOIN pg_class c ON c.oid = x.indexrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public'
      AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)
  LOOP
    EXECUTE format('DROP INDEX %I.%I', i.schema_name, i.index_name);
  END LOOP;
END
$$;
