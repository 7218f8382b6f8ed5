-- The plain tenant policies in 0017's form, applied explicitly so the strategy is the same
-- whatever the schema's default is.
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
