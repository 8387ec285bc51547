/**
 * The lab's Immuta REST API (test/lab/immuta-server.ts) against Node's own fetch: auth forms,
 * the searches, answers read from the lab PostgreSQL on every request, and the test knobs.
 */
import assert from 'node:assert/strict';
import { LAB_IMMUTA_KEYS, startImmutaLab, type ImmutaLab } from '../lab/immuta-server';
import { findFreePort } from '../lab/ports';
import { lab } from './shared-lab';

interface ProfileJson {
  readonly id: number;
  readonly name: string;
  readonly email?: string;
  readonly pronouns?: string;
  readonly futureField?: unknown;
  readonly externalUserIds: Readonly<Record<string, string | undefined>>;
}

interface UserJson {
  readonly id: number;
  readonly iamid: string;
  readonly userid: string;
  readonly name?: string;
  readonly email?: string;
  readonly profile?: ProfileJson;
  readonly permissions: string[];
  readonly groupPermissions?: string[];
  readonly groups: number[];
  readonly projectId: number | string | null;
  readonly disabled: boolean;
  readonly futureField?: unknown;
}

interface ProjectJson {
  readonly id: number;
  readonly projectKey: string;
  readonly name: string;
  readonly status: string;
  readonly type: string;
  readonly deleted: boolean;
  readonly futureField?: unknown;
}

interface PageJson<T> {
  readonly count: number;
  readonly hits: T[];
  readonly futureField?: unknown;
}

interface Reply<T> {
  readonly status: number;
  readonly type: string;
  readonly text: string;
  readonly json: T;
}

interface CallOptions {
  readonly auth?: string;
  readonly method?: string;
  readonly body?: unknown;
  readonly signal?: AbortSignal;
  readonly server?: ImmutaLab;
}

const FUTURE = { nested: [1] };
const unauthorized = (message: string): unknown => ({ statusCode: 401, error: 'Unauthorized', message });

