import * as assert from 'node:assert/strict';
import {
  backQuote,
  classifyFor,
  classifyStatement,
  impersonationUnsupported,
  keyOf,
  parseBackQuoted,
  readBackValue,
  renderSet,
  statementsFor,
  stringLiteral,
  validateUserName,
} from '../../src/platforms/databricks/dialect';
import { connectionOptions } from '../../src/platforms/databricks/connect';
import { endsSession, mapConnectError, mapStatementError, positionIn } from '../../src/platforms/databricks/errors';
import { isPlatformError } from '../../src/platforms/errors';
import { columnCells, columnInfo, int64Text, rowsOf } from '../../src/platforms/databricks/values';
import type { DatabricksProfile, StatementEffect } from '../../src/platforms/types';

const HOSTILE = ["o'brien", 'a"b', "x'); drop table t; --", 'Zoë 山田 🚀 ünïcödé', 'n'.repeat(300), '\\', 'bob@example.com; SELECT 1', 'back`tick``s', "$' $& $1"];

function profile(overrides: Partial<DatabricksProfile> = {}): DatabricksProfile {
  return {
    name: 'p',
    platform: 'databricks',
    host: 'adb-1.2.azuredatabricks.net',
    port: 443,
    httpPath: '/sql/protocolv1/o/1/abc',
    auth: 'token',
    unityCatalog: false,
    tls: { verify: true },
    connectTimeoutMs: 1000,
    ...overrides,
  };
}

function int64(value: bigint): { buffer: Buffer; offset: number } {
  const buffer = Buffer.alloc(10);
  buffer.writeBigInt64BE(value, 2);
  return { buffer, offset: 2 };
}

