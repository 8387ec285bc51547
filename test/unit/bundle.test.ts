import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isPlatformError } from '../../src/platforms/errors';
import { PlatformLoader } from '../../src/platforms/loader';

const DIST = path.resolve(__dirname, '../../../dist');

describe('bundles and lazy platform loading', () => {
  it('keeps every database driver out of the extension bundle', () => {
    const main = fs.readFileSync(path.join(DIST, 'extension.js'), 'utf8');
    for (const marker of ['pg-protocol', 'BackendKeyData', 'snowflake-sdk', 'trino-client', 'tedious', '@databricks/sql']) {
      assert.ok(!main.includes(marker), `dist/extension.js contains ${marker}`);
    }
  });

  it('ships the Redshift driver as its own bundle that the loader requires on first use', async () => {
    const required: string[] = [];
    const loader = new PlatformLoader(
      (platform) => path.join(DIST, 'platforms', `${platform}.js`),
      (file) => {
        required.push(path.relative(DIST, file));
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- the bundle is loaded by path, as the extension does
        return require(file) as unknown;
      },
    );
    assert.deepEqual(loader.loaded(), []);
    const driver = await loader.load('redshift');
    assert.equal(driver.platform, 'redshift');
    assert.equal(driver.sqlDialect, 'postgres');
    await loader.load('redshift');
    assert.deepEqual(required, [path.join('platforms', 'redshift.js')], 'loaded once');
  });

  it('names the platform and the file when its module cannot be loaded', async () => {
    const loader = new PlatformLoader(() => '/nonexistent.js');
    await assert.rejects(loader.load('synapse'), (error: unknown) => isPlatformError(error) && error.kind === 'configuration' && /Could not load the Azure Synapse Analytics support \(\/nonexistent\.js\)/.test(error.message));
  });

  it('explains a missing platform bundle instead of crashing', async () => {
    const loader = new PlatformLoader(() => path.join(DIST, 'platforms', 'missing.js'));
    await assert.rejects(loader.load('redshift'), (error: unknown) => isPlatformError(error) && /Could not load the Amazon Redshift support/.test(error.message));
  });
});
