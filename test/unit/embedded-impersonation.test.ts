import * as assert from 'node:assert/strict';
import { classifyStatement as classifyDatabricks } from '../../src/platforms/databricks/dialect';
import { classifyStatement as classifyRedshift } from '../../src/platforms/redshift/dialect';
import { classifyStatement as classifySnowflake } from '../../src/platforms/snowflake/dialect';
import { classifyStatement as classifySynapse } from '../../src/platforms/synapse/dialect';
import { classifyStatement as classifyTrino } from '../../src/platforms/trino/dialect';
import type { StatementEffect } from '../../src/platforms/types';
import type { SqlDialectId } from '../../src/sql/dialects';
import { splitStatements } from '../../src/sql/splitter';

/**
 * Documents as users write them, cut by the real splitter (which keeps blocks whole) and
 * classified statement by statement, as a run of the document does: the block holding an
 * impersonation statement is refused as a whole, the lone documented statement is still
 * followed, and the statements around them are ordinary.
 */
interface Case {
  readonly platform: string;
  readonly dialect: SqlDialectId;
  readonly classify: (sql: string) => StatementEffect;
  readonly document: string;
  readonly kinds: readonly StatementEffect['kind'][];
}

const CASES: readonly Case[] = [
  {
    platform: 'Redshift',
    dialect: 'postgres',
    classify: classifyRedshift,
    document: [
      "CALL immuta_procedures.impersonate_user('bob@example.com');",
      "DO $$\nBEGIN\n  CALL immuta_procedures.impersonate_user('eve');\nEND\n$$;",
      'CREATE PROCEDURE stop_it() LANGUAGE sql\nBEGIN ATOMIC\n  CALL immuta_procedures.impersonate_user(NULL);\n  SELECT 1;\nEND;',
      "CREATE RULE r AS ON INSERT TO t DO ALSO (SELECT 1; CALL immuta_procedures.impersonate_user('eve'));",
      'SELECT * FROM sales.customers;',
      'CALL immuta_procedures.impersonate_user(NULL);',
    ].join('\n'),
    kinds: ['impersonate', 'impersonation-embedded', 'impersonation-embedded', 'impersonation-embedded', 'ordinary', 'stop-impersonating'],
  },
  {
    platform: 'Synapse',
    dialect: 'tsql',
    classify: classifySynapse,
    document: [
      "EXEC sys.sp_set_session_context @key = N'immuta_user',\n@value = 'bob';",
      'GO',
      "CREATE PROCEDURE dbo.as_eve AS\nBEGIN\n  EXEC sys.sp_set_session_context @key = N'immuta_user', @value = 'eve';\n  SELECT 1;\nEND",
      'GO',
      "BEGIN TRY\n  EXEC sys.sp_set_session_context @key = N'immuta_user', @value = NULL;\nEND TRY\nBEGIN CATCH\n  SELECT ERROR_MESSAGE();\nEND CATCH",
      'SELECT * FROM sales.customers;',
      "EXEC sys.sp_set_session_context @key = N'immuta_user', @value = NULL;",
    ].join('\n'),
    kinds: ['impersonate', 'impersonation-embedded', 'impersonation-embedded', 'ordinary', 'stop-impersonating'],
  },
  {
    platform: 'Snowflake',
    dialect: 'snowflake',
    classify: classifySnowflake,
    document: [
      "SET IMMUTA_IMP_USER = 'bob@example.com';",
      "DECLARE\n  n INTEGER DEFAULT 0;\nBEGIN\n  SET IMMUTA_IMP_USER = 'eve';\n  SELECT COUNT(*) INTO :n FROM sales.customers;\n  RETURN n;\nEND;",
      'BEGIN\n  UNSET IMMUTA_IMP_USER;\nEND;',
      'SELECT * FROM sales.customers;',
      'UNSET IMMUTA_IMP_USER;',
    ].join('\n'),
    kinds: ['impersonate', 'impersonation-embedded', 'impersonation-embedded', 'ordinary', 'stop-impersonating'],
  },
  {
    platform: 'Databricks',
    dialect: 'spark',
    classify: (sql) => classifyDatabricks(sql),
    document: [
      'SET immuta.impersonate.user = `bob@example.com`;',
      'BEGIN\n  DECLARE x INT DEFAULT 1;\n  IF x = 1 THEN\n    SET immuta.impersonate.user = `eve`;\n  END IF;\nEND;',
      'outer: BEGIN\n  RESET immuta.impersonate.user;\nEND outer;',
      'SELECT * FROM sales.customers;',
      'RESET immuta.impersonate.user;',
    ].join('\n'),
    kinds: ['impersonate', 'impersonation-embedded', 'impersonation-embedded', 'ordinary', 'stop-impersonating'],
  },
  {
    platform: 'Trino',
    dialect: 'trino',
    classify: (sql) => classifyTrino(sql),
    document: [
      "SET SESSION immuta.immuta_user = 'bob@example.com';",
      "CREATE FUNCTION as_eve()\nRETURNS varchar\nBEGIN\n  SET SESSION immuta.immuta_user = 'eve';\n  RETURN 'x';\nEND;",
      'SELECT * FROM sales.customers;',
      'RESET SESSION immuta.immuta_user;',
    ].join('\n'),
    kinds: ['impersonate', 'impersonation-embedded', 'ordinary', 'stop-impersonating'],
  },
];

describe('impersonation statements in documents cut by the block-aware splitter', () => {
  for (const { platform, dialect, classify, document, kinds } of CASES) {
    it(`${platform}: a block holding one is refused whole; alone it is followed`, () => {
      const { statements, problems } = splitStatements(document, dialect);
      assert.deepEqual(problems, []);
      assert.deepEqual(
        statements.map((statement) => classify(statement.text).kind),
        kinds,
        JSON.stringify(statements.map((statement) => statement.text)),
      );
    });
  }
});
