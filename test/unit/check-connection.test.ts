import * as assert from 'node:assert/strict';
import type { ConnectionProfile } from '../../src/platforms/types';
import { resolveCheckConnection } from '../../src/ui/check-connection';

const profile = (name: string) => ({ name, platform: 'redshift', host: '127.0.0.1', port: 5439, user: 'governor' }) as unknown as ConnectionProfile;
const LAB = profile('Lab Redshift (governor)');
const OTHER = profile('Prod');

describe('the connection of a check file', () => {
  it('is the one its @connection names, even when the document is bound elsewhere', () => {
    assert.deepEqual(resolveCheckConnection('Lab Redshift (governor)', [OTHER, LAB], OTHER), { profile: LAB });
  });

  it('a name that matches no connection is an error naming the configured ones, never a fallback', () => {
    const resolved = resolveCheckConnection('Lab Redshfit', [LAB], LAB);
    assert.ok('error' in resolved);
    assert.match(resolved.error, /"Lab Redshfit"/);
    assert.match(resolved.error, /one of: "Lab Redshift \(governor\)"/);
  });

  it('without @connection: the document\u2019s bound connection, else the only one configured', () => {
    assert.deepEqual(resolveCheckConnection(undefined, [LAB, OTHER], OTHER), { profile: OTHER });
    assert.deepEqual(resolveCheckConnection(undefined, [LAB], undefined), { profile: LAB });
  });

  it('otherwise says how to name one', () => {
    const several = resolveCheckConnection(undefined, [LAB, OTHER], undefined);
    assert.deepEqual(several, { error: 'No connection for this file: add `-- @connection <name>` (one of: "Lab Redshift (governor)", "Prod").' });
    const none = resolveCheckConnection(undefined, [], undefined);
    assert.ok('error' in none);
    assert.match(none.error, /none is configured in immutaWorksheets\.connections/);
  });
});
