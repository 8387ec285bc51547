-- =============================================================================
-- The lab's catalogs (issue 19): what the object explorer reads, following the lab model.
--
-- test/lab/postgres.ts loads this file as the superuser after fixture.sql. It gives the lab
-- PostgreSQL the system views the product's catalog queries name:
--   lab_redshift.svv_all_schemas, svv_tables, svv_columns   Redshift's SVV views; every login's
--       search_path ends in lab_redshift, so they are found unqualified as on Redshift
--   sys.schemas, sys.objects, sys.columns, sys.types         SQL Server's catalog views, which
--       the lab TDS server's sessions read (it hands T-SQL to this database)
--
-- Visibility follows Immuta for the session's *effective* identity (the login, or the user it
-- impersonates), with the fixture's rule (immuta.data_source_visible): a data source the
-- effective user may not see is not listed, nor is a schema whose data sources are all hidden
-- and that holds nothing else the login may see. Everything that is not a data source is
-- listed as PostgreSQL's own catalog lists it for the login (any privilege on the table).
-- Each view checks the identity once per statement (immuta.whoami()), so an impersonation the
-- login may not hold fails the catalog read as it fails a data read; unlike a data read, a
-- catalog read writes no query_log row.
--
-- The lab's own schemas (lab_redshift, sys) and PostgreSQL's internals are never listed.
-- The sys views' ids are PostgreSQL oids (SQL Server's are int): joins on them stay on the
-- catalogs' indexes.
-- =============================================================================

SET client_min_messages = warning;

CREATE SCHEMA lab_redshift;
CREATE SCHEMA sys;

-- The data sources the session's effective user may not see; raises what effective_user raises.
CREATE FUNCTION immuta.hidden_data_sources()
RETURNS TABLE (hidden_schema text, hidden_name text)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_user immuta.users := immuta.effective_user();
BEGIN
  RETURN QUERY
    SELECT ds.schema_name, ds.view_name
    FROM immuta.data_sources AS ds
    WHERE NOT immuta.data_source_visible(v_user, ds);
END
$$;

-- A schema that holds at least one data source (to be listed, it must show something).
CREATE FUNCTION immuta.holds_data_sources(p_schema text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$ SELECT EXISTS (SELECT 1 FROM immuta.data_sources AS ds WHERE ds.schema_name = p_schema) $$;

-- Schemas a catalog never lists: PostgreSQL's internals and the lab's own.
CREATE FUNCTION immuta.lab_internal_schema(p_schema text) RETURNS boolean
LANGUAGE sql IMMUTABLE
AS $$ SELECT p_schema IN ('lab_redshift', 'sys', 'pg_toast') OR p_schema LIKE 'pg\_temp\_%' OR p_schema LIKE 'pg\_toast\_temp\_%' $$;

-- The relations a login's catalog lists (any privilege on them, as information_schema.tables
-- decides), less the data sources its effective user may not see. The privilege functions run
-- as the reader (current_user), though the view reads pg_class as its owner; the catalog views
-- below read it as their owner too, so logins need no grant on it. A plain view, so a level's
-- filter on schema and name reaches pg_class's indexes.
CREATE VIEW immuta.catalog_relations AS
SELECT c.oid AS relid,
       n.oid AS nspid,
       -- type name, not text: a level's filter on them stays on pg_class's and pg_namespace's indexes.
       n.nspname AS schema_name,
       c.relname AS relation_name,
       c.relkind IN ('v', 'm') AS is_view
