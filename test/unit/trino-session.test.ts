import * as assert from 'node:assert/strict';
import { lineColumnToOffset, mapQueryError, mapTransportError } from '../../src/platforms/trino/errors';
import { parseJsonKeepingBigIntegers } from '../../src/platforms/trino/json';
import { decodeValue, encodeValue, readSessionChanges, TrinoSessionState } from '../../src/platforms/trino/session-state';
import { cellKind, toRows } from '../../src/platforms/trino/types';

/** A header lookup over a plain record, as Node presents headers (lower case, repeats joined). */
function headers(record: Record<string, string>): (name: string) => string | undefined {
  return (name) => record[name.toLowerCase()];
}

describe('Trino session state', () => {
  it('applies Set-Session per property instead of replacing the whole session', () => {
    const state = new TrinoSessionState({});
    state.apply(readSessionChanges(headers({ 'x-trino-set-session': 'query_priority=5' })));
    state.apply(readSessionChanges(headers({ 'x-trino-set-session': 'lab.note=a%2Cb' })));
    assert.deepEqual(state.entries(), [
      ['query_priority', '5'],
      ['lab.note', 'a,b'],
    ]);
  });

  it('clears only the properties Clear-Session names', () => {
    const state = new TrinoSessionState({});
    state.set('a', '1');
    state.set('b', '2');
    state.set('c', '3');
    state.apply(readSessionChanges(headers({ 'x-trino-clear-session': 'a, c' })));
    assert.deepEqual(state.entries(), [['b', '2']]);
  });

  it('reads several Set-Session headers joined by the HTTP stack', () => {
    const changes = readSessionChanges(headers({ 'x-trino-set-session': 'a=1, b=x+y%3Dz', 'x-trino-set-catalog': 'lab', 'x-trino-set-schema': 'sales' }));
    assert.deepEqual(changes, { set: [['a', '1'], ['b', 'x y=z']], cleared: [], catalog: 'lab', schema: 'sales' });
  });

  it('keeps protected properties out of reach of ordinary statements', () => {
    const state = new TrinoSessionState({});
    state.set('immuta.immuta_user', 'bob@example.com');
    const skipped = state.apply(
      readSessionChanges(headers({ 'x-trino-set-session': 'immuta.immuta_user=mallory, query_priority=2', 'x-trino-clear-session': 'immuta.immuta_user' })),
      new Set(['immuta.immuta_user']),
    );
    assert.deepEqual(skipped, ['immuta.immuta_user', 'immuta.immuta_user']);
    assert.equal(state.get('immuta.immuta_user'), 'bob@example.com');
    assert.equal(state.get('query_priority'), '2');
  });

  it('sets catalog and schema from USE and keeps them otherwise', () => {
    const state = new TrinoSessionState({ catalog: 'lab' });
    state.apply(readSessionChanges(headers({ 'x-trino-set-schema': 'sales' })));
    state.apply(readSessionChanges(headers({})));
    assert.deepEqual([state.catalog, state.schema], ['lab', 'sales']);
  });

  it('URL-encodes values so that commas, equals signs and unicode survive the header', () => {
    const state = new TrinoSessionState({});
    const hostile = ["o'brien", 'a,b=c', 'x+y z', 'Zoë 山田 🚀', '%41', '\\'];
    hostile.forEach((value, index) => state.set(`p${index}`, value));
    const encoded = state.encodedProperties();
    for (const [index, value] of hostile.entries()) {
      assert.match(encoded[`p${index}`], /^[\x21-\x7e]*$/, 'header-safe, no commas');
      assert.doesNotMatch(encoded[`p${index}`], /,/);
      assert.equal(decodeValue(encoded[`p${index}`]), value);
    }
    assert.equal(encodeValue('a b'), 'a%20b');
  });
});