describe('Databricks dialect', () => {
  describe('classifyStatement (default key immuta.impersonate.user)', () => {
    const cases: [string, StatementEffect][] = [
      ['SET immuta.impersonate.user = bob@example.com', { kind: 'impersonate', user: 'bob@example.com' }],
      ['set immuta.impersonate.user=bob@example.com;', { kind: 'impersonate', user: 'bob@example.com' }],
      ["-- as o'brien\n/* yes */ SET immuta.impersonate.user = `o'brien`", { kind: 'impersonate', user: "o'brien" }],
      ['SET immuta.impersonate.user = `a``b; c`', { kind: 'impersonate', user: 'a`b; c' }],
      // Spark keeps quotes of a raw value: the name is what Spark would store.
      ["SET immuta.impersonate.user = 'bob'", { kind: 'impersonate', user: "'bob'" }],
      ['SET `immuta.impersonate.user` = `bob`', { kind: 'impersonate', user: 'bob' }],
      ['RESET immuta.impersonate.user', { kind: 'stop-impersonating' }],
      ['reset immuta.impersonate.user;', { kind: 'stop-impersonating' }],
      ['SET immuta.impersonate.user =', { kind: 'stop-impersonating' }],
      ['RESET', { kind: 'session-reset' }],
      ['SET immuta.impersonate.user = bob; SET x = 1', { kind: 'impersonation-embedded' }],
      ['SET immuta.impersonate.user = ${hivevar:who}', { kind: 'impersonation-unparsed' }],
      ['SET a.b = 1; SET immuta.impersonate.user = bob', { kind: 'impersonation-embedded' }],
      ['SET immuta.impersonate.user', { kind: 'ordinary' }],
      ['SET immuta.impersonate.userx = bob', { kind: 'ordinary' }],
      ['RESET spark.sql.shuffle.partitions', { kind: 'ordinary' }],
      ['SET spark.sql.shuffle.partitions = 8', { kind: 'ordinary' }],
      ["SELECT 'immuta.impersonate.user' AS k", { kind: 'ordinary' }],
      ['SELECT 1', { kind: 'ordinary' }],
    ];
    for (const [sql, effect] of cases) {
      it(`${JSON.stringify(sql)} -> ${effect.kind}`, () => {
        assert.deepEqual(classifyStatement(sql), effect);
      });
    }

    describe('SET/RESET inside a compound statement, EXECUTE IMMEDIATE or batch is refused as embedded', () => {
      const embedded = [
        'BEGIN\n  SET immuta.impersonate.user = `bob@example.com`;\n  SELECT * FROM sales.customers;\nEND',
        'outer: BEGIN\n  DECLARE n INT DEFAULT 0;\n  SET immuta.impersonate.user = bob@example.com;\nEND outer',
        'BEGIN\n  DECLARE x INT DEFAULT 1;\n  IF x = 1 THEN\n    SET immuta.impersonate.user = `bob`;\n  END IF;\nEND',
        'BEGIN\n  WHILE true DO\n    RESET immuta.impersonate.user;\n  END WHILE;\nEND',
        'BEGIN\n  RESET immuta.impersonate.user;\nEND',
        // A bare RESET puts every key back, impersonation included.
        'BEGIN\n  RESET;\n  SELECT 1;\nEND',
        'RESET; SELECT 1',
        "EXECUTE IMMEDIATE 'SET immuta.impersonate.user = bob'",
        'SET immuta.impersonate.user = `bob`; SELECT * FROM sales.customers',
        'RESET immuta.impersonate.user; SELECT 1',
      ];
      for (const sql of embedded) {
        it(JSON.stringify(sql), () => assert.deepEqual(classifyStatement(sql), { kind: 'impersonation-embedded' }));
      }

      it('compound statements that leave the key alone stay ordinary', () => {
        for (const sql of [
          'BEGIN\n  DECLARE x INT DEFAULT 1;\n  SET VAR x = 2;\n  SELECT x;\nEND',
          'BEGIN\n  SET spark.sql.shuffle.partitions = 8;\n  RESET spark.sql.shuffle.partitions;\nEND',
          'SELECT reset FROM t; SELECT 2',
        ]) {
          assert.deepEqual(classifyStatement(sql), { kind: 'ordinary' }, sql);
        }
      });

      it('a lone SET or RESET with a trailing ; is still followed', () => {
        assert.deepEqual(classifyStatement('SET immuta.impersonate.user = `bob`;'), { kind: 'impersonate', user: 'bob' });
        assert.deepEqual(classifyStatement('RESET;'), { kind: 'session-reset' });
      });
    });

    it('follows the key of the profile\u2019s set template, and only that key', () => {
      const custom = profile({ impersonation: { set: 'SET spark.immuta.as_user = {user}' } });
      assert.deepEqual(classifyStatement('SET spark.immuta.as_user = bob', custom), { kind: 'impersonate', user: 'bob' });
      assert.deepEqual(classifyStatement('SET immuta.impersonate.user = bob', custom), { kind: 'ordinary' });
      assert.equal(keyOf({ set: "SELECT immuta.impersonate('{user}')" }), undefined);
      assert.deepEqual(classifyFor('SET immuta.impersonate.user = bob', undefined), { kind: 'ordinary' });
    });
  });

  describe('rendering the user name', () => {
    for (const name of HOSTILE) {
      it(`back-quotes ${JSON.stringify(name.slice(0, 30))} so that Spark reads back exactly the name`, () => {
        const sql = renderSet(statementsFor(undefined).set, name);
        assert.equal(sql, `SET immuta.impersonate.user = ${backQuote(name)}`);
        const value = sql.slice('SET immuta.impersonate.user = '.length);
        assert.equal(parseBackQuoted(value), name);
        assert.deepEqual(classifyStatement(sql), { kind: 'impersonate', user: name });
      });
    }

    it('uses a Spark string literal where the template is not SET key = {user}', () => {
      assert.equal(renderSet("SELECT immuta.impersonate('{user}')", "o'b\\"), "SELECT immuta.impersonate('o\\'b\\\\')");
      assert.equal(renderSet('SELECT immuta.impersonate({user})', 'x'), "SELECT immuta.impersonate('x')");
      assert.equal(stringLiteral("it's"), "'it\\'s'");
      assert.throws(() => renderSet('SET k = 1', 'bob'), (error: unknown) => isPlatformError(error) && error.kind === 'configuration' && /must contain the placeholder \{user\}/.test(error.message));
    });

    it('has documented defaults and takes the profile\u2019s templates over them', () => {
      assert.deepEqual(statementsFor(undefined), {
        key: 'immuta.impersonate.user',
        set: 'SET immuta.impersonate.user = {user}',
        clear: 'RESET immuta.impersonate.user',
        readBack: 'SET immuta.impersonate.user',
      });
      assert.equal(statementsFor({ clear: 'SET immuta.impersonate.user =' }).clear, 'SET immuta.impersonate.user =');
    });
  });

  describe('validateUserName', () => {
    for (const name of HOSTILE) {
      it(`accepts ${JSON.stringify(name.slice(0, 30))}`, () => assert.equal(validateUserName(name), undefined));
    }
    for (const name of ['', ' bob', 'bob ', 'a\nb', 'nul\u0000', '${env:HOME}', 'x${y}', '<undefined>', 'n'.repeat(1025)]) {
      it(`refuses ${JSON.stringify(name.slice(0, 30))} with a reason`, () => assert.ok((validateUserName(name) ?? '').length > 10));
    }
  });

  it('Unity Catalog profiles cannot impersonate, with Immuta\u2019s explanation', () => {
    assert.match(impersonationUnsupported(profile({ unityCatalog: true })) ?? '', /^Immuta does not support user impersonation on Databricks Unity Catalog; /);
    assert.equal(impersonationUnsupported(profile()), undefined);
  });

  it('reads the value of a SET key answer, and <undefined> or empty as nobody', () => {
    assert.equal(readBackValue(['key', 'value'], ['immuta.impersonate.user', 'bob']), 'bob');
    assert.equal(readBackValue(['key', 'value'], ['immuta.impersonate.user', '<undefined>']), null);
    assert.equal(readBackValue(['key', 'value'], ['immuta.impersonate.user', '']), null);
    assert.equal(readBackValue(['who'], ['carol']), 'carol');
    assert.equal(readBackValue(['who'], undefined), null);
  });
});

