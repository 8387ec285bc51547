import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEMO_PASSWORDS } from '../lab/demo-workspace';
import { LAB_IMMUTA_KEYS } from '../lab/immuta-server';
import { ui } from './ui-context';

/** Runs after every other flow (run-ui-tier.ts runs this file last), so it searches what all of them wrote. */
describe('secrets after every flow', function () {
  this.timeout(60000);

  it('never writes a password or the Immuta API key into settings, logs or output (every file VS Code wrote is searched)', async () => {
    const { serverRoot, workspace } = ui();
    const written = [serverRoot, workspace]
      .flatMap((dir) => (fs.readdirSync(dir, { recursive: true }) as string[]).map((name) => path.join(dir, name)))
      .filter((file) => {
        const stat = fs.lstatSync(file);
        return stat.isFile() && stat.size < 50 * 1024 * 1024;
      });
    const secrets = [...Object.values(DEMO_PASSWORDS), ...Object.values(LAB_IMMUTA_KEYS)];
    const hits = written.filter((file) => secrets.some((secret) => fs.readFileSync(file).includes(secret)));
    assert.deepEqual(hits, [], 'a secret was found in these files');
    // The search did look at the right places: the extension's log, run history and audit log.
    const contains = (text: string) => written.some((file) => fs.readFileSync(file, 'utf8').includes(text));
    assert.ok(contains('audit apply ok user=bob@example.com'), 'the extension\u2019s log is among the searched files');
    assert.ok(contains('"ranAs":"bob@example.com"'), 'the run history is among the searched files');
    assert.ok(contains('"action":"apply"'), 'the impersonation audit log is among the searched files');
    assert.ok(contains('immuta: ') || contains('Immuta API at '), 'the extension\u2019s log of the Immuta API is among the searched files');
    assert.ok(contains('"profile":"Lab Trino (governor)"') && contains('"profile":"Lab Snowflake (governor)"'), 'runs on Trino and Snowflake are among the searched files');
  });
});
