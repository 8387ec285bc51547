import * as assert from 'node:assert/strict';
import { bindNamedParameters } from '../../src/platforms/databricks/parameters';
import { isPlatformError } from '../../src/platforms/errors';
import { markParameters } from '../../src/platforms/parameter-markers';
import { executeImmediate, parameterLiteral } from '../../src/platforms/trino/parameters';
import type { StatementParameters } from '../../src/platforms/types';
import { toPostgresMarkers } from '../lab/bind-markers';
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
    assert.deepEqual(bindNamedParameters(sql, undefined, { backend: { serverProtocolVersion: 42247 } }), { text: sql, namedParameters: undefined });
  });
});

describe('Lab: bind markers as PostgreSQL $n', () => {
  it('rewrites markers outside strings, quoted names and comments, and leaves :: casts', () => {
    const sql = `SELECT '?', "a?:1", ?::text, ? -- ?\n/* :1 ? */ , E'x'`;
    assert.deepEqual(toPostgresMarkers(sql, 'question'), { text: `SELECT '?', "a?:1", $1::text, $2 -- ?\n/* :1 ? */ , E'x'`, keys: ['1', '2'] });
    assert.deepEqual(toPostgresMarkers("SELECT :2, ':1', :1, :2", 'colon-number'), { text: "SELECT $2, ':1', $1, $2", keys: ['2', '1'] });
    assert.deepEqual(toPostgresMarkers("SELECT :b, :a::int, ':a', :b", 'colon-name'), { text: "SELECT $1, $2::int, ':a', $1", keys: ['b', 'a'] });
  });
});
