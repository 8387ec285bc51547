import * as assert from 'node:assert/strict';
import { runComparison, type ComparisonSide } from '../../src/compare/comparison-runner';
import { impersonationUnsupported } from '../../src/compare/comparison-support';
import { impersonationUnavailable } from '../../src/platforms/profile';
import type { DatabricksProfile } from '../../src/platforms/types';

function databricks(unityCatalog: boolean): DatabricksProfile {
  return {
    name: 'dbx',
    platform: 'databricks',
    host: 'adb-1.azuredatabricks.net',
    port: 443,
    httpPath: '/sql/1.0/warehouses/abc',
    auth: 'token',
    unityCatalog,
    tls: { verify: true },
    connectTimeoutMs: 10000,
  };
}

describe('Compare as… on a connection that cannot impersonate (Unity Catalog)', () => {
  it('knows it from the profile, with the explanation the status bar gives', () => {
    const reason = impersonationUnsupported(databricks(true));
    assert.match(reason ?? '', /^Immuta does not support user impersonation on Databricks Unity Catalog; /);
    assert.equal(reason, impersonationUnavailable(databricks(true)));
    assert.equal(impersonationUnsupported(databricks(false)), undefined);
  });

  it('reports every other identity as unsupported, in order, without opening a session for any', async () => {
    const seen: [number, ComparisonSide][] = [];
    const sides = await runComparison(
      {
        open: () => assert.fail('no session may be opened for a side that cannot impersonate'),
        close: async () => assert.fail('nothing was opened'),
      },
      databricks(true),
      'SELECT 1',
      ['alice@example.com', 'bob@example.com', 'carol@example.com'],
      { rowLimit: 10, concurrency: 2, onSide: (index, side) => seen.push([index, side]) },
    );
    const reason = impersonationUnavailable(databricks(true));
    assert.deepEqual(sides, ['alice@example.com', 'bob@example.com', 'carol@example.com'].map((label) => ({ label, status: 'unsupported', reason })));
    assert.deepEqual(seen.map(([index]) => index).sort(), [0, 1, 2], 'each side is reported as it ends');
  });
});
