import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { ImmutaAwareness, type PermissionFact, type ProjectFact } from '../../src/immuta/awareness';
import { ImmutaClient } from '../../src/immuta/client';
import { RunResults } from '../../src/results/run-results';
import { statusModel } from '../../src/ui/status-model';
import { startImmutaLab, type ImmutaLab } from '../lab/immuta-server';
import { lab } from './shared-lab';
import { createHarness, redshiftProfile } from './worksheet-harness';

/** Awareness over a real client, the way the extension builds it. */
function awarenessFor(url: string, key: string, timeoutMs = 2_000): { awareness: ImmutaAwareness; client: ImmutaClient } {
  const client = new ImmutaClient({ baseUrl: url, apiKey: () => Promise.resolve(key), timeoutMs });
  const awareness = new ImmutaAwareness();
  awareness.configure({
    me: (signal) => client.currentUser(signal),
    findUser: (userid, signal) => client.findUser(userid, signal),
    project: (id, signal) => client.project(id, signal),
    searchUsers: (text, options) => client.searchUsers(text, options),
  });
  return { awareness, client };
}

/** The first answer after "checking", timing how long the synchronous call took. */
/**
 * Reads a fact until Immuta's answer is in. `first` is what the very first read said: "checking"
 * means it answered at once from what was known, without waiting for Immuta (it cannot wait: it
 * is synchronous).
 */
