-- 0016 bulk loads (wedsync_analytics.bulk): before dropping a big table's
-- secondary indexes and foreign keys, the loader records their definitions
-- (from pg_get_indexdef / pg_get_constraintdef) here, in the run's row, and
-- empties the list once every one is rebuilt and validated. A run whose list
-- is not empty was interrupted mid-load: the database says what is missing,
-- and `load --replace` / `generate --replace` rebuilds it.
ALTER TABLE public.generation_runs
  ADD COLUMN IF NOT EXISTS deferred JSONB NOT NULL DEFAULT '[]';
-- The run's time split (COPY, index builds, validation), in seconds.
ALTER TABLE public.generation_runs
  ADD COLUMN IF NOT EXISTS phase_seconds JSONB NOT NULL DEFAULT '{}';
