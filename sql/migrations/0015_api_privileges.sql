-- 0015 privileges that Supabase's default privileges would otherwise open.
-- Supabase runs `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES,
-- SEQUENCES ... TO anon, authenticated, service_role`, so every object created
-- by a migration starts fully granted to the API roles. The migration runner's
-- own bookkeeping table and the sequences need closing explicitly.

-- The runner's record of applied migrations: nobody but the owner writes it.
ALTER TABLE public.schema_migrations ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public.schema_migrations FROM PUBLIC, anon, authenticated;
GRANT SELECT ON public.schema_migrations TO service_role;

-- Incident numbers: authenticated may draw the next one (a manual incident's
-- default), never setval() it back (numbers would collide).
REVOKE ALL ON SEQUENCE public.incident_number_seq FROM PUBLIC, anon, authenticated;
GRANT USAGE ON SEQUENCE public.incident_number_seq TO authenticated;
GRANT USAGE, SELECT, UPDATE ON SEQUENCE public.incident_number_seq TO service_role;

-- The loader's bookkeeping sequence, like its table (0014).
REVOKE ALL ON SEQUENCE public.generation_runs_id_seq FROM PUBLIC, anon, authenticated;
GRANT ALL ON SEQUENCE public.generation_runs_id_seq TO service_role;
