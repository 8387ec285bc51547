import * as assert from 'node:assert/strict';
import { classifyStatement, validateUserName } from '../../src/platforms/redshift/dialect';
import { codePointPositionToOffset, endsSession, mapStatementError } from '../../src/platforms/redshift/errors';

describe('Redshift dialect', () => {
  describe('classifyStatement', () => {
    const cases: [string, ReturnType<typeof classifyStatement>][] = [
      ["CALL immuta_procedures.impersonate_user('bob@example.com')", { kind: 'impersonate', user: 'bob@example.com' }],
      ["call IMMUTA_PROCEDURES.IMPERSONATE_USER( 'o''brien' ) ;", { kind: 'impersonate', user: "o'brien" }],
      ['CALL "immuta_procedures"."impersonate_user"($$a"b$$)', { kind: 'impersonate', user: 'a"b' }],
      ["CALL immuta_procedures.impersonate_user($q$o'brien$q$)", { kind: 'impersonate', user: "o'brien" }],
      ["-- start\n/* as bob */ CALL immuta_procedures.impersonate_user('bob')", { kind: 'impersonate', user: 'bob' }],
      ['CALL immuta_procedures.impersonate_user(NULL)', { kind: 'stop-impersonating' }],
      ['call immuta_procedures.impersonate_user(null);', { kind: 'stop-impersonating' }],
      ["CALL immuta_procedures.impersonate_user('')", { kind: 'stop-impersonating' }],
      ["CALL immuta_procedures.impersonate_user(lower('BOB'))", { kind: 'impersonation-unparsed' }],
      ["CALL immuta_procedures.impersonate_user('a' || 'b')", { kind: 'impersonation-unparsed' }],
      ["DO $$ BEGIN CALL immuta_procedures.impersonate_user('x'); END $$", { kind: 'impersonation-embedded' }],
      ["SELECT 1; CALL immuta_procedures.impersonate_user(NULL)", { kind: 'impersonation-embedded' }],
      ["SELECT 'impersonate_user' AS word", { kind: 'ordinary' }],
      ['SELECT 1 -- impersonate_user(NULL)', { kind: 'ordinary' }],
      ['SELECT "impersonate_user" FROM audit', { kind: 'ordinary' }],
      ['DISCARD ALL', { kind: 'session-reset' }],
      ['reset all', { kind: 'session-reset' }],
      ['SET SESSION AUTHORIZATION other', { kind: 'session-reset' }],
      ['SELECT * FROM sales.customers', { kind: 'ordinary' }],
    ];
    for (const [sql, expected] of cases) {
      it(`${JSON.stringify(sql)} → ${expected.kind}`, () => {
        assert.deepEqual(classifyStatement(sql), expected);
      });
    }
  });

  describe('impersonation statements inside larger ones are refused as embedded (run alone, they are followed)', () => {
    const embedded = [
      // A DO block, as psql sends it: the documented CALL (set, then stop) in its body.
      "DO $$\nBEGIN\n  CALL immuta_procedures.impersonate_user('bob@example.com');\nEND\n$$;",
      'DO $body$ BEGIN CALL immuta_procedures.impersonate_user(NULL); END $body$ LANGUAGE plpgsql',
      // A SQL-standard body, kept whole as psql keeps it.
      "CREATE PROCEDURE as_bob() LANGUAGE sql BEGIN ATOMIC CALL immuta_procedures.impersonate_user('bob'); SELECT 1; END",
      "CREATE OR REPLACE PROCEDURE p() AS $$ BEGIN CALL immuta_procedures.impersonate_user('bob'); END; $$ LANGUAGE plpgsql",
      // A rule's actions in parentheses (one statement for psql).
      "CREATE RULE r AS ON INSERT TO t DO ALSO (SELECT 1; CALL immuta_procedures.impersonate_user('bob'))",
      // Next to other statements in one text.
      "CALL immuta_procedures.impersonate_user('bob'); SELECT * FROM sales.customers",
      "CALL immuta_procedures.impersonate_user(NULL); SELECT 1",
      "CALL immuta_procedures.impersonate_user('bob');\nCALL immuta_procedures.impersonate_user('eve');",
      'SELECT 1;\nCALL "immuta_procedures"."impersonate_user"(NULL);',
    ];
    for (const sql of embedded) {
      it(JSON.stringify(sql), () => assert.deepEqual(classifyStatement(sql), { kind: 'impersonation-embedded' }));
    }

    it('a lone CALL with a trailing ; is still followed', () => {
      assert.deepEqual(classifyStatement("CALL immuta_procedures.impersonate_user('bob');\n"), { kind: 'impersonate', user: 'bob' });
      assert.deepEqual(classifyStatement('CALL immuta_procedures.impersonate_user(NULL) ;'), { kind: 'stop-impersonating' });
    });

    it('blocks that do not impersonate stay ordinary', () => {
      for (const sql of [
        "DO $$ BEGIN RAISE NOTICE 'impersonate_user(x)'; END $$",
        'CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END',
        'CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2))',
        "SELECT 1; SELECT 'impersonate_user(NULL)'",
      ]) {
        assert.deepEqual(classifyStatement(sql), { kind: 'ordinary' }, sql);
      }
    });
  });

  describe('validateUserName', () => {
    it('accepts names with quotes, unicode and 300 characters', () => {
      for (const name of ["o'brien", 'a"b', "x'); drop table t; --", 'Zoë 山田 🚀', 'n'.repeat(300), '\\']) {
        assert.equal(validateUserName(name), undefined, name);
      }
    });

    it('refuses empty, padded, control-character and over-long names with a reason', () => {
      assert.match(validateUserName('') ?? '', /empty/);
      assert.match(validateUserName(' bob') ?? '', /spaces/);
      assert.match(validateUserName('bob\u0000') ?? '', /control character/);
      assert.match(validateUserName('bob\nalice') ?? '', /control character/);
      assert.match(validateUserName('x'.repeat(1025)) ?? '', /1025 characters/);
    });
  });

  describe('error positions', () => {
    it('converts PostgreSQL code-point positions to UTF-16 offsets', () => {
      const text = "SELECT '😀😀', bad";
      assert.equal(codePointPositionToOffset(text, 1), 0);
      // Code points: S E L E C T ␠ ' 😀 😀 ' , ␠ b → 'bad' is the 14th code point.
      assert.equal(codePointPositionToOffset(text, 14), text.indexOf('bad'));
    });

    it('maps SQLSTATEs to error kinds and keeps the server text', () => {
      const serverError = Object.assign(new Error('permission denied for view customers'), { code: '42501', position: '15' });
      const mapped = mapStatementError(serverError, 'SELECT * FROM customers', false);
      assert.equal(mapped.kind, 'permission');
      assert.equal(mapped.serverMessage, 'permission denied for view customers');
      assert.equal(mapped.position?.offset, 14);
      assert.equal(mapStatementError(Object.assign(new Error('canceling statement due to user request'), { code: '57014' }), '', false).kind, 'cancelled');
      assert.equal(mapStatementError(Object.assign(new Error('terminating connection'), { code: '57P01' }), '', false).kind, 'connection-lost');
      const gone = mapStatementError(new Error('Client has encountered a connection error and is not queryable'), '', true);
      assert.equal(gone.kind, 'connection-lost');
      assert.equal(gone.notSent, true);
    });

    it('a server that ends the session is never a bare server text: it says what happened and whether the statement may have run', () => {
      const kill = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01', severity: 'FATAL' });
      assert.ok(endsSession(kill));
      const sent = mapStatementError(kill, 'SELECT 1', false);
      assert.equal(sent.message, "The database ended this worksheet's session (terminating connection due to administrator command). The statement may or may not have completed.");
      assert.deepEqual([sent.kind, sent.notSent, sent.code, sent.serverMessage], ['connection-lost', false, '57P01', 'terminating connection due to administrator command']);
      // Any FATAL ends the session, whatever its code (here: idle-in-transaction timeout).
      assert.ok(endsSession(Object.assign(new Error('terminating connection due to idle-in-transaction timeout'), { code: '25P03', severity: 'FATAL' })));
      assert.ok(endsSession(Object.assign(new Error('server closed the connection'), { code: '08006', severity: 'ERROR' })));
      assert.ok(!endsSession(Object.assign(new Error('relation "x" does not exist'), { code: '42P01', severity: 'ERROR' })));
      const unsent = mapStatementError(new Error('Connection terminated unexpectedly'), 'SELECT 1', true);
      assert.equal(unsent.message, 'The connection to the database had already been lost (Connection terminated unexpectedly); the statement was not sent.');
      assert.doesNotMatch(unsent.message, /may or may not/);
      const dropped = mapStatementError(new Error('Connection terminated unexpectedly'), 'SELECT 1', false);
      assert.match(dropped.message, /^The connection to the database was lost \(Connection terminated unexpectedly\)\. The statement may or may not have completed\.$/);
    });
  });
});
