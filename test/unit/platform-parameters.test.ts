import * as assert from 'node:assert/strict';
import { bindNamedParameters } from '../../src/platforms/databricks/parameters';
import { isPlatformError, PlatformError } from '../../src/platforms/errors';
import { markParameters, originalOffset, relocateError, withoutPosition } from '../../src/platforms/parameter-markers';
import { executeImmediate, executeImmediateFailure, parameterLiteral } from '../../src/platforms/trino/parameters';
import type { StatementParameters } from '../../src/platforms/types';
import { receivedPosition, toPostgresMarkers, type PostgresStatement } from '../lab/bind-markers';
import { readLabCommand } from '../lab/trino-sql';

/** Uses of the given placeholders (`:name` or `${name}`), found by hand in `sql`. */
function usesOf(sql: string, placeholders: readonly string[], values: Readonly<Record<string, string | null>>, start = 0): StatementParameters {
  const uses = [];
  let from = start;
  for (const placeholder of placeholders) {
    const offset = sql.indexOf(placeholder, from);
    assert.ok(offset >= 0, placeholder);
    uses.push({ name: placeholder.replace(/^:|^\$\{|\}$/g, ''), offset, length: placeholder.length });
    from = offset + placeholder.length;
  }
  return { uses, values };
}

const HOSTILE: readonly string[] = ["'; drop table t; --", "o'brien", "''", "'", '\\', "\\'", '\\\\', 'a\nb\r\nc\td', 'Zoë 山田 🚀', '', ' ', "' USING 'x", "x', 'y", '?', ':region', '${region}', '$1', '/* c */', '-- c', 'NULL'];

describe('Parameter markers (shared by the adapters)', () => {
  it('replaces exactly the uses, numbering names by first use, and keeps every other character', () => {
    const sql = "SELECT ':a' AS s, :a, ${b}, :a -- :b\n";
    const marked = markParameters(sql, usesOf(sql, [':a', '${b}', ':a'], { a: '1', b: null }, sql.indexOf('AS s')), (_name, n) => `:${n}`);
    assert.equal(marked.text, "SELECT ':a' AS s, :1, :2, :1 -- :b\n");
    assert.deepEqual(marked.names, ['a', 'b']);
    assert.deepEqual(marked.useNames, ['a', 'b', 'a']);
  });

  it('refuses uses that are not where they say, overlap, run past the text, or have no value', () => {
    const sql = 'SELECT :a, :b';
    const refusals: StatementParameters[] = [
      { uses: [{ name: 'a', offset: 6, length: 2 }], values: { a: 'x' } },
      { uses: [{ name: 'b', offset: 7, length: 2 }], values: { b: 'x' } },
      { uses: [{ name: 'b', offset: 11, length: 2 }, { name: 'a', offset: 7, length: 2 }], values: { a: 'x', b: 'y' } },
      { uses: [{ name: 'b', offset: 11, length: 3 }], values: { b: 'x' } },
      { uses: [{ name: 'a', offset: 7, length: 2 }], values: {} },
    ];
    for (const parameters of refusals) {
      assert.throws(
        () => markParameters(sql, parameters, () => '?'),
        (error: unknown) => isPlatformError(error) && error.kind === 'configuration' && /^Nothing was run/.test(error.message),
        JSON.stringify(parameters),
      );
    }
  });
});

describe('Error positions of bound statements', () => {
  const sql = 'SELECT :region, ${limit}, oops 😀 :region, again';
  const marked = markParameters(sql, usesOf(sql, [':region', '${limit}', ':region'], { region: 'EU', limit: '1' }), (name) => `:${name === 'region' ? 1 : 2}`);

  it('maps a place in the sent text back to the written text; inside a marker, to its placeholder', () => {
    assert.equal(marked.text, 'SELECT :1, :2, oops 😀 :1, again');
    assert.equal(originalOffset(marked, marked.text.indexOf('oops')), sql.indexOf('oops'));
    assert.equal(originalOffset(marked, marked.text.indexOf('again')), sql.indexOf('again'));
    assert.equal(originalOffset(marked, marked.text.indexOf(':2') + 1), sql.indexOf('${limit}'));
    assert.equal(originalOffset(marked, 3), 3);
  });

  it('moves a PlatformError position, keeps everything else, and leaves other errors alone', () => {
    const error = new PlatformError('server', 'bad', { code: '42703', serverMessage: 'column oops', position: { offset: marked.text.indexOf('again') } });
    const moved = relocateError(error, marked) as PlatformError;
    assert.deepEqual([moved.kind, moved.message, moved.code, moved.serverMessage, moved.position], ['server', 'bad', '42703', 'column oops', { offset: sql.indexOf('again') }]);
    assert.equal(relocateError(error, undefined), error);
    assert.equal((withoutPosition(error) as PlatformError).position, undefined);
    const plain = new Error('x');
    assert.equal(relocateError(plain, marked), plain);
  });
});

