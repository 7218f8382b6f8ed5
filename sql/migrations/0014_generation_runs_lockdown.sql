-- 0014 lock down generation_runs (the data loader's bookkeeping, 0013) like
-- every other table: RLS on with no policy, nothing for anon/authenticated
-- (Supabase's default privileges would otherwise expose it through the API),
-- everything for service_role. The loader connects as the owner/superuser,
-- which RLS does not restrict.
ALTER TABLE public.generation_runs ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public.generation_runs FROM PUBLIC, anon, authenticated;
GRANT ALL ON public.generation_runs TO service_role;
