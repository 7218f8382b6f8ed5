-- 0017 tenant policies in a form the planner can use as an index condition.
--
-- 0011 wrote the plain tenant policies as
--   organization_id IN (SELECT public.user_org_ids())
-- which PostgreSQL plans as a hashed SubPlan: a filter applied to every row the
-- rest of the query reads, never an index condition. The same rows, written as
--   organization_id = ANY (ARRAY(SELECT public.user_org_ids()))
-- become an InitPlan evaluated once and an index condition on the tenant
-- (e.g. idx_performance_metrics_org_timestamp). The strategy benchmark
-- (`wedsync-analytics bench --strategy policy=...`, docs/benchmarking.md)
-- measures both forms and checks they return the same rows; this form is the
-- faster one for tenant users. Isolation is unchanged (tests/test_schema_rls.py).
DO $$
DECLARE
  p RECORD;
BEGIN
  FOR p IN
    SELECT tablename, policyname FROM pg_policies
    WHERE schemaname = 'public' AND policyname = tablename || '_org_members'
  LOOP
    EXECUTE format(
      'ALTER POLICY %I ON public.%I '
      'USING (organization_id = ANY (ARRAY(SELECT public.user_org_ids()))) '
      'WITH CHECK (organization_id = ANY (ARRAY(SELECT public.user_org_ids())))',
      p.policyname, p.tablename);
  END LOOP;
END
$$;
