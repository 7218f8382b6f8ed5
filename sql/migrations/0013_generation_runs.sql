-- 0013 generation_runs: one row per `wedsync-analytics generate` load, so a
-- rerun can tell "this scenario is already loaded" from "other data is here",
-- and an interrupted load is visible (status 'running' or 'interrupted').
CREATE TABLE IF NOT EXISTS public.generation_runs (
  id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  fingerprint TEXT NOT NULL,              -- hash of the scenario's arguments
  scenario    JSONB NOT NULL,
  status      TEXT NOT NULL DEFAULT 'running'
    CHECK (status IN ('running', 'completed', 'interrupted', 'failed')),
  row_counts  JSONB NOT NULL DEFAULT '{}',
  started_at  TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
  finished_at TIMESTAMPTZ
);
