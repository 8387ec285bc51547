-- =============================================================================
-- An Immuta-like world for the test lab (PostgreSQL 18).
--
-- test/lab/postgres.ts loads this file as the superuser into a fresh database `lab`, then
-- gives every login role a password. The same database backs the other lab servers (Trino,
-- Snowflake, Databricks, SQL Server and Immuta REST peers), so everything that varies is
-- data: users, projects and data sources are rows, and roles and grants are derived from them.
--
-- What a login sees is decided at query time, as Immuta does:
--   * immuta_procedures.impersonate_user(username) only records a name in the session
--     (Redshift-style; it checks nothing, like Immuta's lazy check on Trino);
--   * every policy view calls immuta.access_context(<data source>) once per statement, which
--     checks the login and the impersonation, writes one row to immuta.query_log and returns
--     the effective user's attributes, groups and project, which the view filters and masks by.
--
-- Schemas:
--   immuta             metadata (users, projects, data sources, query log) and policy functions
--   immuta_procedures  impersonate_user, as Immuta installs it in Redshift
--   immuta_raw         the raw tables; no login can read them
--   sales, fraud, marketing   the policy views ("data sources") that logins read
--   public             public.notes, a plain table without any policy
-- =============================================================================

SET client_min_messages = warning;

CREATE SCHEMA immuta;
CREATE SCHEMA immuta_procedures;
CREATE SCHEMA immuta_raw;
CREATE SCHEMA sales;
CREATE SCHEMA fraud;
CREATE SCHEMA marketing;

-- -----------------------------------------------------------------------------
-- Metadata
-- -----------------------------------------------------------------------------

CREATE TABLE immuta.projects (
  id          serial PRIMARY KEY,
  name        text UNIQUE NOT NULL,
  description text
);

CREATE TABLE immuta.users (
  id                 serial PRIMARY KEY,
  name               text UNIQUE NOT NULL,                 -- the Immuta username
  email              text,
  iam                text NOT NULL DEFAULT 'bim',
  login_role         text UNIQUE,                          -- PostgreSQL role that logs in as this user
  synapse_user       text,                                 -- database user for EXECUTE AS USER on Synapse
  attributes         jsonb NOT NULL DEFAULT '{}',          -- e.g. {"region":["US"],"department":["Sales"]}
  groups             text[] NOT NULL DEFAULT '{}',
  permissions        text[] NOT NULL DEFAULT '{}',         -- e.g. {IMPERSONATE_USER}
  current_project_id int REFERENCES immuta.projects (id)   -- the project the user is acting under
);

CREATE TABLE immuta.project_members (
  project_id int NOT NULL REFERENCES immuta.projects (id),
  user_id    int NOT NULL REFERENCES immuta.users (id),
  PRIMARY KEY (project_id, user_id)
);

CREATE TABLE immuta.data_sources (
  id           serial PRIMARY KEY,
  name         text UNIQUE NOT NULL,                       -- the Immuta data source name
  schema_name  text NOT NULL,                              -- where its policy view lives
  view_name    text NOT NULL,
  project_ids  int[] NOT NULL DEFAULT '{}',                -- projects that include it
  -- A purpose restriction ("limit usage to purposes ... within a project"): readable only
  -- while the user acts under a project that includes the data source.
  project_only boolean NOT NULL DEFAULT false
);

-- One row each time a policy view is read (written by immuta.access_context), so tests can
-- prove which identity every data-reading statement ran as. The row is written in the
-- reader's transaction: a rolled-back transaction takes its rows with it, and reads inside a
-- READ ONLY transaction are enforced but not logged (a read-only transaction cannot insert).
CREATE TABLE immuta.query_log (
  id             bigserial PRIMARY KEY,
  at             timestamptz NOT NULL DEFAULT clock_timestamp(),
  backend_pid    int NOT NULL DEFAULT pg_backend_pid(),
  login          text NOT NULL,                            -- session_user
  effective_user text NOT NULL,                            -- the Immuta user the data was read as
  impersonating  boolean NOT NULL,
  data_source    text NOT NULL,
  statement      text                                      -- current_query()
);

-- -----------------------------------------------------------------------------
-- Projects, users, data sources
-- -----------------------------------------------------------------------------

INSERT INTO immuta.projects (name, description) VALUES
  ('Fraud Analytics',    'Investigates suspicious transactions; includes Fraud Cases and Customers'),
  ('Marketing Insights', 'Campaign performance; includes Campaigns');

-- Immuta names are emails, except the edge case o'brien (a quote in the name).
-- Users with a login_role get a PostgreSQL login of that name (created below).
INSERT INTO immuta.users (name, email, login_role, synapse_user, attributes, groups, permissions, current_project_id)
SELECT u.name, u.email, u.login_role, u.synapse_user,
       u.attributes::jsonb, u.groups::text[], u.permissions::text[],
       (SELECT p.id FROM immuta.projects AS p WHERE p.name = u.project)
FROM (VALUES
  --  name                    email                    login_role  synapse_user  attributes                                                    groups           permissions                      current project
  ('governor@example.com', 'governor@example.com', 'governor', 'governor', '{"region":["US","EU","APAC"],"department":["Governance"]}', '{global}',      '{IMPERSONATE_USER,GOVERNANCE}', NULL),
  ('analyst@example.com',  'analyst@example.com',  'analyst',  'analyst',  '{"region":["US"],"department":["Analytics"]}',             '{}',            '{}',                            NULL),
  ('owner@example.com',    'owner@example.com',    'owner',    'owner',    '{"region":["EU"],"department":["Data Platform"]}',         '{pii_readers}', '{IMPERSONATE_USER}',            NULL),
  ('alice@example.com',    'alice@example.com',    NULL,       'alice',    '{"region":["US"],"department":["Sales"]}',                 '{}',            '{}',                            NULL),
  ('bob@example.com',      'bob@example.com',      NULL,       'bob',      '{"region":["EU"],"department":["Fraud"]}',                 '{fraud_team}',  '{}',                            'Fraud Analytics'),
  ('carol@example.com',    'carol@example.com',    NULL,       'carol',    '{"region":["APAC"]}',                                      '{pii_readers}', '{}',                            NULL),
  ('dave@example.com',     'dave@example.com',     NULL,       'dave',     '{"region":["US"]}',                                        '{}',            '{}',                            'Marketing Insights'),
  ('o''brien',             'obrien@example.com',   NULL,       'o''brien', '{"region":["US"],"department":["Legal"]}',                 '{}',            '{}',                            NULL)
) AS u (name, email, login_role, synapse_user, attributes, groups, permissions, project);

-- Everyone acting under a project is a member of it; carol is a member of Fraud Analytics
-- without acting under it (membership alone changes nothing).
INSERT INTO immuta.project_members (project_id, user_id)
SELECT u.current_project_id, u.id FROM immuta.users AS u WHERE u.current_project_id IS NOT NULL
UNION
SELECT p.id, u.id FROM immuta.projects AS p, immuta.users AS u
WHERE p.name = 'Fraud Analytics' AND u.name = 'carol@example.com';

INSERT INTO immuta.data_sources (name, schema_name, view_name, project_ids, project_only)
SELECT d.name, d.schema_name, d.view_name,
       ARRAY(SELECT p.id FROM immuta.projects AS p WHERE p.name = ANY (d.projects::text[]) ORDER BY p.id),
       d.project_only
FROM (VALUES
  ('Customers',   'sales',     'customers', '{"Fraud Analytics"}',    false),
  ('Fraud Cases', 'fraud',     'cases',     '{"Fraud Analytics"}',    true),
  ('Campaigns',   'marketing', 'campaigns', '{"Marketing Insights"}', true)
) AS d (name, schema_name, view_name, projects, project_only);

-- -----------------------------------------------------------------------------
-- Raw data (deterministic)
-- -----------------------------------------------------------------------------

CREATE TABLE immuta_raw.customers (
  id           int PRIMARY KEY,
  full_name    text NOT NULL,
  email        text NOT NULL,
  region       text NOT NULL,
  ssn          text NOT NULL,
  credit_limit numeric(12,2) NOT NULL,
  signup_date  date NOT NULL
);

-- 1500 customers, 500 in each region (US, EU, APAC in turn).
INSERT INTO immuta_raw.customers
SELECT g,
       n.first_name || ' ' || n.last_name,
       regexp_replace(lower(n.first_name || '.' || n.last_name), '[^a-z.]', '', 'g') || g || '@example.org',
       (ARRAY['US', 'EU', 'APAC'])[1 + (g - 1) % 3],
       lpad((100 + g * 7 % 800)::text, 3, '0') || '-' || lpad((10 + g * 3 % 90)::text, 2, '0') || '-' || lpad((g * 7919 % 10000)::text, 4, '0'),
       (1000 + (g * 37 % 50) * 500)::numeric(12,2),
       date '2020-01-01' + (g * 13 % 1826)
FROM generate_series(1, 1500) AS g
CROSS JOIN LATERAL (
  SELECT (ARRAY['Ava', 'Ben', 'Chloe', 'Diego', 'Emma', 'Farid', 'Grace', 'Hiro', 'Ines', 'Jonas'])[1 + g % 10] AS first_name,
         (ARRAY['Smith', 'Garcia', 'Müller', 'Tanaka', 'O''Neil', 'Dubois', 'Rossi', 'Kim', 'Novak', 'Silva'])[1 + (g / 10) % 10] AS last_name
) AS n;

CREATE TABLE immuta_raw.fraud_cases (
  id          int PRIMARY KEY,
  customer_id int NOT NULL REFERENCES immuta_raw.customers (id),
  opened_on   date NOT NULL,
  status      text NOT NULL,
  amount      numeric(12,2) NOT NULL,
  summary     text NOT NULL
);

-- 400 fraud cases.
INSERT INTO immuta_raw.fraud_cases
SELECT g,
       1 + (g * 17) % 1500,
       date '2024-01-01' + g % 365,
       (ARRAY['open', 'investigating', 'closed'])[1 + g % 3],
       (50 + (g * 7919) % 100000 / 100.0)::numeric(12,2),
       'Case ' || g || ': ' || (ARRAY['card not present', 'account takeover', 'refund abuse', 'identity theft'])[1 + g % 4]
FROM generate_series(1, 400) AS g;

CREATE TABLE immuta_raw.campaigns (
  id        int PRIMARY KEY,
  name      text NOT NULL,
  channel   text NOT NULL,
  region    text NOT NULL,
  budget    numeric(12,2) NOT NULL,
  starts_on date NOT NULL
);

-- 240 campaigns.
INSERT INTO immuta_raw.campaigns
SELECT g,
       'Campaign ' || g,
       (ARRAY['email', 'search', 'social', 'display'])[1 + g % 4],
       (ARRAY['US', 'EU', 'APAC'])[1 + g % 3],
       (5000 + (g * 131) % 95000)::numeric(12,2),
       date '2025-01-01' + (g * 3) % 365
FROM generate_series(1, 240) AS g;

-- A plain table without policy, for tests that need ordinary statements.
CREATE TABLE public.notes (
  id   serial PRIMARY KEY,
  body text
);

-- -----------------------------------------------------------------------------
-- Impersonation (Redshift-style, as Immuta documents it for Redshift)
-- -----------------------------------------------------------------------------

-- Records the user to impersonate in the session; NULL ends impersonation. It checks nothing:
-- neither the caller's IMPERSONATE_USER permission nor that the user exists. Those are checked
-- when a policy view is read (immuta.effective_user).
--
-- HAZARD: set_config(..., false) is session-wide but TRANSACTIONAL. Called inside a
-- transaction that rolls back (or in a savepoint that is rolled back), the previous value comes
-- back. An extension that changes impersonation inside an open transaction can therefore
-- believe it is "acting as X" while the session silently reads as someone else; it must refuse
-- to change impersonation inside a transaction. DISCARD ALL / RESET ALL also end impersonation.
CREATE PROCEDURE immuta_procedures.impersonate_user(username text)
LANGUAGE plpgsql
AS $$
BEGIN
  PERFORM set_config('immuta.impersonate_user', coalesce(username, ''), false);
END
$$;

-- The impersonated user's name, or NULL. A test helper; Redshift documents nothing like it.
CREATE FUNCTION immuta.current_impersonation() RETURNS text
LANGUAGE sql STABLE
AS $$ SELECT nullif(current_setting('immuta.impersonate_user', true), '') $$;

-- -----------------------------------------------------------------------------
-- Policy enforcement
-- -----------------------------------------------------------------------------

-- The Immuta user that a read in this session runs as, or an error:
--   1. the login (session_user) must be linked to an Immuta user (users.login_role), else
--      42501 "Login <login> is not linked to an Immuta user";
--   2. without impersonation, the effective user is the login's own Immuta user;
--   3. with impersonation, the login's Immuta user must hold IMPERSONATE_USER, else
--      42501 "Immuta: <login's Immuta user> does not have the IMPERSONATE_USER permission;
--      cannot query as <target>"; and the target must exist, else
--      42704 "Immuta: no Immuta user named <target>". The effective user is the target.
CREATE FUNCTION immuta.effective_user() RETURNS immuta.users
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_login  text := session_user;
  v_target text := nullif(current_setting('immuta.impersonate_user', true), '');
  v_self   immuta.users;
  v_user   immuta.users;
BEGIN
  SELECT * INTO v_self FROM immuta.users AS u WHERE u.login_role = v_login;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING
      ERRCODE = 'insufficient_privilege',
      MESSAGE = format('Login %s is not linked to an Immuta user', v_login);
  END IF;

  IF v_target IS NULL THEN
    RETURN v_self;
  END IF;

  IF NOT 'IMPERSONATE_USER' = ANY (v_self.permissions) THEN
    RAISE EXCEPTION USING
      ERRCODE = 'insufficient_privilege',
      MESSAGE = format('Immuta: %s does not have the IMPERSONATE_USER permission; cannot query as %s', v_self.name, v_target),
      DETAIL  = format('Login %I called immuta_procedures.impersonate_user(%L).', v_login, v_target),
      HINT    = 'End impersonation with CALL immuta_procedures.impersonate_user(NULL).';
  END IF;

  SELECT * INTO v_user FROM immuta.users AS u WHERE u.name = v_target;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING
      ERRCODE = 'undefined_object',
      MESSAGE = format('Immuta: no Immuta user named %s', v_target),
      DETAIL  = format('Login %I called immuta_procedures.impersonate_user(%L).', v_login, v_target),
      HINT    = 'End impersonation with CALL immuta_procedures.impersonate_user(NULL).';
  END IF;

  RETURN v_user;
END
$$;

-- Who a read would run as right now: same checks and errors as a policy view, but writes no
-- query_log row. For tests.
CREATE FUNCTION immuta.whoami(OUT login text, OUT effective_user text)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$ SELECT session_user::text, (immuta.effective_user()).name $$;

-- The project rule of Immuta visibility, in one place: a user acting under a project sees only
-- the data sources the project includes; a user acting under no project sees every data source
-- that is not project_only. Policy views (access_context) and the lab's catalog views
-- (catalog-views.sql) both ask it.
CREATE FUNCTION immuta.data_source_visible(p_user immuta.users, p_source immuta.data_sources) RETURNS boolean
LANGUAGE sql IMMUTABLE
AS $$
  SELECT CASE
    WHEN p_user.current_project_id IS NULL THEN NOT p_source.project_only
    ELSE p_user.current_project_id = ANY (p_source.project_ids)
  END
$$;

-- The policy context of one read of one data source. Every policy view calls it once per
-- statement, in FROM, as the outer side of a LATERAL join, so it runs before any row of the
-- view is read, even when the user's WHERE clause matches none. A view that the executor never
-- reaches runs no check and writes no log row: LIMIT 0, WHERE false, or the second side of a
-- join whose first side is empty. Test identity with statements that really read the view.
--
-- Rules:
--   * identity: immuta.effective_user() (above); errors stop the statement;
--   * audit: one immuta.query_log row per call (login, effective user, impersonating flag,
--     data source, current_query());
--   * project context (data_source_visible):
--       - a user acting under a project sees only data sources that the project includes;
--         every other data source returns zero rows;
--       - a user acting under no project sees every data source that is not project_only;
--         project_only data sources return zero rows;
--   * row filters and masking are per view, from the returned attributes and groups:
--       - region filter: the row's region must be in the user's "region" attribute; users in
--         group "global" see every region;
--       - masking: ssn shows only its last four digits unless the user is in "pii_readers".
CREATE FUNCTION immuta.access_context(p_data_source text)
RETURNS TABLE (effective_user text, attributes jsonb, groups text[], current_project_id int, data_source_visible boolean)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER ROWS 1
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_user   immuta.users := immuta.effective_user();
  v_source immuta.data_sources;
BEGIN
  SELECT * INTO v_source FROM immuta.data_sources AS ds WHERE ds.name = p_data_source;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING
      ERRCODE = 'undefined_object',
      MESSAGE = format('Immuta: no data source named %s', p_data_source);
  END IF;

  IF NOT current_setting('transaction_read_only')::boolean THEN
    INSERT INTO immuta.query_log (login, effective_user, impersonating, data_source, statement)
    VALUES (session_user, v_user.name, immuta.current_impersonation() IS NOT NULL, p_data_source, current_query());
  END IF;

  RETURN QUERY SELECT
    v_user.name,
    v_user.attributes,
    v_user.groups,
    v_user.current_project_id,
    immuta.data_source_visible(v_user, v_source);
END
$$;

-- -----------------------------------------------------------------------------
-- Policy views. Each reads its raw table inside a LATERAL subquery that depends on the
-- context; OFFSET 0 keeps the planner from flattening it, so the context stays the outer side
-- and is evaluated once per statement. security_barrier keeps user predicates from being
-- evaluated on rows the policy filters out.
-- -----------------------------------------------------------------------------

-- Data source "Customers": region filter, ssn masked.
CREATE VIEW sales.customers WITH (security_barrier) AS
SELECT c.id,
       c.full_name,
       c.email,
       c.region,
       CASE WHEN 'pii_readers' = ANY (ctx.groups) THEN c.ssn ELSE '***-**-' || right(c.ssn, 4) END AS ssn,
       c.credit_limit,
       c.signup_date
FROM immuta.access_context('Customers') AS ctx
CROSS JOIN LATERAL (
  SELECT r.*
  FROM immuta_raw.customers AS r
  WHERE ctx.data_source_visible
    AND ('global' = ANY (ctx.groups) OR (ctx.attributes -> 'region') ? r.region)
  OFFSET 0
) AS c;

-- Data source "Fraud Cases": only within the Fraud Analytics project.
CREATE VIEW fraud.cases WITH (security_barrier) AS
SELECT f.id, f.customer_id, f.opened_on, f.status, f.amount, f.summary
FROM immuta.access_context('Fraud Cases') AS ctx
CROSS JOIN LATERAL (
  SELECT r.* FROM immuta_raw.fraud_cases AS r WHERE ctx.data_source_visible OFFSET 0
) AS f;

-- Data source "Campaigns": only within the Marketing Insights project.
CREATE VIEW marketing.campaigns WITH (security_barrier) AS
SELECT m.id, m.name, m.channel, m.region, m.budget, m.starts_on
FROM immuta.access_context('Campaigns') AS ctx
CROSS JOIN LATERAL (
  SELECT r.* FROM immuta_raw.campaigns AS r WHERE ctx.data_source_visible OFFSET 0
) AS m;

-- -----------------------------------------------------------------------------
-- Logins and grants, derived from the rows above
-- -----------------------------------------------------------------------------

-- Every login is a member of lab_login, which holds the grants. Logins get no password here:
-- postgres.ts sets one per start. None is a superuser, none can read immuta_raw or the
-- immuta tables; they read policy views, call the procedure and use public.notes.
CREATE ROLE lab_login NOLOGIN;

DO $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT u.login_role FROM immuta.users AS u WHERE u.login_role IS NOT NULL ORDER BY u.id LOOP
    EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS IN ROLE lab_login', r.login_role);
  END LOOP;

  FOR r IN SELECT DISTINCT ds.schema_name FROM immuta.data_sources AS ds ORDER BY 1 LOOP
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO lab_login', r.schema_name);
  END LOOP;

  FOR r IN SELECT ds.schema_name, ds.view_name FROM immuta.data_sources AS ds ORDER BY ds.id LOOP
    EXECUTE format('GRANT SELECT ON %I.%I TO lab_login', r.schema_name, r.view_name);
  END LOOP;
END
$$;

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA immuta FROM PUBLIC;
REVOKE ALL ON ALL PROCEDURES IN SCHEMA immuta_procedures FROM PUBLIC;

GRANT USAGE ON SCHEMA immuta, immuta_procedures TO lab_login;
GRANT EXECUTE ON PROCEDURE immuta_procedures.impersonate_user(text) TO lab_login;
-- access_context is called by the views with the reader's privileges, so readers need it.
GRANT EXECUTE ON FUNCTION immuta.access_context(text), immuta.current_impersonation(), immuta.whoami() TO lab_login;

GRANT SELECT, INSERT, UPDATE, DELETE ON public.notes TO lab_login;
GRANT USAGE ON SEQUENCE public.notes_id_seq TO lab_login;