async function settled<T extends { kind: string }>(read: () => T, timeoutMs = 10_000): Promise<{ fact: T; first: string }> {
  let first: string | undefined;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const fact = read();
    first ??= fact.kind;
    if (fact.kind !== 'checking') return { fact, first };
    if (Date.now() > deadline) throw new Error('still checking');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function message(fact: PermissionFact | ProjectFact): string {
  return fact.kind === 'error' ? fact.message : `(${fact.kind})`;
}

const bobImpersonated = (): Parameters<typeof statusModel>[0] =>
  ({
  id: 'w',
  profile: redshiftProfile('governor'),
  identity: { kind: 'impersonating', user: 'bob@example.com', since: 0, assurance: 'applied' },
  connection: 'open',
  busy: false,
  queued: 0,
  closed: false,
  }) as unknown as Parameters<typeof statusModel>[0];

describe('Immuta awareness against the lab Immuta API', function () {
  this.timeout(30_000);
  let immuta: ImmutaLab;
  const made: ImmutaClient[] = [];
  const make = (url: string, key: string, timeoutMs?: number) => {
    const built = awarenessFor(url, key, timeoutMs);
    made.push(built.client);
    return built.awareness;
  };

  before(async () => {
    immuta = await startImmutaLab(lab());
  });

  afterEach(() => {
    immuta.reset();
    for (const client of made.splice(0)) client.dispose();
  });

  after(async () => {
    await immuta.close();
  });

  it('finds bob by part of his name with his project, and knows who holds IMPERSONATE_USER', async () => {
    const awareness = make(immuta.url, immuta.keys.governor);
    const found = await awareness.search('bo');
    assert.equal(found.kind, 'found');
    const bob = found.kind === 'found' ? found.users.find((user) => user.userid === 'bob@example.com') : undefined;
    assert.deepEqual(bob && { project: bob.project, email: bob.email }, { project: 'Fraud Analytics', email: 'bob@example.com' });
    assert.deepEqual((await settled(() => awareness.permission())).fact, { kind: 'held', user: 'governor@example.com' });
    assert.deepEqual((await settled(() => awareness.permission('analyst@example.com'))).fact, { kind: 'missing', user: 'analyst@example.com' });
    const model = statusModel(bobImpersonated(), Date.now(), { permission: awareness.permission(), project: (await settled(() => awareness.project('bob@example.com'))).fact });
    assert.equal(model.identity.text, '$(warning) as bob@example.com · applied · project Fraud Analytics');
  });

  it('sees a project switch on re-check, since users switch projects', async () => {
    const awareness = make(immuta.url, immuta.keys.governor);
    assert.equal((await awareness.checkProject('bob@example.com')).kind, 'project');
    await lab().adminQuery("UPDATE immuta.users SET current_project_id = NULL WHERE name = 'bob@example.com'");
    try {
      assert.equal((await awareness.checkProject('bob@example.com')).kind, 'project', 'within the TTL the cached answer stands');
      assert.equal((await awareness.checkProject('bob@example.com', 0)).kind, 'none', 'a fresh re-check sees the switch');
    } finally {
      await lab().adminQuery("UPDATE immuta.users SET current_project_id = (SELECT id FROM immuta.projects WHERE name = 'Fraud Analytics') WHERE name = 'bob@example.com'");
    }
  });

  it('a bad key: says the key was rejected and what to do, without ever blocking', async () => {
    const awareness = make(immuta.url, 'not-a-key');
    const { fact, first } = await settled(() => awareness.project('bob@example.com'));
    assert.equal(message(fact), 'Immuta rejected the API key (HTTP 401). Generate a new key in Immuta (Profile → API Keys) and set it again.');
    assert.equal(first, 'checking', 'the first read answered at once, before Immuta did');
    const search = await awareness.search('bo');
    assert.equal(search.kind === 'error' ? search.message : search.kind, 'Immuta rejected the API key (HTTP 401). Generate a new key in Immuta (Profile → API Keys) and set it again.');
  });

  it('an unreachable host: names the address and the refusal', async () => {
    const port = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = server.address() as net.AddressInfo;
        server.close(() => resolve(free));
      });
    });
    const awareness = make(`http://127.0.0.1:${port}`, immuta.keys.governor);
    const { fact } = await settled(() => awareness.permission());
    assert.equal(message(fact), `Cannot reach Immuta at http://127.0.0.1:${port} (ECONNREFUSED). Check the Immuta URL setting and that the host is reachable from this machine.`);
  });

  it('a slow server: times out with a clear message while the status bar answers at once, and a statement never waits for it', async () => {
    immuta.delay(5_000);
    const awareness = make(immuta.url, immuta.keys.governor, 400);
    const { fact, first } = await settled(() => awareness.project('bob@example.com'));
    // The 0.4 s timeout ended the wait, not the server's 5 s answer.
    assert.match(message(fact), /^Immuta at http:\/\/127\.0\.0\.1:\d+ did not answer within 0\.4 s \(/);
    assert.equal(first, 'checking', 'the first read answered at once, before Immuta did');
    const tooltip = statusModel(bobImpersonated(), Date.now(), { permission: { kind: 'checking' }, project: fact }).identity.tooltip;
    assert.match(tooltip, /Immuta project: \*\*unknown\*\*\. Immuta could not be asked: Immuta at/);

    // A statement as bob with a project lookup under way: the run ends long before Immuta answers.
    const fresh = make(immuta.url, immuta.keys.governor, 4_000);
    const harness = createHarness();
    try {
      const worksheet = harness.registry.create(redshiftProfile('governor'));
      await worksheet.impersonate('bob@example.com');
      const results = new RunResults('immuta.test.sql', ['SELECT count(*) FROM sales.customers'], {
        rowLimit: 100,
        platformName: () => 'Amazon Redshift',
        describeError: (error) => ({ message: String(error) }),
        projectOf: (stamp) => {
          const run = fresh.projectForRun(stamp.ranAs.kind === 'impersonating' ? stamp.ranAs.user : 'governor@example.com');
          return { now: run.now, later: run.later.then((known) => (known.kind === 'project' ? known.name : known.kind === 'none' ? null : undefined)) };
        },
      });
      const runStarted = Date.now();
      const [outcome] = await worksheet.run([{ text: 'SELECT count(*) FROM sales.customers' }], results.observer()).outcomes;
      assert.equal(outcome.status, 'succeeded');
      assert.ok(Date.now() - runStarted < 2_000, `the statement took ${Date.now() - runStarted} ms with Immuta answering in 5 s`);
      assert.equal(results.results[0].stamp?.project, undefined, 'not known yet, and not claimed to be none');
      immuta.delay(0);
    } finally {
      await harness.registry.dispose();
    }
  });

  it('500 answers: keeps Immuta\'s own text', async () => {
    const awareness = make(immuta.url, immuta.keys.governor);
    immuta.failNext(500, 10);
    const search = await awareness.search('bo');
    assert.equal(search.kind === 'error' ? search.message : search.kind, 'Immuta failed to search users (HTTP 500): An internal server error occurred.');
    immuta.reset();
    const again = await awareness.search('bo');
    assert.equal(again.kind, 'found', 'the next search works again');
  });

  it('a 502 from a proxy with an HTML page: says so in one line, no markup', async () => {
    const awareness = make(immuta.url, immuta.keys.governor);
    immuta.failNext(502, 10, '<html><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>', { includeAuth: true });
    const { fact } = await settled(() => awareness.permission());
    assert.match(message(fact), /^Immuta failed to .* \(HTTP 502\): 502 Bad Gateway/);
    assert.doesNotMatch(message(fact), /</);
  });

  it('unexpected fields and a string projectId (a newer Immuta), and the older shape, both work', async () => {
    immuta.extraFields(true);
    const newer = make(immuta.url, immuta.keys.governor);
    assert.deepEqual(await newer.checkProject('bob@example.com').then((fact) => fact.kind === 'project' && fact.name), 'Fraud Analytics');
    assert.deepEqual((await settled(() => newer.permission())).fact, { kind: 'held', user: 'governor@example.com' });
    immuta.extraFields(false);
    immuta.legacy(true);
    const older = make(immuta.url, immuta.keys.governor);
    const found = await older.search('dave');
    assert.equal(found.kind === 'found' ? found.users[0]?.project : found.kind, 'Marketing Insights');
    assert.deepEqual((await settled(() => older.permission('analyst@example.com'))).fact, { kind: 'missing', user: 'analyst@example.com' });
  });

  it('an expired token is renewed without the user noticing', async () => {
    const exchangesBefore = immuta.received.filter((request) => request.path === '/bim/apikey/authenticate').length;
    const awareness = make(immuta.url, immuta.keys.governor);
    assert.equal((await awareness.checkPermission()).kind, 'held');
    immuta.expireTokens();
    assert.equal((await awareness.checkPermission(undefined, 0)).kind, 'held');
    const exchanges = immuta.received.filter((request) => request.path === '/bim/apikey/authenticate').length - exchangesBefore;
    assert.equal(exchanges, 2, 'the key was exchanged again once');
  });
});