describe('Trino JSON and cells', () => {
  it('keeps integers beyond 2^53 exact and leaves everything else to JSON.parse', () => {
    const parsed = parseJsonKeepingBigIntegers('{"data":[[9007199254740993,-9223372036854775808,1.5e300,"12345678901234567890",42]]}') as { data: unknown[][] };
    assert.deepEqual(parsed.data[0], ['9007199254740993', '-9223372036854775808', 1.5e300, '12345678901234567890', 42]);
    assert.deepEqual(parseJsonKeepingBigIntegers('{"s":"a\\"9007199254740993"}'), { s: 'a"9007199254740993' });
  });

  it('converts cells by Trino type: exact numbers only where a JS number is exact', () => {
    const types = ['integer', 'bigint', 'double', 'decimal(12,2)', 'boolean', 'timestamp(6) with time zone', 'array(integer)', 'varchar'];
    const rows = toRows([[1, 42, 'NaN', '12.50', true, '2024-01-02 03:04:05.000000 UTC', [1, 2], null]], types.map(cellKind));
    assert.deepEqual(rows, [[1, '42', 'NaN', '12.50', true, '2024-01-02 03:04:05.000000 UTC', '[1,2]', null]]);
  });
});

describe('Trino errors', () => {
  it('turns line and column (code points) into a UTF-16 offset', () => {
    const text = "SELECT 1,\n  '😀' AS smile, no_such_column";
    assert.equal(lineColumnToOffset(text, 2, 17), text.indexOf('no_such_column'));
    assert.equal(lineColumnToOffset(text, 1, 1), 0);
    assert.equal(lineColumnToOffset(text, 9, 1), text.length);
  });

  it('maps page errors by errorName: cancelled, permission, others server', () => {
    assert.equal(mapQueryError({ errorName: 'USER_CANCELED', message: 'Query was canceled' }, 'x').kind, 'cancelled');
    const denied = mapQueryError({ errorName: 'PERMISSION_DENIED', errorCode: 4, message: 'Access Denied: no' }, 'x');
    assert.deepEqual([denied.kind, denied.code, denied.serverMessage], ['permission', 'PERMISSION_DENIED', 'Access Denied: no']);
    assert.equal(mapQueryError({ errorCode: 47, message: 'm' }, 'x').code, '47');
  });

  it('maps HTTP 401 to authentication and a refused first request to not-sent', () => {
    const context = { where: 'http://127.0.0.1:1', login: 'governor', phase: 'statement' as const, firstRequest: true };
    const denied = mapTransportError({ message: 'Request failed with status code 401', response: { status: 401, data: 'Access Denied: Invalid credentials' } }, context);
    assert.equal(denied.kind, 'authentication');
    assert.match(denied.message, /Invalid credentials/);
    const refused = mapTransportError({ message: 'connect ECONNREFUSED', code: 'ECONNREFUSED' }, context);
    assert.deepEqual([refused.kind, refused.notSent], ['connection-lost', true]);
    const midway = mapTransportError({ message: 'socket hang up', code: 'ECONNRESET' }, { ...context, firstRequest: false });
    assert.deepEqual([midway.kind, midway.notSent], ['connection-lost', false]);
    assert.equal(mapTransportError({ code: 'ECONNREFUSED', message: 'x' }, { ...context, phase: 'open' }).kind, 'connection');
  });

  it('never keeps the request config (password, Authorization header) on the error', () => {
    const axiosLike = {
      message: 'Request failed with status code 401',
      response: { status: 401, data: 'denied' },
      config: { auth: { username: 'governor', password: 's3cret-pw' }, headers: { Authorization: 'Bearer s3cret-token' } },
    };
    const mapped = mapTransportError(axiosLike, { where: 'http://127.0.0.1:1', login: 'governor', phase: 'open', firstRequest: true });
    const everything = JSON.stringify(mapped, Object.getOwnPropertyNames(mapped)) + JSON.stringify(mapped.cause, Object.getOwnPropertyNames(mapped.cause ?? {}));
    assert.doesNotMatch(everything, /s3cret/);
  });
});
