import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/common/logger';
import type { StatementParameters } from '../../src/platforms/types';
import { stampLines } from '../../src/results/export';
import { historyItemView } from '../../src/ui/history-items';
import { stampView } from '../../src/results/run-results';
import { findParameters } from '../../src/sql/parameters';
import { RunHistory, historyEntryFor, type NewHistoryEntry } from '../../src/worksheets/run-history';
import type { StatementOutcome } from '../../src/worksheets/run-types';
import { Worksheet } from '../../src/worksheets/worksheet';
import { FakePlatform, PROFILE } from './fakes/fake-platform';

function worksheet(): { fake: FakePlatform; ws: Worksheet } {
  const fake = new FakePlatform();
  const ws = new Worksheet('ws-params', { loadDriver: async () => fake, getSecret: async () => ({ password: 'not-a-real-password' }), logger: silentLogger, now: () => 1_000 }, PROFILE);
  return { fake, ws };
}

function parametersOf(text: string, values: Record<string, string | null>): StatementParameters {
  return { uses: findParameters(text, 'postgres'), values };
}

function succeededStamp(outcome: StatementOutcome | undefined) {
  assert.ok(outcome?.status === 'succeeded', `expected success, got ${JSON.stringify(outcome)}`);
  return outcome.stamp;
}

describe('Worksheet: query parameters', () => {
  const SQL = 'SELECT * FROM sales.customers WHERE region = :region AND api = :api_key OR r = :region';

  it('passes the parameters to the session with the text as written, and the stamp records the values with secrets redacted', async () => {
    const { fake, ws } = worksheet();
    const parameters = parametersOf(SQL, { region: "EU'; drop table t; --", api_key: 'sk-live-123', unused: 'x' });
    const [outcome] = await ws.run([{ text: SQL, parameters }]).outcomes;
    const stamp = succeededStamp(outcome);
    const [sent] = fake.statements();
    assert.equal(sent.sql, SQL, 'the text goes as written: binding is the adapter\'s job');
    assert.deepEqual(sent.parameters, parameters);
    assert.deepEqual(stamp.parameters, { region: "EU'; drop table t; --", api_key: '***' }, 'only the names used, secrets redacted');
    await ws.close();
  });

  it('sends no parameters when the statement has no uses, and the stamp has none', async () => {
    const { fake, ws } = worksheet();
    const [outcome] = await ws.run([{ text: 'SELECT 1', parameters: { uses: [], values: { region: 'EU' } } }]).outcomes;
    assert.equal(succeededStamp(outcome).parameters, undefined);
    assert.equal(fake.statements()[0].parameters, undefined);
    await ws.close();
  });

  it('NULL stays NULL in the stamp, the results view and the export', async () => {
    const { ws } = worksheet();
    const text = 'SELECT :since, :password';
    const [outcome] = await ws.run([{ text, parameters: parametersOf(text, { since: null, password: 'hunter2' }) }]).outcomes;
    const view = stampView(succeededStamp(outcome), () => 'Fake');
    assert.deepEqual(view.parameters, { since: null, password: '***' });
    const lines = stampLines(view, text);
    assert.ok(lines.includes("# parameters: since=NULL, password='***'"), lines.join('\n'));
    assert.ok(!lines.join('\n').includes('hunter2'));
    await ws.close();
  });
});

describe('RunHistory: parameter values', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(join(tmpdir(), 'history-params-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  const context = { worksheet: 'a.sql', worksheetKey: 'file:///a.sql', profile: 'p', platform: 'redshift', login: 'analyst', ranAs: null, startedAt: 1 };
  const outcome = (parameters: Record<string, string | null>): StatementOutcome => ({
    status: 'succeeded',
    stamp: { platform: 'redshift', profileName: 'p', login: 'analyst', sessionId: 's', ranAs: { kind: 'yourself' }, startedAt: 5, parameters },
    summary: { rowCount: 0, command: 'SELECT', hasResultSet: true, durationMs: 1, queryId: null },
  });

  it('keeps the values with the entry, redacts secret ones even when the caller did not, finds entries by value', async () => {
    const file = join(dir, 'runs.jsonl');
    const history = RunHistory.open({ file });
    const recorded = history.record({ ...historyEntryFor(context, 'SELECT :region, :token', outcome({ region: 'EU', token: 'tok-secret' })) as NewHistoryEntry });
    assert.deepEqual(recorded.parameters, { region: 'EU', token: '***' });
    assert.equal(history.search('eu').length, 1);
    assert.match(historyItemView(recorded).detail, / · with region='EU', token='\*\*\*'$/);
    await history.flush();
    const onDisk = await fs.readFile(file, 'utf8');
    assert.ok(onDisk.includes('"region":"EU"') && !onDisk.includes('tok-secret'), onDisk);
    history.dispose();
    const reloaded = RunHistory.open({ file });
    await reloaded.ready;
    assert.deepEqual(reloaded.entries()[0].parameters, { region: 'EU', token: '***' });
    reloaded.dispose();
  });

  it('drops the values whenever the statement text is not kept', async () => {
    const history = RunHistory.open({ file: join(dir, 'none.jsonl'), statementText: () => 'none' });
    const recorded = history.record({ ...historyEntryFor(context, 'SELECT :region', outcome({ region: 'EU' })) as NewHistoryEntry });
    assert.equal(recorded.statement, null);
    assert.equal(recorded.parameters, undefined);
    await history.flush();
    history.dispose();
  });
});