describe('Trino: EXECUTE IMMEDIATE … USING', () => {
  it('sends a statement without parameters unchanged', () => {
    assert.equal(executeImmediate('SELECT 1', undefined), 'SELECT 1');
    assert.equal(executeImmediate('SELECT 1', { uses: [], values: {} }), 'SELECT 1');
  });

  it('every hostile value round-trips: an independent parser reads back the same statement and values', () => {
    for (const value of HOSTILE) {
      const sql = "SELECT 'it''s' AS s, :v AS v, ${w} AS w, :v AS again;  ";
      const text = executeImmediate(sql, usesOf(sql, [':v', '${w}', ':v'], { v: value, w: null }));
      const command = readLabCommand(text);
      assert.ok(command.kind === 'execute-immediate', `${JSON.stringify(value)} → ${text}`);
      assert.equal(command.statement, "SELECT 'it''s' AS s, ? AS v, ? AS w, ? AS again");
      assert.deepEqual(command.values, [value, null, value], JSON.stringify(value));
    }
  });

  it('tells a server without EXECUTE IMMEDIATE plainly, and drops places inside the wrapper', () => {
    const old = new PlatformError('server', 'Trino said: syntax', { code: 'SYNTAX_ERROR', serverMessage: "line 1:9: mismatched input 'IMMEDIATE'. Expecting: <identifier>", position: { offset: 8 } });
    const told = executeImmediateFailure(old);
    assert.ok(isPlatformError(told) && told.kind === 'configuration' && /Trino 418/.test(told.message) && told.position === undefined, String(told));
    const other = new PlatformError('server', 'no column', { code: 'COLUMN_NOT_FOUND', serverMessage: "line 1:40: Column 'x' cannot be resolved", position: { offset: 39 } });
    const dropped = executeImmediateFailure(other);
    assert.ok(isPlatformError(dropped) && dropped.kind === 'server' && dropped.code === 'COLUMN_NOT_FOUND' && dropped.position === undefined);
  });

  it('writes values as Trino literals: quotes doubled, backslashes and newlines as they are, NULL bare', () => {
    assert.equal(parameterLiteral("'; drop table t; --"), "'''; drop table t; --'");
    assert.equal(parameterLiteral('a\\\nb'), "'a\\\nb'");
    assert.equal(parameterLiteral(null), 'NULL');
    assert.equal(parameterLiteral('NULL'), "'NULL'");
  });
});

describe('Databricks: named parameters', () => {
  const V8 = { backend: { serverProtocolVersion: 42248 } };

  it('writes Spark :name markers for both placeholder forms and names each value once', () => {
    const sql = 'SELECT * FROM t WHERE a = ${region} OR b = :region OR c = :other';
    const bound = bindNamedParameters(sql, usesOf(sql, ['${region}', ':region', ':other'], { region: 'EU', other: null }), V8);
    assert.equal(bound.text, 'SELECT * FROM t WHERE a = :region OR b = :region OR c = :other');
    assert.deepEqual(bound.namedParameters, { region: 'EU', other: null });
  });

  it('keeps a name like __proto__ a parameter, not a prototype', () => {
    const sql = 'SELECT :__proto__';
    const bound = bindNamedParameters(sql, usesOf(sql, [':__proto__'], JSON.parse('{"__proto__": "x"}') as Record<string, string>), V8);
    assert.deepEqual(Object.keys(bound.namedParameters ?? {}), ['__proto__']);
    assert.equal(Object.getPrototypeOf(bound.namedParameters), Object.prototype);
  });

  it('refuses before sending when the server answered a protocol below V8 (the driver would drop the values)', () => {
    const sql = 'SELECT :a';
    assert.throws(
      () => bindNamedParameters(sql, usesOf(sql, [':a'], { a: '1' }), { backend: { serverProtocolVersion: 42247 } }),
      (error: unknown) => isPlatformError(error) && error.kind === 'configuration' && /protocol version 7/.test(error.message),
    );
    assert.deepEqual(bindNamedParameters(sql, undefined, { backend: { serverProtocolVersion: 42247 } }), { text: sql, marked: undefined, namedParameters: undefined });
  });
});

describe('Lab: bind markers as PostgreSQL $n', () => {
  it('rewrites markers outside strings, quoted names and comments, and leaves :: casts', () => {
    const plain = (statement: PostgresStatement) => ({ text: statement.text, keys: statement.keys });
    const sql = `SELECT '?', "a?:1", ?::text, ? -- ?\n/* :1 ? */ , E'x'`;
    assert.deepEqual(plain(toPostgresMarkers(sql, 'question')), { text: `SELECT '?', "a?:1", $1::text, $2 -- ?\n/* :1 ? */ , E'x'`, keys: ['1', '2'] });
    assert.deepEqual(plain(toPostgresMarkers("SELECT :2, ':1', :1, :2", 'colon-number')), { text: "SELECT $2, ':1', $1, $2", keys: ['2', '1'] });
    assert.deepEqual(plain(toPostgresMarkers("SELECT :b, :a::int, ':a', :b", 'colon-name')), { text: "SELECT $1, $2::int, ':a', $1", keys: ['b', 'a'] });
  });

  it("places PostgreSQL's error position (code points) in the received text", () => {
    const received = 'SELECT :region, 😀, :region, oops';
    const statement = toPostgresMarkers(received, 'colon-name');
    assert.equal(statement.text, 'SELECT $1, 😀, $1, oops');
    const codePoints = (text: string) => [...text.slice(0, text.indexOf('oops'))].length + 1;
    assert.equal(receivedPosition(statement, received, codePoints(statement.text)), codePoints(received));
    assert.equal(receivedPosition(statement, received, 9), 8, 'inside a marker: its start');
    assert.equal(receivedPosition(statement, received, 1), 1);
  });
});
