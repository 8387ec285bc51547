/**
 * Immuta data sources: the lab API's endpoints (shapes from the v1 Swagger), the client's calls,
 * and the facts a table's tooltip shows, for governor (no project) and bob (acting under Fraud
 * Analytics). Expectations come from the fixture (test/lab/fixture.sql): Customers is
 * sales.customers; Fraud Cases is fraud.cases, project_only, included in Fraud Analytics;
 * Campaigns is marketing.campaigns, project_only, in Marketing Insights; public.notes is no data
 * source. access_context: under a project, only its data sources; under none, every data
 * source that is not project_only.
 */
import * as assert from 'node:assert/strict';
import { ImmutaAwareness } from '../../src/immuta/awareness';
import { ImmutaClient } from '../../src/immuta/client';
import { dataSourceTooltip, type DataSourceFact, type TableRef } from '../../src/immuta/data-source-facts';
import { isImmutaApiError } from '../../src/immuta/errors';
import { startImmutaLab, type ImmutaLab } from '../lab/immuta-server';
import { lab } from './shared-lab';

interface Reply {
  readonly status: number;
  readonly json: Record<string, unknown>;
}

const CUSTOMERS: TableRef = { schema: 'sales', name: 'customers' };
const FRAUD_CASES: TableRef = { schema: 'fraud', name: 'cases' };
const NOTES: TableRef = { schema: 'public', name: 'notes' };
const PROJECT_SENTENCE = "Acting under project Fraud Analytics: only the project's data sources are visible.";

/** Awareness over a real client, wired the way src/ui/immuta-service.ts wires it. */
function awarenessFor(url: string, key: string): { awareness: ImmutaAwareness; client: ImmutaClient } {
  const client = new ImmutaClient({ baseUrl: url, apiKey: () => Promise.resolve(key), timeoutMs: 5_000 });
  const awareness = new ImmutaAwareness();
  awareness.configure({
    me: (signal) => client.currentUser(signal),
    findUser: (userid, signal) => client.findUser(userid, signal),
    project: (id, signal) => client.project(id, signal),
    searchUsers: (text, options) => client.searchUsers(text, options),
    searchDataSources: (options) => client.searchDataSources(options),
    dataSource: (id, signal) => client.dataSource(id, signal),
    dataSourceAccess: (id, options) => client.dataSourceAccess(id, options),
    projectDataSources: (id, signal) => client.projectDataSources(id, signal),
  });
  return { awareness, client };
}

/** Reads the fact, then waits for change events until it is no longer 'checking'. */
async function settled(awareness: ImmutaAwareness, user: string, table: TableRef, timeoutMs = 10_000): Promise<{ fact: DataSourceFact; first: string }> {
  const first = awareness.dataSources.fact(user, table).kind;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const fact = awareness.dataSources.fact(user, table);
    if (fact.kind !== 'checking') return { fact, first };
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`still 'checking' after ${timeoutMs} ms for ${user} ${table.schema}.${table.name}`);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, left);
      const listener = awareness.dataSources.onDidChange(() => {
        clearTimeout(timer);
        listener.dispose();
        resolve();
      });
    });
  }
}