describe('Databricks values and errors', () => {
  it('turns TTypeDesc into Spark type names', () => {
    const desc = (type: number, qualifiers?: Record<string, { i32Value: number }>) => ({
      columnName: 'c',
      position: 1,
      typeDesc: { types: [{ primitiveEntry: { type, ...(qualifiers ? { typeQualifiers: { qualifiers } } : {}) } }] },
    });
    assert.equal(columnInfo(desc(3)).type, 'int');
    assert.equal(columnInfo(desc(4)).type, 'bigint');
    assert.equal(columnInfo(desc(15, { precision: { i32Value: 10 }, scale: { i32Value: 2 } })).type, 'decimal(10,2)');
    assert.equal(columnInfo(desc(18, { characterMaximumLength: { i32Value: 20 } })).type, 'varchar(20)');
    assert.equal(columnInfo({ columnName: 'm', position: 1, comment: 'map<string,int>', typeDesc: { types: [{}] } }).type, 'map<string,int>');
  });

  it('keeps bigint exact as text, honours the null bitmap, and pads ragged columns', () => {
    assert.equal(int64Text(int64(-9223372036854775808n)), '-9223372036854775808');
    assert.equal(int64Text(int64(9007199254740993n)), '9007199254740993');
    const nulls = Buffer.from([0b00000010]);
    assert.deepEqual(columnCells({ i64Val: { values: [int64(5n), int64(0n), int64(7n)], nulls } }), ['5', null, '7']);
    assert.deepEqual(columnCells({ stringVal: { values: ['1.50', '', 'x'], nulls: Buffer.from([0b00000100]) } }), ['1.50', '', null]);
    assert.deepEqual(rowsOf([{ i32Val: { values: [1, 2], nulls: Buffer.alloc(0) } }, { boolVal: { values: [true], nulls: Buffer.alloc(0) } }], 2), [
      [1, true],
      [2, null],
    ]);
  });

  it('maps a dead session, a cancel, a permission error and HTTP refusals', () => {
    const gone = mapStatementError({ name: 'Status Error', message: 'Invalid SessionHandle: SessionHandle [1-2]', code: 0 }, 'SELECT 1', true);
    assert.deepEqual([gone.kind, gone.notSent], ['connection-lost', true]);
    assert.doesNotMatch(gone.message, /may or may not/);
    // A running operation that failed with a SQLSTATE that ends the session: sent, the session is over.
    const killedError = { message: 'x', errorCode: 'ERROR', response: { sqlState: '57P01', errorMessage: 'terminating connection due to administrator command' } };
    assert.ok(endsSession(killedError));
    const killed = mapStatementError(killedError, 'SELECT 1', false);
    assert.deepEqual([killed.kind, killed.notSent, killed.code], ['connection-lost', false, '57P01']);
    assert.equal(killed.message, "The database ended this worksheet's session (terminating connection due to administrator command). The statement may or may not have completed.");
    assert.ok(!endsSession({ message: 'x', errorCode: 'ERROR', response: { sqlState: '42501' } }));
    const cancelled = mapStatementError({ message: 'The operation was canceled by a client', errorCode: 'CANCELED', response: {} }, 'SELECT 1', false);
    assert.equal(cancelled.kind, 'cancelled');
    const denied = mapStatementError({ message: 'x', errorCode: 'ERROR', response: { sqlState: '42501', displayMessage: 'Immuta: no' } }, 'SELECT 1', false);
    assert.deepEqual([denied.kind, denied.code, denied.message], ['permission', '42501', 'Immuta: no']);
    assert.equal(mapConnectError({ message: 'Received a response with a bad HTTP status code: 403', statusCode: 403 }, 'h').kind, 'authentication');
    assert.equal(mapConnectError(new Error('connect ECONNREFUSED'), 'h').kind, 'connection');
  });

  it('finds Spark\u2019s (line, pos) in the statement, counting code points', () => {
    const sql = "SELECT '😀' AS a,\n  nope FROM t";
    assert.deepEqual(positionIn(sql, 'column "nope" does not exist (line 2, pos 2)'), { offset: sql.indexOf('nope') });
    assert.deepEqual(positionIn("SELECT '😀', x", 'bad (line 1, pos 12)'), { offset: "SELECT '😀', x".indexOf('x') });
    assert.equal(positionIn(sql, 'no place given'), undefined);
  });
});

describe('Databricks connection options', () => {
  it('signs in with the token as a personal access token, telemetry off, port as given', () => {
    const options = connectionOptions(profile({ port: 8443, catalog: 'main' }), { token: 'dapi-secret' });
    assert.equal(options.authType, 'access-token');
    assert.equal(options.token, 'dapi-secret');
    assert.equal(options.port, 8443);
    assert.equal(options.telemetryEnabled, false);
    assert.equal(options.preserveBigNumericPrecision, true);
  });

  it('signs in as a service principal with OAuth M2M: the client id from the profile, the secret stored', () => {
    const options = connectionOptions(profile({ auth: 'oauth-m2m', clientId: 'app-id' }), { token: 'sp-secret' });
    assert.deepEqual([options.authType, options.oauthClientId, options.oauthClientSecret], ['databricks-oauth', 'app-id', 'sp-secret']);
    assert.equal(options.token, undefined);
  });

  it('refuses to connect without a stored secret, naming what is missing', () => {
    assert.throws(
      () => connectionOptions(profile(), {}),
      (error: unknown) => isPlatformError(error) && error.kind === 'configuration' && /personal access token/.test(error.message),
    );
  });
});