describe('Immuta lab REST API', function () {
  let immuta: ImmutaLab;

  async function call<T = unknown>(path: string, options: CallOptions = {}): Promise<Reply<T>> {
    const headers: Record<string, string> = {};
    if (options.auth !== undefined) headers.Authorization = options.auth;
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(`${(options.server ?? immuta).url}${path}`, {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
    const text = await response.text();
    const type = response.headers.get('content-type') ?? '';
    return { status: response.status, type, text, json: (type.startsWith('application/json') ? JSON.parse(text) : undefined) as T };
  }

  async function tokenFor(key: string, server?: ImmutaLab): Promise<string> {
    const reply = await call<{ authenticated: boolean; token: string }>('/bim/apikey/authenticate', { method: 'POST', body: { apikey: key }, server });
    assert.equal(reply.status, 200, reply.text);
    assert.equal(reply.json.authenticated, true);
    return reply.json.token;
  }

  const governor = (): string => immuta.keys.governor;

  async function projectIdNamed(name: string): Promise<number> {
    const [row] = await lab().adminQuery<{ id: number }>('SELECT id FROM immuta.projects WHERE name = $1', [name]);
    return row.id;
  }

  before(async function () {
    immuta = await startImmutaLab(lab());
  });

  after(async function () {
    await immuta.close();
  });

  afterEach(function () {
    immuta.reset();
  });

  it('exchanges an API key for a bearer token that authorises the API', async function () {
    const token = await tokenFor(LAB_IMMUTA_KEYS.governor);
    assert.match(token, /^[0-9a-f]{48}$/);
    const me = await call<UserJson>('/bim/rpc/user/current', { auth: `Bearer ${token}` });
    assert.equal(me.status, 200, me.text);
    assert.equal(me.json.userid, 'governor@example.com');
    assert.equal(me.json.iamid, 'bim');
    assert.deepEqual(me.json.permissions, ['IMPERSONATE_USER', 'GOVERNANCE']);
    assert.deepEqual([me.json.groupPermissions, me.json.groups, me.json.projectId, me.json.disabled], [[], [], null, false]);
    assert.equal(me.json.profile?.name, 'Governor');
    assert.equal(me.json.profile?.email, 'governor@example.com');
    assert.equal(me.json.profile?.externalUserIds.redshiftUser, 'governor');
    assert.equal(me.json.profile?.externalUserIds.asaUser, 'governor');
  });

  it('accepts the raw key, and answers 401 like Immuta to a bad key, a key as a token, or none', async function () {
    const me = await call<UserJson>('/bim/rpc/user/current', { auth: immuta.keys.analyst });
    assert.equal(me.status, 200, me.text);
    assert.equal(me.json.userid, 'analyst@example.com');
    assert.deepEqual(me.json.permissions, []);

    const exchange = await call('/bim/apikey/authenticate', { method: 'POST', body: { apikey: 'lab-immuta-key-nobody' } });
    assert.deepEqual([exchange.status, exchange.json], [401, unauthorized('Invalid API key')]);
    const raw = await call('/bim/rpc/user/current', { auth: 'lab-immuta-key-nobody' });
    assert.deepEqual([raw.status, raw.json], [401, unauthorized('Invalid API key')]);
    const keyAsToken = await call('/bim/rpc/user/current', { auth: `Bearer ${governor()}` });
    assert.deepEqual([keyAsToken.status, keyAsToken.json], [401, unauthorized('Invalid token')]);
    const none = await call('/bim/user?name=bob');
    assert.deepEqual([none.status, none.json], [401, unauthorized('Missing authentication')]);
  });

  it('answers 401 to tokens issued before expireTokens() until the key is exchanged again', async function () {
    const old = await tokenFor(immuta.keys.owner);
    assert.equal((await call('/bim/rpc/user/current', { auth: `Bearer ${old}` })).status, 200);
    immuta.expireTokens();
    const expired = await call('/bim/rpc/user/current', { auth: `Bearer ${old}` });
    assert.deepEqual([expired.status, expired.json], [401, unauthorized('Invalid token')]);
    const fresh = await tokenFor(immuta.keys.owner);
    assert.notEqual(fresh, old);
    const me = await call<UserJson>('/bim/rpc/user/current', { auth: `Bearer ${fresh}` });
    assert.deepEqual([me.status, me.json.userid], [200, 'owner@example.com']);
  });

  it("finds bob by part of his name, with the id of his current project and that project's name", async function () {
    for (const part of ['bo', 'BO']) {
      const found = await call<PageJson<UserJson>>(`/bim/user?name=${part}`, { auth: governor() });
      assert.equal(found.status, 200, found.text);
      assert.deepEqual(found.json.hits.map((user) => user.userid), ['bob@example.com']);
      assert.equal(found.json.count, 1);
    }
    const bob = (await call<PageJson<UserJson>>('/bim/user?name=bo', { auth: governor() })).json.hits[0];
    assert.equal(bob.profile?.name, 'Bob');
    assert.equal(bob.projectId, await projectIdNamed('Fraud Analytics'));
    const project = await call<ProjectJson>(`/project/${String(bob.projectId)}`, { auth: governor() });
    assert.equal(project.status, 200, project.text);
    assert.deepEqual(
      { id: project.json.id, name: project.json.name, status: project.json.status, type: project.json.type, deleted: project.json.deleted },
      { id: bob.projectId, name: 'Fraud Analytics', status: 'open', type: 'User', deleted: false },
    );
    // The display name counts too: "O'Brien" contains "Brien" with its capital.
    const obrien = await call<PageJson<UserJson>>(`/bim/user?name=${encodeURIComponent("O'Bri")}`, { auth: governor() });
    assert.deepEqual(obrien.json.hits.map((user) => user.userid), ["o'brien"]);
  });

  it('searches by email, exact userid and iamid, and pages in userid order with the total count', async function () {
    const byEmail = await call<PageJson<UserJson>>('/bim/user?email=OBRIEN@', { auth: governor() });
    assert.deepEqual(byEmail.json.hits.map((user) => user.userid), ["o'brien"]);
    const exact = await call<PageJson<UserJson>>('/bim/user?userid=alice', { auth: governor() });
    assert.equal(exact.json.count, 0);
    const alice = await call<PageJson<UserJson>>('/bim/user?userid=alice%40example.com', { auth: governor() });
    assert.deepEqual(alice.json.hits.map((user) => user.userid), ['alice@example.com']);
    const otherIam = await call<PageJson<UserJson>>('/bim/user?iamid=okta', { auth: governor() });
    assert.equal(otherIam.json.count, 0);

    const names = (await lab().adminQuery<{ name: string }>('SELECT name FROM immuta.users ORDER BY name COLLATE "C"')).map((row) => row.name);
    const paged: string[] = [];
    for (let offset = 0; offset < names.length; offset += 3) {
      const page = await call<PageJson<UserJson>>(`/bim/user?iamid=okta&iamid=bim&size=3&offset=${offset}&unknownParam=1`, { auth: governor() });
      assert.equal(page.status, 200, page.text);
      assert.equal(page.json.count, names.length);
      assert.ok(page.json.hits.length <= 3);
      paged.push(...page.json.hits.map((user) => user.userid));
    }
    assert.deepEqual(paged, names);
    const bad = await call<{ statusCode: number; error: string }>('/bim/user?size=0', { auth: governor() });
    assert.deepEqual([bad.status, bad.json.statusCode, bad.json.error], [400, 400, 'Bad Request']);
  });

  it('permission=IMPERSONATE_USER returns the governor and the owner only', async function () {
    const found = await call<PageJson<UserJson>>('/bim/user?permission=IMPERSONATE_USER', { auth: immuta.keys.analyst });
    assert.equal(found.status, 200, found.text);
    assert.equal(found.json.count, 2);
    assert.deepEqual(found.json.hits.map((user) => user.userid), ['governor@example.com', 'owner@example.com']);
  });

  it("looks users up by IAM and URL-encoded userid (o'brien), or numeric id; unknown ones are a JSON 404", async function () {
    const obrien = await call<UserJson>('/bim/iam/bim/user/o%27brien', { auth: governor() });
    assert.equal(obrien.status, 200, obrien.text);
    assert.equal(obrien.json.userid, "o'brien");
    assert.equal(obrien.json.profile?.name, "O'Brien");
    assert.equal(obrien.json.profile?.email, 'obrien@example.com');
    assert.equal(obrien.json.profile?.externalUserIds.redshiftUser, undefined, 'no login, so no Redshift user');
    assert.equal(obrien.json.profile?.externalUserIds.asaUser, "o'brien");

    const byId = await call<UserJson>(`/bim/iam/bim/user/${obrien.json.id}`, { auth: governor() });
    assert.equal(byId.json.userid, "o'brien");
    for (const path of ['/bim/iam/bim/user/nobody%40example.com', '/bim/iam/okta/user/o%27brien']) {
      const missing = await call<{ statusCode: number; error: string }>(path, { auth: governor() });
      assert.deepEqual([missing.status, missing.json.statusCode, missing.json.error], [404, 404, 'Not Found'], path);
    }
  });

  it('reads PostgreSQL on every request: clearing bob\'s current project shows as null at once', async function () {
    const fraud = await projectIdNamed('Fraud Analytics');
    assert.equal((await call<UserJson>('/bim/iam/bim/user/bob%40example.com', { auth: governor() })).json.projectId, fraud);
    try {
      await lab().adminQuery("UPDATE immuta.users SET current_project_id = NULL WHERE name = 'bob@example.com'");
      const bob = await call<UserJson>('/bim/iam/bim/user/bob%40example.com', { auth: governor() });
      assert.equal(bob.json.projectId, null);
      const found = await call<PageJson<UserJson>>('/bim/user?name=bob', { auth: governor() });
      assert.equal(found.json.hits[0].projectId, null);
    } finally {
      await lab().adminQuery("UPDATE immuta.users SET current_project_id = $1 WHERE name = 'bob@example.com'", [fraud]);
    }
    assert.equal((await call<UserJson>('/bim/iam/bim/user/bob%40example.com', { auth: governor() })).json.projectId, fraud);
  });

  it('searches projects by text; unknown projects, bad ids and unknown routes are JSON errors', async function () {
    const market = await call<PageJson<ProjectJson>>('/project?searchText=MARKET&size=5', { auth: governor() });
    assert.deepEqual([market.json.count, market.json.hits.map((project) => project.name)], [1, ['Marketing Insights']]);
    const all = await call<PageJson<ProjectJson>>('/project', { auth: governor() });
    assert.deepEqual(all.json.hits.map((project) => project.name), ['Fraud Analytics', 'Marketing Insights']);

    const missing = await call('/project/987654', { auth: governor() });
    assert.deepEqual([missing.status, missing.json], [404, { statusCode: 404, error: 'Not Found', message: 'Project 987654 not found' }]);
    assert.equal((await call('/project/abc', { auth: governor() })).status, 400);
    for (const [method, path] of [['GET', '/bim/nothing'], ['DELETE', '/project/1'], ['GET', '/bim/apikey/authenticate']]) {
      const reply = await call<{ statusCode: number }>(path, { method, auth: governor() });
      assert.deepEqual([reply.status, reply.json.statusCode], [404, 404], `${method} ${path}`);
    }
  });

  it('failNext answers the next requests with its status, skipping the key exchange unless told', async function () {
    immuta.failNext(500, 2);
    const token = await tokenFor(governor());
    for (let i = 0; i < 2; i++) {
      const failed = await call('/bim/rpc/user/current', { auth: `Bearer ${token}` });
      assert.deepEqual([failed.status, failed.json], [500, { statusCode: 500, error: 'Internal Server Error', message: 'An internal server error occurred' }]);
    }
    assert.equal((await call('/bim/rpc/user/current', { auth: `Bearer ${token}` })).status, 200);

    immuta.failNext(502, 1, '<html><body><h1>502 Bad Gateway</h1></body></html>', { includeAuth: true });
    const proxy = await call('/bim/apikey/authenticate', { method: 'POST', body: { apikey: governor() } });
    assert.equal(proxy.status, 502);
    assert.match(proxy.type, /^text\/html/);
    assert.match(proxy.text, /502 Bad Gateway/);
    assert.equal((await call('/bim/rpc/user/current', { auth: governor() })).status, 200);
  });

  it('delay holds every answer; a client that gives up is not answered', async function () {
    immuta.delay(300);
    const started = Date.now();
    assert.equal((await call('/bim/rpc/user/current', { auth: governor() })).status, 200);
    assert.ok(Date.now() - started >= 290, `answered after ${Date.now() - started} ms`);

    const before = immuta.received.length;
    await assert.rejects(call('/bim/rpc/user/current', { auth: governor(), signal: AbortSignal.timeout(50) }), { name: 'TimeoutError' });
    assert.equal(immuta.received[before].status, 0);

    // Back to no delay: a client that gives up after 50 ms (as the one above did) is answered now.
    immuta.delay(0);
    assert.equal((await call('/bim/rpc/user/current', { auth: governor(), signal: AbortSignal.timeout(50) })).status, 200);
  });

  it('extraFields: unknown fields everywhere and projectId as a string, as a newer Immuta', async function () {
    immuta.extraFields(true);
    const fraud = await projectIdNamed('Fraud Analytics');
    const found = await call<PageJson<UserJson>>('/bim/user?name=bob', { auth: governor() });
    assert.deepEqual(found.json.futureField, FUTURE);
    const bob = found.json.hits[0];
    assert.equal(bob.projectId, String(fraud));
    assert.deepEqual(bob.futureField, FUTURE);
    assert.deepEqual([bob.profile?.futureField, bob.profile?.pronouns], [FUTURE, 'they/them']);
    const project = await call<ProjectJson>(`/project/${fraud}`, { auth: governor() });
    assert.deepEqual(project.json.futureField, FUTURE);
    const exchange = await call<{ futureField?: unknown }>('/bim/apikey/authenticate', { method: 'POST', body: { apikey: governor() } });
    assert.deepEqual(exchange.json.futureField, FUTURE);

    immuta.extraFields(false);
    const today = await call<UserJson>('/bim/iam/bim/user/bob%40example.com', { auth: governor() });
    assert.deepEqual([today.json.projectId, today.json.futureField, today.json.profile?.pronouns], [fraud, undefined, undefined]);
  });

  it('legacy: no profile, name and email at the top level, no groupPermissions, as an older Immuta', async function () {
    immuta.legacy(true);
    const carol = await call<UserJson>('/bim/iam/bim/user/carol%40example.com', { auth: governor() });
    assert.equal(carol.status, 200, carol.text);
    assert.equal(carol.json.profile, undefined);
    assert.equal('groupPermissions' in carol.json, false);
    assert.deepEqual([carol.json.name, carol.json.email, carol.json.userid], ['Carol', 'carol@example.com', 'carol@example.com']);
    immuta.legacy(false);
    const today = await call<UserJson>('/bim/iam/bim/user/carol%40example.com', { auth: governor() });
    assert.deepEqual([today.json.name, today.json.profile?.name, today.json.groupPermissions], [undefined, 'Carol', []]);
  });

  it('records every request, its auth form and user, but never the key or the token', async function () {
    const from = immuta.received.length;
    const token = await tokenFor(immuta.keys.owner);
    await call('/bim/user?name=al&iamid=bim&iamid=okta', { auth: `Bearer ${token}` });
    await call('/bim/rpc/user/current', { auth: immuta.keys.analyst });
    await call('/project');
    const log = immuta.received.slice(from);
    assert.deepEqual(
      log.map(({ method, path, authorization, user, status }) => ({ method, path, authorization, user, status })),
      [
        { method: 'POST', path: '/bim/apikey/authenticate', authorization: 'none', user: 'owner@example.com', status: 200 },
        { method: 'GET', path: '/bim/user', authorization: 'bearer', user: 'owner@example.com', status: 200 },
        { method: 'GET', path: '/bim/rpc/user/current', authorization: 'raw', user: 'analyst@example.com', status: 200 },
        { method: 'GET', path: '/project', authorization: 'none', user: undefined, status: 401 },
      ],
    );
    assert.deepEqual(log[1].query, { name: 'al', iamid: ['bim', 'okta'] });
    const everything = JSON.stringify(immuta.received);
    for (const secret of [...Object.values(LAB_IMMUTA_KEYS), token]) {
      assert.equal(everything.includes(secret), false, 'a secret is in the request log');
    }
  });

  it('options: one auth form only, a permission for searching, extra keys, token lifetime, a fixed port', async function () {
    const port = await findFreePort();
    const rawOnly = await startImmutaLab(lab(), { port, authModes: { bearer: false }, searchNeedsPermission: 'IMPERSONATE_USER', extraKeys: { 'key-for-bob': 'bob@example.com' } });
    const bearerOnly = await startImmutaLab(lab(), { authModes: { raw: false }, tokenTtlMs: 150 });
    try {
      assert.deepEqual([rawOnly.port, rawOnly.url], [port, `http://127.0.0.1:${port}`]);
      const exchange = await call('/bim/apikey/authenticate', { method: 'POST', body: { apikey: governor() }, server: rawOnly });
      assert.equal(exchange.status, 404);
      const bob = await call<UserJson>('/bim/rpc/user/current', { auth: 'key-for-bob', server: rawOnly });
      assert.equal(bob.json.userid, 'bob@example.com');
      const denied = await call<{ statusCode: number; error: string }>('/bim/user?name=a', { auth: rawOnly.keys.analyst, server: rawOnly });
      assert.deepEqual([denied.status, denied.json.statusCode, denied.json.error], [403, 403, 'Forbidden']);
      assert.equal((await call('/bim/user?name=a', { auth: rawOnly.keys.owner, server: rawOnly })).status, 200);

      assert.equal((await call('/bim/rpc/user/current', { auth: governor(), server: bearerOnly })).status, 401);
      const token = await tokenFor(governor(), bearerOnly);
      assert.equal((await call('/bim/rpc/user/current', { auth: `Bearer ${token}`, server: bearerOnly })).status, 200);
      // The token expires on the server's clock: it is refused once it has.
      const deadline = Date.now() + 10_000;
      while ((await call('/bim/rpc/user/current', { auth: `Bearer ${token}`, server: bearerOnly })).status !== 401) {
        assert.ok(Date.now() < deadline, 'the token never expired');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      await Promise.all([rawOnly.close(), bearerOnly.close()]);
    }
  });

  it('close() ends held answers and open sockets at once, frees the port, and can be called again', async function () {
    const server = await startImmutaLab(lab());
    server.delay(30_000);
    const pending = call('/bim/rpc/user/current', { auth: governor(), server });
    while (server.received.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    // The held answer would keep the socket for 30 s: close() ends it instead, and the call fails.
    await server.close();
    await assert.rejects(pending);
    await server.close();
    await assert.rejects(fetch(`${server.url}/bim/rpc/user/current`), { name: 'TypeError' });
  });
});