describe('Immuta data sources against the lab Immuta API', function () {
  this.timeout(30_000);
  let immuta: ImmutaLab;
  const clients: ImmutaClient[] = [];
  const make = (key = immuta.keys.governor): ImmutaAwareness => {
    const built = awarenessFor(immuta.url, key);
    clients.push(built.client);
    return built.awareness;
  };

  async function get(path: string, auth: string | null = immuta.keys.governor): Promise<Reply> {
    const response = await fetch(`${immuta.url}${path}`, { headers: auth === null ? {} : { Authorization: auth } });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  }

  async function idOf(table: 'data_sources' | 'projects', name: string): Promise<number> {
    const [row] = await lab().adminQuery<{ id: number }>(`SELECT id FROM immuta.${table} WHERE name = $1`, [name]);
    return row.id;
  }

  before(async () => {
    immuta = await startImmutaLab(lab());
  });

  afterEach(() => {
    immuta.reset();
    for (const client of clients.splice(0)) client.dispose();
  });

  after(async () => {
    await immuta.close();
  });

  it('GET /dataSource lists every data source with the caller\u2019s subscription, filtered by schema and name', async () => {
    const all = await get('/dataSource');
    assert.equal(all.status, 200);
    const hits = all.json.hits as Array<Record<string, unknown>>;
    assert.equal(all.json.count, 3);
    assert.deepEqual(
      hits.map((hit) => [hit.name, hit.subscriptionStatus, hit.blobHandlerType]),
      [
        ['Campaigns', 'not_subscribed', 'PostgreSQL'],
        ['Customers', 'subscribed', 'PostgreSQL'],
        ['Fraud Cases', 'not_subscribed', 'PostgreSQL'],
      ],
    );
    assert.deepEqual(((await get('/dataSource?schema=fraud')).json.hits as Array<Record<string, unknown>>).map((hit) => hit.name), ['Fraud Cases']);
    assert.deepEqual(((await get('/dataSource?searchText=cust')).json.hits as Array<Record<string, unknown>>).map((hit) => hit.name), ['Customers']);
    const none = await get('/dataSource', null);
    assert.deepEqual([none.status, none.json.message], [401, 'Missing authentication'], 'the API key is still required');
  });

  it('GET /dataSource/{id} and /dataSource/name/{name} say where a data source lives and how many can read it', async () => {
    const customers = await idOf('data_sources', 'Customers');
    const one = await get(`/dataSource/${customers}`);
    assert.equal(one.status, 200);
    const [handler] = one.json.handler as Array<{ dataSourceId: number; metadata: Record<string, unknown> }>;
    assert.deepEqual(
      [one.json.id, one.json.name, one.json.subscriptionStatus, one.json.subscribedAsUser, handler.dataSourceId, handler.metadata.schema, handler.metadata.table, handler.metadata.database],
      [customers, 'Customers', 'subscribed', true, customers, 'sales', 'customers', lab().database],
    );
    // Every user under no project (6 of them) plus bob (Fraud Analytics includes it); not dave.
    assert.equal(one.json.subscribers, 7);
    const byName = await get('/dataSource/name/Fraud%20Cases');
    assert.deepEqual([byName.status, byName.json.id, byName.json.subscribedAsUser], [200, await idOf('data_sources', 'Fraud Cases'), false]);
    assert.deepEqual([(await get('/dataSource/999999')).status, (await get('/dataSource/nope')).status], [404, 400]);
  });

  it('GET /dataSource/{id}/access lists who can read it now; GET /project/{id}/dataSources what a project includes', async () => {
    const fraud = await idOf('data_sources', 'Fraud Cases');
    const access = await get(`/dataSource/${fraud}/access?states=subscribed`);
    assert.equal(access.status, 200);
    // carol is a member of Fraud Analytics but acts under no project: membership alone changes nothing.
    assert.deepEqual([access.json.count, (access.json.users as Array<Record<string, unknown>>).map((user) => [user.userid, user.state])], [1, [['bob@example.com', 'subscribed']]]);
    const project = await get(`/project/${await idOf('projects', 'Fraud Analytics')}/dataSources`);
    assert.equal(project.status, 200);
    assert.deepEqual(
      [project.json.count, (project.json.dataSources as Array<Record<string, unknown>>).map((source) => source.dataSourceName)],
      [2, ['Customers', 'Fraud Cases']],
    );
  });

  it('the client reads the endpoints into typed answers', async () => {
    const client = new ImmutaClient({ baseUrl: immuta.url, apiKey: () => Promise.resolve(immuta.keys.governor) });
    clients.push(client);
    const found = await client.searchDataSources({ schema: 'sales' });
    assert.deepEqual(found, { count: 1, dataSources: [{ id: await idOf('data_sources', 'Customers'), name: 'Customers', subscriptionStatus: 'subscribed' }] });
    assert.deepEqual(await client.dataSource(found.dataSources[0].id), { ...found.dataSources[0], database: lab().database, schema: 'sales', table: 'customers' });
    assert.equal(await client.dataSource(999_999), undefined);
    const access = await client.dataSourceAccess(await idOf('data_sources', 'Fraud Cases'), { searchText: 'bob@example.com' });
    assert.deepEqual(access.users.map((user) => user.userid), ['bob@example.com']);
    assert.deepEqual((await client.projectDataSources(await idOf('projects', 'Marketing Insights'))).map((source) => source.name), ['Campaigns']);
  });

  it('sales.customers: the data source Customers, subscribed for governor and for bob, with bob\u2019s project context', async () => {
    const awareness = make();
    const governor = await settled(awareness, 'governor@example.com', CUSTOMERS);
    assert.equal(governor.first, 'checking', 'the first read answered at once, before Immuta did');
    assert.deepEqual(dataSourceTooltip(governor.fact), ['Immuta data source: Customers', 'governor@example.com is subscribed.']);
    assert.equal(governor.fact.kind === 'data-source' && governor.fact.visible, true);
    const bob = await settled(awareness, 'bob@example.com', CUSTOMERS);
    assert.deepEqual(dataSourceTooltip(bob.fact), ['Immuta data source: Customers', 'bob@example.com is subscribed.', PROJECT_SENTENCE]);
  });

  it('fraud.cases (project-only): bob sees it inside Fraud Analytics, governor is not subscribed', async () => {
    const awareness = make();
    const bob = (await settled(awareness, 'bob@example.com', FRAUD_CASES)).fact;
    assert.deepEqual(bob.kind === 'data-source' && [bob.name, bob.subscribed, bob.visible, bob.project?.name], ['Fraud Cases', true, true, 'Fraud Analytics']);
    const governor = (await settled(awareness, 'governor@example.com', FRAUD_CASES)).fact;
    assert.deepEqual(governor.kind === 'data-source' && [governor.name, governor.subscribed, governor.visible, governor.project], ['Fraud Cases', false, false, null]);
    assert.deepEqual(dataSourceTooltip(governor), ['Immuta data source: Fraud Cases', 'governor@example.com is not subscribed.']);
  });

  it('public.notes is no data source; the project sentence still says what bob can see', async () => {
    const awareness = make();
    assert.deepEqual(dataSourceTooltip((await settled(awareness, 'governor@example.com', NOTES)).fact), ['Not an Immuta data source.']);
    assert.deepEqual(dataSourceTooltip((await settled(awareness, 'bob@example.com', NOTES)).fact), ['Not an Immuta data source.', PROJECT_SENTENCE]);
  });

  it('answers from its cache within the TTL: a second table of a known schema asks nothing new', async () => {
    const awareness = make();
    await awareness.dataSources.check('governor@example.com', CUSTOMERS);
    const before = immuta.received.length;
    const again = awareness.dataSources.factsFor('governor@example.com', CUSTOMERS);
    assert.equal(again.now.kind, 'data-source', 'known now, synchronously');
    assert.equal((await again.later).kind, 'data-source');
    assert.equal(immuta.received.length, before, 'no request for a fact within the TTL');
  });

  it('an API error: the message reaches the caller as a fact, nothing throws, and a re-check recovers', async () => {
    const awareness = make();
    immuta.failNext(503, 20, { statusCode: 503, error: 'Service Unavailable', message: 'Data source catalog is being rebuilt' });
    const { fact, first } = await settled(awareness, 'governor@example.com', CUSTOMERS);
    assert.equal(first, 'checking');
    assert.deepEqual(fact, { kind: 'error', message: 'Immuta failed to search data sources (HTTP 503): Data source catalog is being rebuilt.' });
    assert.deepEqual(dataSourceTooltip(fact), ['Immuta: Immuta failed to search data sources (HTTP 503): Data source catalog is being rebuilt.']);
    immuta.reset();
    const recovered = await awareness.dataSources.check('governor@example.com', CUSTOMERS, 0);
    assert.equal(recovered.kind === 'data-source' && recovered.name, 'Customers');

    const client = new ImmutaClient({ baseUrl: immuta.url, apiKey: () => Promise.resolve(immuta.keys.governor) });
    clients.push(client);
    immuta.failNext(500, 1);
    await assert.rejects(client.dataSourceAccess(1), (error: unknown) => isImmutaApiError(error) && error.kind === 'server' && error.message.includes('An internal server error occurred'));
  });

  it('is off until the data source calls are configured', () => {
    const awareness = new ImmutaAwareness();
    assert.equal(awareness.dataSources.fact('bob@example.com', CUSTOMERS).kind, 'off');
    awareness.configure({ me: () => Promise.reject(new Error('unused')), findUser: () => Promise.resolve(undefined), project: () => Promise.resolve(undefined), searchUsers: () => Promise.resolve({ count: 0, users: [] }) });
    assert.equal(awareness.dataSources.fact('bob@example.com', CUSTOMERS).kind, 'off');
    awareness.dispose();
  });
});
