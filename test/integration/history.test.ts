import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { historyItemView } from '../../src/ui/history-items';
import { historyEntryFor, RunHistory } from '../../src/worksheets/run-history';
import { createHarness, redshiftProfile, runOne } from './worksheet-harness';

const KEY_ID = 'AKIAIOSFODNN7LABTEST';
const SECRET = 'lab/Secret+Key+9f3c1e';

/** From a real run on the lab's Redshift stand-in to the history file, the way the extension records it. */
describe('run history of real statements', function () {
  this.timeout(30_000);
  let harness: ReturnType<typeof createHarness>;
  let dir: string;

  beforeEach(async () => {
    harness = createHarness();
    dir = await fs.mkdtemp(join(tmpdir(), 'history-it-'));
  });

  afterEach(async () => {
    await harness.registry.dispose();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('a COPY ... CREDENTIALS run as yourself is kept with the secret redacted, on disk and in what search shows', async () => {
    const profile = redshiftProfile('governor');
    const worksheet = harness.registry.create(profile);
    const copy = `COPY sales FROM 's3://acme/sales/'\n  CREDENTIALS 'aws_access_key_id=${KEY_ID};aws_secret_access_key=${SECRET}'\n  CSV`;
    const select = 'SELECT 1 AS one';
    const history = RunHistory.open({ file: join(dir, 'runs.jsonl') });
    try {
      for (const statement of [copy, select]) {
        const outcome = await runOne(worksheet, statement);
        const entry = historyEntryFor(
          { worksheet: 'load.sql', worksheetKey: 'untitled:load.sql', profile: profile.name, platform: profile.platform, login: profile.user, ranAs: null, startedAt: Date.now() },
          statement,
          outcome,
        );
        assert.ok(entry);
        history.record(entry);
      }
      await history.flush();
      const [selected, copied] = history.entries();
      // The lab is PostgreSQL, where COPY ... CREDENTIALS is a syntax error: a failure is recorded too.
      assert.equal(copied.outcome, 'failed');
      assert.equal(copied.ranAs, null);
      assert.equal(copied.statement, copy.replace(/CREDENTIALS '[^']*'/, "CREDENTIALS '***'"));
      assert.equal(selected.statement, select);

      const raw = await fs.readFile(join(dir, 'runs.jsonl'), 'utf8');
      assert.equal(raw.includes(SECRET), false);
      assert.equal(raw.includes(KEY_ID), false);
      assert.ok(raw.includes("CREDENTIALS '***'"));
      assert.deepEqual(history.search(KEY_ID), []);
      assert.deepEqual(history.search('s3://acme yourself failed').map((entry) => historyItemView(entry).label), ["COPY sales FROM 's3://acme/sales/'"]);
    } finally {
      history.dispose();
    }
  });
});
