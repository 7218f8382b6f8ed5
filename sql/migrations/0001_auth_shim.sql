-- 0001 auth shim: the parts of Supabase's `auth` schema and roles that the
-- monitoring schema relies on, so the same migrations run on plain PostgreSQL
-- (tests, the embedded server) and on Supabase.
--
-- * Roles are cluster-wide and many databases share one test server, so each
--   role is created only if missing, and a concurrent creation by another
--   database's migration (duplicate_object / unique_violation) is tolerated.
-- * The `auth` schema is created only when no `auth` schema exists: on
--   Supabase the real one is left untouched.
-- * auth.uid() and auth.jwt() are copied from Supabase's auth migrations: they
--   read `request.jwt.claim.*` (legacy) or the `request.jwt.claims` setting.

DO $roles$
BEGIN
  BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon') THEN
      CREATE ROLE anon NOLOGIN NOINHERIT;
    END IF;
  EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;  -- created meanwhile by a migration running in another database
  END;
  BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
      CREATE ROLE authenticated NOLOGIN NOINHERIT;
    END IF;
  EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
  END;
  BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'service_role') THEN
      CREATE ROLE service_role NOLOGIN NOINHERIT BYPASSRLS;
    END IF;
  EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
  END;
END
$roles$;

DO $shim$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'auth') THEN
    RAISE NOTICE 'schema auth exists (Supabase?): auth shim not created';
    RETURN;
  END IF;

  CREATE SCHEMA auth;

  -- Minimal auth.users: only what foreign keys and tests need. Supabase's
  -- table has many more columns; ours are a compatible subset.
  CREATE TABLE auth.users (
    id                 UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    email              TEXT,
    raw_app_meta_data  JSONB NOT NULL DEFAULT '{}',
    raw_user_meta_data JSONB NOT NULL DEFAULT '{}',
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT now()
  );

  -- Exactly as Supabase defines them (language sql, stable).
  CREATE FUNCTION auth.uid() RETURNS UUID
    LANGUAGE sql STABLE
  AS $fn$
    SELECT coalesce(
      nullif(current_setting('request.jwt.claim.sub', true), ''),
      (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
    )::uuid
  $fn$;

  CREATE FUNCTION auth.jwt() RETURNS JSONB
    LANGUAGE sql STABLE
  AS $fn$
    SELECT coalesce(
      nullif(current_setting('request.jwt.claim', true), ''),
      nullif(current_setting('request.jwt.claims', true), '')
    )::jsonb
  $fn$;

  GRANT USAGE ON SCHEMA auth TO anon, authenticated, service_role;
  GRANT EXECUTE ON FUNCTION auth.uid(), auth.jwt() TO anon, authenticated, service_role;
  GRANT ALL ON auth.users TO service_role;
END
$shim$;
