-- 0003 core: tenants, memberships and the pure helper functions that later
-- tables, triggers, policies and analysts use.

CREATE TABLE public.organizations (
  id         UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  name       VARCHAR(255) NOT NULL,
  slug       VARCHAR(100) UNIQUE,
  -- IANA zone for the organization's calendar rules (Saturday, wedding
  -- season). Used when a row arrives without wedding_context.
  timezone   TEXT NOT NULL DEFAULT 'Europe/London',
  created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- One row per (user, organization) membership; app_role is the user's
-- application role in THAT organization. An admin of organization A has no
-- rights in organization B unless they also have a row for B.
CREATE TABLE public.user_profiles (
  id              UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id         UUID NOT NULL REFERENCES auth.users(id) ON DELETE CASCADE,
  organization_id UUID NOT NULL REFERENCES public.organizations(id) ON DELETE CASCADE,
  app_role        public.app_role_type NOT NULL DEFAULT 'member',
  display_name    VARCHAR(255),
  email           TEXT,
  is_active       BOOLEAN NOT NULL DEFAULT true,
  created_at      TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at      TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  UNIQUE (user_id, organization_id)
);
CREATE INDEX idx_user_profiles_org ON public.user_profiles (organization_id);

-- ---------------------------------------------------------------------------
-- Membership helpers for RLS policies. SECURITY DEFINER so they read
-- user_profiles without recursing into its own policy; `search_path = ''`
-- so nothing can be shadowed; STABLE so a policy wrapping them as
-- `(SELECT public.user_org_ids())` evaluates them once per statement.
-- ---------------------------------------------------------------------------

-- Organizations of the current user (auth.uid()); with `roles`, only those
-- where the user's app_role is one of them.
CREATE FUNCTION public.user_org_ids(roles public.app_role_type[] DEFAULT NULL)
RETURNS SETOF UUID
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
AS $$
  SELECT up.organization_id
  FROM public.user_profiles up
  WHERE up.user_id = (SELECT auth.uid())
    AND up.is_active
    AND (roles IS NULL OR up.app_role = ANY (roles))
$$;

CREATE FUNCTION public.is_org_member(org UUID)
RETURNS BOOLEAN
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
AS $$
  SELECT EXISTS (
    SELECT 1 FROM public.user_profiles up
    WHERE up.user_id = (SELECT auth.uid()) AND up.organization_id = org AND up.is_active
  )
$$;

CREATE FUNCTION public.has_org_role(org UUID, roles public.app_role_type[])
RETURNS BOOLEAN
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
AS $$
  SELECT EXISTS (
    SELECT 1 FROM public.user_profiles up
    WHERE up.user_id = (SELECT auth.uid()) AND up.organization_id = org
      AND up.is_active AND up.app_role = ANY (roles)
  )
$$;

-- ---------------------------------------------------------------------------
-- Calendar rules. "Saturday" and "wedding season" depend on a timezone, so
-- the timezone is an explicit input (IANA name), default Europe/London (the
-- UK market). Weekdays use ISO numbering: Monday = 1 ... Saturday = 6,
-- Sunday = 7. Wedding season = local months May (5) to October (10)
-- inclusive. STABLE, not IMMUTABLE: it formats dates and depends on tzdata.
-- ---------------------------------------------------------------------------
CREATE FUNCTION public.wedding_context(ts TIMESTAMPTZ, tz TEXT DEFAULT 'Europe/London')
RETURNS JSONB
LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$
  SELECT jsonb_build_object(
    'timezone',          tz,
    'local_date',        to_char(l.local_ts, 'YYYY-MM-DD'),
    'iso_dow',           extract(isodow FROM l.local_ts)::int,
    'is_saturday',       extract(isodow FROM l.local_ts) = 6,
    'is_weekend',        extract(isodow FROM l.local_ts) IN (6, 7),
    'is_wedding_season', extract(month FROM l.local_ts) BETWEEN 5 AND 10
  )
  FROM (SELECT ts AT TIME ZONE tz AS local_ts) AS l
$$;

-- ---------------------------------------------------------------------------
-- Core Web Vitals rating, Google's thresholds (web-vitals library):
--   good if value <= good_max; needs_improvement if good_max < value <= poor_min;
--   poor if value > poor_min.
--   LCP 2500/4000 ms, INP 200/500 ms, CLS 0.1/0.25, FCP 1800/3000 ms,
--   TTFB 800/1800 ms, FID (retired 2024-03-12) 100/300 ms.
-- ---------------------------------------------------------------------------
CREATE FUNCTION public.cwv_rating(metric TEXT, value NUMERIC)
RETURNS public.performance_rating_type
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
  good_max NUMERIC;
  poor_min NUMERIC;
BEGIN
  CASE lower(metric)
    WHEN 'lcp'  THEN good_max := 2500; poor_min := 4000;
    WHEN 'inp'  THEN good_max := 200;  poor_min := 500;
    WHEN 'cls'  THEN good_max := 0.1;  poor_min := 0.25;
    WHEN 'fcp'  THEN good_max := 1800; poor_min := 3000;
    WHEN 'ttfb' THEN good_max := 800;  poor_min := 1800;
    WHEN 'fid'  THEN good_max := 100;  poor_min := 300;
    ELSE RAISE EXCEPTION 'cwv_rating: unknown metric %', metric
           USING ERRCODE = 'invalid_parameter_value';
  END CASE;
  IF value IS NULL THEN
    RETURN NULL;
  ELSIF value > poor_min THEN
    RETURN 'poor';
  ELSIF value > good_max THEN
    RETURN 'needs_improvement';
  END IF;
  RETURN 'good';
END
$$;

-- Overall page rating from the three Core Web Vitals (LCP, INP, CLS): the
-- worst rating among those present; NULL when none is present. FID, FCP and
-- TTFB are not Core Web Vitals and do not count.
CREATE FUNCTION public.cwv_overall_rating(lcp NUMERIC, inp NUMERIC, cls NUMERIC)
RETURNS public.performance_rating_type
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT greatest(public.cwv_rating('lcp', lcp),
                  public.cwv_rating('inp', inp),
                  public.cwv_rating('cls', cls))
$$;

-- ---------------------------------------------------------------------------
-- Error fingerprint (grouping key, as error trackers do): service, error type
-- and the message with volatile parts normalised (UUIDs, hex, numbers), so
-- "timeout after 3012 ms for booking 8f1c..." groups with its siblings.
-- ---------------------------------------------------------------------------
CREATE FUNCTION public.error_fingerprint(service_name TEXT, error_type TEXT, message TEXT)
RETURNS TEXT
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT md5(
    coalesce(service_name, '') || E'\x1f' || coalesce(error_type, '') || E'\x1f' ||
    regexp_replace(
      regexp_replace(
        regexp_replace(
          lower(coalesce(message, '')),
          '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}', '<uuid>', 'g'),
        '0x[0-9a-f]+', '<hex>', 'g'),
      '[0-9]+', '<n>', 'g')
  )
$$;

-- Generic updated_at maintenance (BEFORE UPDATE).
CREATE FUNCTION public.set_updated_at()
RETURNS TRIGGER
LANGUAGE plpgsql
AS $$
BEGIN
  NEW.updated_at := CURRENT_TIMESTAMP;
  RETURN NEW;
END
$$;