FROM pg_catalog.pg_class AS c
JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND NOT immuta.lab_internal_schema(n.nspname)
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND (pg_has_role(c.relowner, 'USAGE') OR has_table_privilege(c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER'))
  AND NOT EXISTS (
    SELECT 1 FROM immuta.hidden_data_sources() AS h
    WHERE h.hidden_schema = n.nspname AND h.hidden_name = c.relname
  );

CREATE VIEW lab_redshift.svv_tables AS
SELECT current_database()::text AS table_catalog,
       r.schema_name AS table_schema,
       r.relation_name AS table_name,
       CASE WHEN r.is_view THEN 'VIEW' ELSE 'BASE TABLE' END AS table_type,
       obj_description(r.relid, 'pg_class') AS remarks
FROM immuta.catalog_relations AS r
CROSS JOIN immuta.whoami() AS who;

-- data_type and the lengths as information_schema.columns spells them (its own helpers).
CREATE VIEW lab_redshift.svv_columns AS
SELECT current_database()::text AS table_catalog,
       r.schema_name AS table_schema,
       r.relation_name AS table_name,
       a.attname::text AS column_name,
       a.attnum::int AS ordinal_position,
       pg_get_expr(d.adbin, d.adrelid) AS column_default,
       CASE WHEN a.attnotnull THEN 'NO' ELSE 'YES' END AS is_nullable,
       format_type(a.atttypid, NULL) AS data_type,
       information_schema._pg_char_max_length(a.atttypid, a.atttypmod)::int AS character_maximum_length,
       information_schema._pg_numeric_precision(a.atttypid, a.atttypmod)::int AS numeric_precision,
       information_schema._pg_numeric_precision_radix(a.atttypid, a.atttypmod)::int AS numeric_precision_radix,
       information_schema._pg_numeric_scale(a.atttypid, a.atttypmod)::int AS numeric_scale,
       col_description(r.relid, a.attnum) AS remarks
FROM immuta.catalog_relations AS r
CROSS JOIN immuta.whoami() AS who
JOIN pg_catalog.pg_attribute AS a ON a.attrelid = r.relid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_catalog.pg_attrdef AS d ON d.adrelid = a.attrelid AND d.adnum = a.attnum;

-- Redshift lists every schema here, pg_catalog and information_schema included.
CREATE VIEW lab_redshift.svv_all_schemas AS
SELECT current_database()::text AS database_name,
       n.nspname::text AS schema_name,
       n.nspowner::int AS schema_owner,
       'local'::text AS schema_type,
       array_to_string(n.nspacl, ',') AS schema_acl,
       NULL::text AS source_database,
       NULL::text AS schema_option
FROM pg_catalog.pg_namespace AS n
CROSS JOIN immuta.whoami() AS who
WHERE NOT immuta.lab_internal_schema(n.nspname)
  AND (NOT immuta.holds_data_sources(n.nspname)
       OR EXISTS (SELECT 1 FROM lab_redshift.svv_tables AS t WHERE t.table_schema = n.nspname));

-- SQL Server's names for the PostgreSQL types of the fixture's columns.
CREATE FUNCTION immuta.tsql_type_name(p_type regtype) RETURNS text
LANGUAGE sql IMMUTABLE
AS $$
  SELECT CASE p_type
    WHEN 'int4'::regtype THEN 'int'
    WHEN 'int8'::regtype THEN 'bigint'
    WHEN 'int2'::regtype THEN 'smallint'
    WHEN 'bool'::regtype THEN 'bit'
    WHEN 'numeric'::regtype THEN 'decimal'
    WHEN 'float8'::regtype THEN 'float'
    WHEN 'float4'::regtype THEN 'real'
    WHEN 'date'::regtype THEN 'date'
    WHEN 'timestamp'::regtype THEN 'datetime2'
    WHEN 'timestamptz'::regtype THEN 'datetimeoffset'
    WHEN 'uuid'::regtype THEN 'uniqueidentifier'
    WHEN 'bytea'::regtype THEN 'varbinary'
    ELSE 'nvarchar'
  END
$$;

CREATE VIEW sys.objects AS
SELECT r.relation_name AS name,
       r.relid AS object_id,
       r.nspid AS schema_id,
       -- char(2), as SQL Server's: 'U ' compares equal to N'U'.
       (CASE WHEN r.is_view THEN 'V' ELSE 'U' END)::char(2) AS type,
       CASE WHEN r.is_view THEN 'VIEW' ELSE 'USER_TABLE' END AS type_desc,
       false AS is_ms_shipped
FROM immuta.catalog_relations AS r
CROSS JOIN immuta.whoami() AS who;

-- SQL Server lists sys and INFORMATION_SCHEMA among a database's schemas; so does the lab.
CREATE VIEW sys.schemas AS
SELECT (CASE n.nspname WHEN 'information_schema' THEN 'INFORMATION_SCHEMA' ELSE n.nspname END)::name AS name,
       n.oid AS schema_id,
       n.nspowner::int AS principal_id
FROM pg_catalog.pg_namespace AS n
CROSS JOIN immuta.whoami() AS who
WHERE (n.nspname = 'sys' OR NOT immuta.lab_internal_schema(n.nspname))
  AND n.nspname <> 'pg_catalog'
  AND (NOT immuta.holds_data_sources(n.nspname)
       OR EXISTS (SELECT 1 FROM sys.objects AS o WHERE o.schema_id = n.oid));

-- max_length in bytes as SQL Server counts it: two per character of an nvarchar, -1 for MAX.
CREATE VIEW sys.columns AS
SELECT a.attrelid AS object_id,
       a.attname AS name,
       a.attnum::int AS column_id,
       a.atttypid AS system_type_id,
       a.atttypid AS user_type_id,
       (CASE
          WHEN a.atttypid IN ('varchar'::regtype, 'bpchar'::regtype) AND a.atttypmod > 4 THEN (a.atttypmod - 4) * 2
          WHEN immuta.tsql_type_name(a.atttypid::regtype) IN ('nvarchar', 'varbinary') THEN -1
          ELSE t.typlen
        END)::smallint AS max_length,
       (CASE
          WHEN a.atttypid = 'numeric'::regtype AND a.atttypmod > 4 THEN ((a.atttypmod - 4) >> 16) & 65535
          WHEN a.atttypid = 'numeric'::regtype THEN 38
          ELSE 0
        END)::smallint AS precision,
       (CASE WHEN a.atttypid = 'numeric'::regtype AND a.atttypmod > 4 THEN (a.atttypmod - 4) & 65535 ELSE 0 END)::smallint AS scale,
       NOT a.attnotnull AS is_nullable
FROM immuta.catalog_relations AS r
CROSS JOIN immuta.whoami() AS who
JOIN pg_catalog.pg_attribute AS a ON a.attrelid = r.relid
JOIN pg_catalog.pg_type AS t ON t.oid = a.atttypid
WHERE a.attnum > 0
  AND NOT a.attisdropped;

CREATE VIEW sys.types AS
SELECT immuta.tsql_type_name(t.oid::regtype) AS name,
       t.oid AS system_type_id,
       t.oid AS user_type_id
FROM pg_catalog.pg_type AS t;

GRANT USAGE ON SCHEMA lab_redshift, sys TO lab_login;
GRANT SELECT ON ALL TABLES IN SCHEMA lab_redshift, sys TO lab_login;
REVOKE ALL ON FUNCTION immuta.hidden_data_sources(), immuta.holds_data_sources(text) FROM PUBLIC;
-- The views call these with the reader's privileges, so readers need them.
GRANT EXECUTE ON FUNCTION immuta.hidden_data_sources(), immuta.holds_data_sources(text), immuta.lab_internal_schema(text), immuta.tsql_type_name(regtype) TO lab_login;

-- Redshift finds its SVV views without a schema (they live in pg_catalog there).
DO $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT u.login_role FROM immuta.users AS u WHERE u.login_role IS NOT NULL ORDER BY u.id LOOP
    EXECUTE format('ALTER ROLE %I SET search_path = "$user", public, lab_redshift', r.login_role);
  END LOOP;
END
$$;
