import * as assert from 'node:assert/strict';
import { classifyStatement, propertyReference, quoteStringLiteral, readSessionCommand, validateUserName } from '../../src/platforms/trino/dialect';
import { driver } from '../../src/platforms/trino/index';
import type { TrinoProfile } from '../../src/platforms/types';

describe('Trino dialect', () => {
  describe('classifyStatement', () => {
    const cases: [string, ReturnType<typeof classifyStatement>][] = [
      ["SET SESSION immuta.immuta_user = 'bob@example.com'", { kind: 'impersonate', user: 'bob@example.com' }],
      ["set session IMMUTA.IMMUTA_USER='o''brien';", { kind: 'impersonate', user: "o'brien" }],
      ['SET SESSION "immuta"."immuta_user" = \'a"b\'', { kind: 'impersonate', user: 'a"b' }],
      ["-- as bob\n/* really */ SET SESSION immuta.immuta_user = 'bob'", { kind: 'impersonate', user: 'bob' }],
      ["SET SESSION immuta.immuta_user = 'x''); drop table t; --'", { kind: 'impersonate', user: "x'); drop table t; --" }],
      ["SET SESSION immuta.immuta_user = ''", { kind: 'stop-impersonating' }],
      ['RESET SESSION immuta.immuta_user', { kind: 'stop-impersonating' }],
      ['reset session immuta.immuta_user ;', { kind: 'stop-impersonating' }],
      ["SET SESSION immuta.immuta_user = lower('BOB')", { kind: 'impersonation-unparsed' }],
      ["SET SESSION immuta.immuta_user = 'a' || 'b'", { kind: 'impersonation-unparsed' }],
      ['SET SESSION immuta.immuta_user = bob', { kind: 'impersonation-unparsed' }],
      ["SET SESSION immuta.immuta_user = U&'b\\0062'", { kind: 'impersonation-unparsed' }],
      ["SET SESSION AUTHORIZATION 'carol@example.com'", { kind: 'impersonate', user: 'carol@example.com' }],
      ['SET SESSION AUTHORIZATION "carol@example.com"', { kind: 'impersonation-unparsed' }],
      ['SET SESSION AUTHORIZATION carol', { kind: 'impersonation-unparsed' }],
      ['RESET SESSION AUTHORIZATION', { kind: 'stop-impersonating' }],
      ['SET SESSION query_priority = 5', { kind: 'ordinary' }],
      ["SET SESSION authorization.x = 'y'", { kind: 'ordinary' }],
      ['RESET SESSION query_priority', { kind: 'ordinary' }],
      ["SELECT 'SET SESSION immuta.immuta_user = ''x'''", { kind: 'ordinary' }],
      ["SHOW SESSION LIKE 'immuta.immuta_user'", { kind: 'ordinary' }],
      ['SELECT * FROM sales.customers', { kind: 'ordinary' }],
    ];
    for (const [sql, expected] of cases) {
      it(`${JSON.stringify(sql)} → ${expected.kind}`, () => {
        assert.deepEqual(classifyStatement(sql), expected);
      });
    }

    describe('SET/RESET SESSION inside a routine, EXECUTE IMMEDIATE or batch is refused as embedded', () => {
      const embedded = [
        "CREATE FUNCTION as_bob()\nRETURNS varchar\nBEGIN\n  SET SESSION immuta.immuta_user = 'bob@example.com';\n  RETURN 'x';\nEND",
        "WITH FUNCTION f()\nRETURNS varchar\nBEGIN\n  RESET SESSION immuta.immuta_user;\n  RETURN 'x';\nEND\nSELECT f()",
        "CREATE FUNCTION g() RETURNS varchar BEGIN SET SESSION AUTHORIZATION 'bob'; RETURN 'x'; END",
        "EXECUTE IMMEDIATE 'SET SESSION immuta.immuta_user = ''bob'''",
        "EXECUTE IMMEDIATE 'RESET SESSION AUTHORIZATION'",
        "SET SESSION immuta.immuta_user = 'bob'; SELECT * FROM sales.customers",
        'RESET SESSION immuta.immuta_user; SELECT 1',
        "SELECT 1; SET SESSION immuta.immuta_user = 'bob'",
      ];
      for (const sql of embedded) {
        it(JSON.stringify(sql), () => assert.deepEqual(classifyStatement(sql), { kind: 'impersonation-embedded' }));
      }

      it('routines and batches that leave impersonation alone stay ordinary', () => {
        for (const sql of [
          'CREATE FUNCTION f() RETURNS bigint BEGIN DECLARE x bigint DEFAULT 42; SET x = x + 1; RETURN x; END',
          'SET SESSION query_priority = 5; SELECT 1',
          "EXECUTE IMMEDIATE 'SELECT 1'",
        ]) {
          assert.deepEqual(classifyStatement(sql), { kind: 'ordinary' }, sql);
        }
      });

      it('follows the profile\u2019s own property inside routines', () => {
        assert.deepEqual(
          classifyStatement("CREATE FUNCTION f() RETURNS varchar BEGIN SET SESSION starburst.acting_user = 'bob'; RETURN 'x'; END", 'starburst.acting_user'),
          { kind: 'impersonation-embedded' },
        );
      });
    });

    it('recognises the profile\u2019s own impersonation property, through the driver', () => {
      const profile = { platform: 'trino', impersonationProperty: 'starburst.acting_user', impersonationMode: 'session-property' } as TrinoProfile;
      const classify = driver.classifyStatement as (sql: string, profile?: TrinoProfile) => ReturnType<typeof classifyStatement>;
      assert.deepEqual(classify("SET SESSION starburst.acting_user = 'bob'", profile), { kind: 'impersonate', user: 'bob' });
      assert.deepEqual(classify("SET SESSION immuta.immuta_user = 'bob'", profile), { kind: 'ordinary' });
      assert.deepEqual(classify("SET SESSION immuta.immuta_user = 'bob'"), { kind: 'impersonate', user: 'bob' });
    });
  });

  describe('readSessionCommand', () => {
    it('reads the property of SET and RESET SESSION, folded to lower case', () => {
      assert.deepEqual(readSessionCommand('RESET SESSION Hive."Compression_Codec"'), { kind: 'reset-property', name: 'hive.compression_codec' });
      assert.equal(readSessionCommand("SET SESSION x = 'a'")?.kind, 'set-property');
      assert.equal(readSessionCommand('SET ROLE admin'), undefined);
      assert.equal(readSessionCommand('RESET SESSION x y'), undefined);
    });
  });

  describe('quoting', () => {
    it('doubles single quotes in string literals and nothing else', () => {
      assert.equal(quoteStringLiteral("o'brien"), "'o''brien'");
      assert.equal(quoteStringLiteral("x'); drop table t; --"), "'x''); drop table t; --'");
      assert.equal(quoteStringLiteral('\\'), "'\\'");
      assert.equal(quoteStringLiteral('Zoë 山田 🚀'), "'Zoë 山田 🚀'");
    });

    it('round-trips every hostile name through a literal read back by the statement reader', () => {
      for (const name of ["o'brien", 'a"b', "x'); drop table t; --", 'Zoë 山田 🚀 ünïcödé', 'n'.repeat(300), '\\', 'bob@example.com; SELECT 1', "''"]) {
        assert.deepEqual(classifyStatement(`SET SESSION immuta.immuta_user = ${quoteStringLiteral(name)}`), { kind: 'impersonate', user: name });
      }
    });

    it('delimits property name parts that are not plain identifiers', () => {
      assert.equal(propertyReference('immuta.immuta_user'), 'immuta.immuta_user');
      assert.equal(propertyReference('my-catalog.acting user'), '"my-catalog"."acting user"');
    });
  });

  describe('validateUserName', () => {
    const hostile = ["o'brien", 'a"b', "x'); drop table t; --", 'Zoë 山田 🚀 ünïcödé', 'n'.repeat(300), '\\', 'bob@example.com; SELECT 1'];

    it('accepts every hostile name in session-property mode', () => {
      for (const name of hostile) {
        assert.equal(validateUserName(name, 'session-property'), undefined, name);
      }
    });

    it('in native mode refuses what an HTTP header cannot carry, saying why and what to do', () => {
      const problem = validateUserName('Zoë 山田 🚀 ünïcödé', 'native');
      assert.match(problem ?? '', /X-Trino-User/);
      assert.match(problem ?? '', /session-property/);
      for (const name of hostile.filter((candidate) => /^[\x20-\x7e]*$/.test(candidate))) {
        assert.equal(validateUserName(name, 'native'), undefined, name);
      }
    });

    it('refuses empty, padded, overlong, control-character and malformed names', () => {
      assert.match(validateUserName('') ?? '', /empty/);
      assert.match(validateUserName(' bob') ?? '', /spaces/);
      assert.match(validateUserName('n'.repeat(1025)) ?? '', /1025/);
      assert.match(validateUserName('bob\r\nX-Evil: 1') ?? '', /control character/);
      assert.match(validateUserName('bob\ud800') ?? '', /Unicode/);
    });

    it('takes the mode from the profile through the driver', () => {
      const validate = driver.validateUserName as (user: string, profile?: TrinoProfile) => string | undefined;
      assert.match(validate('山田', { platform: 'trino', impersonationMode: 'native' } as TrinoProfile) ?? '', /X-Trino-User/);
      assert.equal(validate('山田', { platform: 'trino', impersonationMode: 'session-property' } as TrinoProfile), undefined);
    });
  });
});
