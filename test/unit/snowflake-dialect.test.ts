import * as assert from 'node:assert/strict';
import {
  classifyFor,
  classifyStatement,
  parseStringLiteral,
  quoteIdentifier,
  quoteString,
  validateUserName,
  validateVariableName,
} from '../../src/platforms/snowflake/dialect';
import { mapStatementError, positionIn } from '../../src/platforms/snowflake/errors';

const HOSTILE = ["o'brien", 'a"b', "x'); drop table t; --", 'Zoë 山田 🚀 ünïcödé', 'n'.repeat(300), '\\', 'bob@example.com; SELECT 1', "\\'; SELECT 1; --"];

describe('Snowflake dialect', () => {
  describe('classifyStatement (default variable IMMUTA_IMP_USER)', () => {
    const cases: [string, ReturnType<typeof classifyStatement>][] = [
      ["SET IMMUTA_IMP_USER = 'bob@example.com'", { kind: 'impersonate', user: 'bob@example.com' }],
      ["set immuta_imp_user='bob@example.com';", { kind: 'impersonate', user: 'bob@example.com' }],
      ['SET "IMMUTA_IMP_USER" = \'bob\'', { kind: 'impersonate', user: 'bob' }],
      ["-- as bob\n// really\n/* yes */ SET IMMUTA_IMP_USER = 'o''brien'", { kind: 'impersonate', user: "o'brien" }],
      ["SET IMMUTA_IMP_USER = 'o\\'brien\\\\'", { kind: 'impersonate', user: "o'brien\\" }],
      ['SET IMMUTA_IMP_USER = $$a"b$$', { kind: 'impersonate', user: 'a"b' }],
      ['UNSET IMMUTA_IMP_USER', { kind: 'stop-impersonating' }],
      ['unset (other, immuta_imp_user);', { kind: 'stop-impersonating' }],
      ['SET IMMUTA_IMP_USER = NULL', { kind: 'stop-impersonating' }],
      ["SET IMMUTA_IMP_USER = ''", { kind: 'stop-impersonating' }],
      ["SET IMMUTA_IMP_USER = lower('BOB')", { kind: 'impersonation-unparsed' }],
      ["SET IMMUTA_IMP_USER = 'a' || 'b'", { kind: 'impersonation-unparsed' }],
      ["SET (A, IMMUTA_IMP_USER) = (1, 'bob')", { kind: 'impersonation-unparsed' }],
      ["EXECUTE IMMEDIATE 'SET IMMUTA_IMP_USER = ''bob'''", { kind: 'impersonation-embedded' }],
      ["BEGIN SET IMMUTA_IMP_USER = 'x'; END", { kind: 'impersonation-embedded' }],
      ['USE ROLE SYSADMIN', { kind: 'session-reset' }],
      ['use secondary roles all', { kind: 'session-reset' }],
      ["SET OTHER_VAR = 'bob'", { kind: 'ordinary' }],
      ['UNSET OTHER_VAR', { kind: 'ordinary' }],
      ['SELECT $IMMUTA_IMP_USER', { kind: 'ordinary' }],
      ["SELECT 'SET IMMUTA_IMP_USER = 1' AS text", { kind: 'ordinary' }],
      ['SELECT 1 // SET IMMUTA_IMP_USER = 1', { kind: 'ordinary' }],
      ['USE WAREHOUSE wh', { kind: 'ordinary' }],
      ['SELECT * FROM sales.customers', { kind: 'ordinary' }],
    ];
    for (const [sql, expected] of cases) {
      it(`${JSON.stringify(sql)} → ${expected.kind}`, () => {
        assert.deepEqual(classifyStatement(sql), expected);
      });
    }

    it('follows a profile\u2019s own variable name, and not the default one then', () => {
      assert.deepEqual(classifyFor("SET MY_IMP = 'bob'", 'MY_IMP'), { kind: 'impersonate', user: 'bob' });
      assert.deepEqual(classifyFor('unset my_imp', 'MY_IMP'), { kind: 'stop-impersonating' });
      assert.deepEqual(classifyFor("SET IMMUTA_IMP_USER = 'bob'", 'MY_IMP'), { kind: 'ordinary' });
    });
  });

  describe('SET/UNSET inside a scripting block, procedure, EXECUTE IMMEDIATE or batch is refused as embedded', () => {
    const embedded = [
      // Anonymous blocks as Snowsight runs them.
      "BEGIN\n  SET IMMUTA_IMP_USER = 'bob@example.com';\n  SELECT 1;\nEND;",
      "DECLARE\n  n INTEGER DEFAULT 0;\nBEGIN\n  SET IMMUTA_IMP_USER = 'bob@example.com';\n  SELECT COUNT(*) INTO :n FROM sales.customers;\n  RETURN n;\nEND;",
      'BEGIN\n  UNSET IMMUTA_IMP_USER;\nEND;',
      "BEGIN\n  IF (1 = 1) THEN\n    SET IMMUTA_IMP_USER = NULL;\n  END IF;\nEND;",
      // Procedure bodies, with and without $$, and one run at once with WITH ... CALL.
      "CREATE OR REPLACE PROCEDURE as_bob() RETURNS INTEGER LANGUAGE SQL EXECUTE AS CALLER AS\nBEGIN\n  SET IMMUTA_IMP_USER = 'bob';\n  RETURN 1;\nEND;",
      "CREATE OR REPLACE PROCEDURE as_bob() RETURNS INTEGER LANGUAGE SQL EXECUTE AS CALLER AS\n$$\nBEGIN\n  SET IMMUTA_IMP_USER = 'bob';\n  RETURN 1;\nEND;\n$$;",
      "WITH as_bob AS PROCEDURE () RETURNS INTEGER LANGUAGE SQL AS $$ BEGIN UNSET IMMUTA_IMP_USER; RETURN 1; END $$ CALL as_bob()",
      // Dynamic SQL, as SnowSQL users write blocks.
      "EXECUTE IMMEDIATE $$\nBEGIN\n  SET IMMUTA_IMP_USER = 'bob';\nEND;\n$$;",
      "EXECUTE IMMEDIATE 'UNSET IMMUTA_IMP_USER'",
      // Next to other statements in one text.
      "SET IMMUTA_IMP_USER = 'bob'; SELECT * FROM sales.customers",
      'UNSET IMMUTA_IMP_USER; SELECT 1',
      "USE ROLE IMMUTA_IMPERSONATION; SET IMMUTA_IMP_USER = 'bob';",
    ];
    for (const sql of embedded) {
      it(JSON.stringify(sql), () => assert.deepEqual(classifyStatement(sql), { kind: 'impersonation-embedded' }));
    }

    it('follows the profile’s own variable inside blocks too', () => {
      assert.deepEqual(classifyFor("BEGIN SET MY_IMP = 'bob'; END;", 'MY_IMP'), { kind: 'impersonation-embedded' });
      assert.deepEqual(classifyFor("BEGIN SET IMMUTA_IMP_USER = 'bob'; END;", 'MY_IMP'), { kind: 'ordinary' });
    });

    it('a lone SET or UNSET with a trailing ; is still followed', () => {
      assert.deepEqual(classifyStatement("SET IMMUTA_IMP_USER = 'bob';"), { kind: 'impersonate', user: 'bob' });
      assert.deepEqual(classifyStatement('UNSET IMMUTA_IMP_USER;\n'), { kind: 'stop-impersonating' });
    });

    it('blocks that leave the variable alone stay ordinary', () => {
      for (const sql of [
        'DECLARE\n  x INTEGER DEFAULT 1;\nBEGIN\n  LET y INTEGER := x + 1;\n  RETURN y;\nEND;',
        "BEGIN\n  SET OTHER_VAR = 'x';\n  SELECT $IMMUTA_IMP_USER;\nEND;",
        "SELECT $$ SET IMMUTA_IMP_USER = 'x' $$ AS text",
        'CREATE PROCEDURE p() RETURNS INTEGER LANGUAGE SQL AS $$ BEGIN RETURN 1; END $$',
      ]) {
        assert.deepEqual(classifyStatement(sql), { kind: 'ordinary' }, sql);
      }
    });
  });

  describe('quoting', () => {
    it('string literals round-trip every hostile name through the parser', () => {
      for (const name of HOSTILE) {
        assert.equal(parseStringLiteral(quoteString(name)), name, name);
        assert.deepEqual(classifyStatement(`SET IMMUTA_IMP_USER = ${quoteString(name)}`), { kind: 'impersonate', user: name });
      }
    });

    it('escapes backslashes, which start escape sequences in Snowflake literals', () => {
      assert.equal(quoteString('\\'), "'\\\\'");
      assert.equal(quoteString("o'brien"), "'o''brien'");
      // Unescaped, '\' would swallow its closing quote.
      assert.equal(parseStringLiteral("'\\'"), undefined);
    });

    it('keeps plain role names unquoted (folded to upper case as created) and quotes the rest', () => {
      assert.equal(quoteIdentifier('IMMUTA_IMPERSONATION'), 'IMMUTA_IMPERSONATION');
      assert.equal(quoteIdentifier('immuta_impersonation'), 'immuta_impersonation');
      assert.equal(quoteIdentifier('"Mixed Case"'), '"Mixed Case"');
      assert.equal(quoteIdentifier('my role'), '"my role"');
      assert.equal(quoteIdentifier('a"b; DROP'), '"a""b; DROP"');
    });

    it('accepts only plain identifiers as the variable name', () => {
      assert.equal(validateVariableName('IMMUTA_IMP_USER'), undefined);
      assert.match(validateVariableName('x = 1; DROP') ?? '', /plain identifier/);
      assert.match(validateVariableName('"quoted"') ?? '', /plain identifier/);
    });
  });

  describe('validateUserName', () => {
    it('accepts quotes, backslashes, unicode and 300 characters', () => {
      for (const name of HOSTILE) {
        assert.equal(validateUserName(name), undefined, name);
      }
    });

    it('refuses empty, padded, control-character and over-long names with a reason', () => {
      assert.match(validateUserName('') ?? '', /empty/);
      assert.match(validateUserName(' bob') ?? '', /spaces/);
      assert.match(validateUserName('bob\nalice') ?? '', /control character/);
      assert.match(validateUserName('x'.repeat(1025)) ?? '', /1025 characters/);
    });
  });

  describe('errors', () => {
    it('turns "line L at position P" into an offset, counting code points', () => {
      const statement = "SELECT '😀',\n  no_such FROM t";
      assert.equal(positionIn(statement, 'SQL compilation error: error line 2 at position 2\ninvalid identifier')?.offset, statement.indexOf("no_such"));
      assert.equal(positionIn("SELECT '😀' x, bad", "error line 1 at position 14")?.offset, "SELECT '😀' x, bad".indexOf('bad'));
      assert.equal(positionIn('SELECT 1', 'no place given'), undefined);
    });

    it('maps codes to kinds: cancelled, permission, session gone (never run, may retry)', () => {
      const make = (code: string | number, message: string, sqlState?: string) => Object.assign(new Error(message), { code, sqlState });
      assert.equal(mapStatementError(make('000604', 'SQL execution canceled', '57014'), 'x').kind, 'cancelled');
      assert.equal(mapStatementError(make('003001', 'Insufficient privileges', '42501'), 'x').kind, 'permission');
      const gone = mapStatementError(make(407002, 'Unable to perform operation using terminated connection.'), 'x');
      assert.equal(gone.kind, 'connection-lost');
      assert.equal(gone.notSent, true);
      // The same code once the server had accepted the query (it has a query id): it may have run.
      const afterAccepted = mapStatementError(make('390111', 'Session no longer exists.  New login required to access the service.'), 'x', true);
      assert.deepEqual([afterAccepted.kind, afterAccepted.notSent], ['connection-lost', false]);
      assert.match(afterAccepted.message, /may or may not have completed/);
      // A running statement answered with a SQLSTATE that ends the session reached the server.
      const killed = mapStatementError(make('100000', 'terminating connection due to administrator command', '57P01'), 'x');
      assert.deepEqual([killed.kind, killed.notSent], ['connection-lost', false]);
      assert.equal(killed.message, "The database ended this worksheet's session (terminating connection due to administrator command). The statement may or may not have completed.");
      const compile = mapStatementError(make('000904', "SQL compilation error: error line 1 at position 7\ninvalid identifier 'BAD'", '42000'), 'SELECT bad');
      assert.equal(compile.kind, 'server');
      assert.equal(compile.code, '000904');
      assert.equal(compile.position?.offset, 7);
      assert.match(compile.serverMessage ?? '', /invalid identifier/);
    });
  });
});
