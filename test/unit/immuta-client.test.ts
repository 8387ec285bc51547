import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { hasPermission, ImmutaClient, type ImmutaClientOptions } from '../../src/immuta/client';
import { type ImmutaErrorKind, isImmutaApiError, type ImmutaApiError } from '../../src/immuta/errors';
import { apiPath, parseImmutaBaseUrl } from '../../src/immuta/http';
import { parseSearchAnswer, parseUser, parseUserAnswer, serverMessageOf } from '../../src/immuta/parse';

/** Distinctive, so that a leak anywhere is easy to find. */
const KEY = 'ik-Secret-4f1d9c2b7a';

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly authorization?: string;
  readonly body: string;
}

type Handler = (request: Seen, response: http.ServerResponse) => void;

function reply(response: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': typeof body === 'string' ? 'text/html' : 'application/json', ...headers });
  response.end(text);
}

/** A loopback server standing in for Immuta; every test gets its own. */
class FakeImmuta {
  readonly seen: Seen[] = [];
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    readonly server: http.Server | https.Server,
    readonly url: string,
  ) {
    server.on('connection', (socket: net.Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  static async start(handler: Handler, tlsOptions?: https.ServerOptions): Promise<FakeImmuta> {
    const holder: { fake?: FakeImmuta } = {};
    const listener = (request: http.IncomingMessage, response: http.ServerResponse): void => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const seen: Seen = { method: request.method ?? '', url: request.url ?? '', authorization: request.headers.authorization, body: Buffer.concat(chunks).toString('utf8') };
        holder.fake?.seen.push(seen);
        handler(seen, response);
      });
    };
    const server = tlsOptions === undefined ? http.createServer(listener) : https.createServer(tlsOptions, listener);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    const fake = new FakeImmuta(server, `${tlsOptions === undefined ? 'http' : 'https'}://127.0.0.1:${port}`);
    holder.fake = fake;
    return fake;
  }

  requests(pathStart: string): Seen[] {
    return this.seen.filter((seen) => seen.url.startsWith(pathStart));
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const ALICE = {
  id: 7,
  iamid: 'bim',
  userid: 'alice',
  projectId: 12,
  permissions: ['IMPERSONATE_USER', 'AUDIT'],
  groupPermissions: ['AUDIT', 'CREATE_PROJECT'],
  profile: { name: 'Alice Liddell', email: 'alice@example.com', phone: '555' },
  someFutureField: { nested: true },
};

/** Immuta with key exchange: tokens tok-1, tok-2 … for KEY; `valid` says which are still accepted. */
function immutaWithExchange(routes: (request: Seen, response: http.ServerResponse) => boolean, valid: (token: string) => boolean = () => true): Handler {
  let issued = 0;
  return (request, response) => {
    if (request.method === 'POST' && request.url === '/bim/apikey/authenticate') {
      const body = JSON.parse(request.body) as { apikey?: string };
      if (body.apikey !== KEY) {
        reply(response, 401, { statusCode: 401, error: 'Unauthorized', message: 'Invalid API key' });
        return;
      }
      issued += 1;
      reply(response, 200, { authenticated: true, token: `tok-${issued}` });
      return;
    }
    const token = request.authorization?.startsWith('Bearer ') ? request.authorization.slice('Bearer '.length) : undefined;
    if (token === undefined || !valid(token)) {
      reply(response, 401, { statusCode: 401, error: 'Unauthorized', message: 'Invalid token' });
      return;
    }
    if (!routes(request, response)) {
      reply(response, 404, { statusCode: 404, error: 'Not Found', message: 'Not Found' });
    }
  };
}

function currentUserRoute(request: Seen, response: http.ServerResponse): boolean {
  if (request.url === '/bim/rpc/user/current') {
    reply(response, 200, ALICE);
    return true;
  }
  return false;
}

async function rejection(promise: Promise<unknown>): Promise<ImmutaApiError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isImmutaApiError(error), `expected an ImmutaApiError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a rejection');
}

async function expectKind(promise: Promise<unknown>, kind: ImmutaErrorKind): Promise<ImmutaApiError> {
  const error = await rejection(promise);
  assert.equal(error.kind, kind, error.message);
  return error;
}

describe('Immuta client', () => {
  let fake: FakeImmuta | undefined;
  const clients: ImmutaClient[] = [];
  const logLines: string[] = [];

  function client(options: Partial<ImmutaClientOptions> = {}): ImmutaClient {
    const made = new ImmutaClient({
      baseUrl: fake?.url ?? 'http://127.0.0.1:9',
      apiKey: () => Promise.resolve(KEY),
      log: (line) => logLines.push(line),
      ...options,
    });
    clients.push(made);
    return made;
  }

  afterEach(async () => {
    for (const made of clients.splice(0)) made.dispose();
    await fake?.close();
    fake = undefined;
    // Whatever a test did, neither the key nor a token may have reached the log.
    for (const line of logLines.splice(0)) {
      assert.ok(!line.includes(KEY) && !/tok-\d/.test(line), `secret in log line: ${line}`);
    }
  });

  describe('authentication', () => {
    it('exchanges the key once for a bearer token and reuses it', async () => {
      fake = await FakeImmuta.start(immutaWithExchange(currentUserRoute));
      const immuta = client();
      assert.equal((await immuta.currentUser()).userid, 'alice');
      assert.equal((await immuta.currentUser()).userid, 'alice');
      const exchanges = fake.requests('/bim/apikey');
      assert.equal(exchanges.length, 1);
      assert.deepEqual(JSON.parse(exchanges[0].body), { apikey: KEY });
      assert.deepEqual(
        fake.requests('/bim/rpc').map((seen) => seen.authorization),
        ['Bearer tok-1', 'Bearer tok-1'],
      );
    });

    it('shares one exchange between concurrent requests', async () => {
      fake = await FakeImmuta.start(immutaWithExchange(currentUserRoute));
      const immuta = client();
      await Promise.all([immuta.currentUser(), immuta.currentUser(), immuta.currentUser()]);
      assert.equal(fake.requests('/bim/apikey').length, 1);
    });

    it('falls back to the raw key when Immuta has no exchange, and remembers that', async () => {
      fake = await FakeImmuta.start((request, response) => {
        if (request.url === '/bim/apikey/authenticate') {
          reply(response, 404, { statusCode: 404, error: 'Not Found', message: 'Not Found' });
        } else if (request.authorization === KEY && request.url === '/bim/rpc/user/current') {
          reply(response, 200, ALICE);
        } else {
          reply(response, 401, { statusCode: 401, error: 'Unauthorized', message: 'no' });
        }
      });
      const immuta = client();
      await immuta.currentUser();
      await immuta.currentUser();
      assert.equal(fake.requests('/bim/apikey').length, 1);
      assert.deepEqual(fake.requests('/bim/rpc').map((seen) => seen.authorization), [KEY, KEY]);
    });

    it("'raw' never exchanges; 'bearer' refuses an Immuta without exchange", async () => {
      fake = await FakeImmuta.start((request, response) => {
        if (request.url === '/bim/apikey/authenticate') {
          reply(response, 405, { statusCode: 405, error: 'Method Not Allowed', message: 'no' });
        } else {
          reply(response, 200, ALICE);
        }
      });
      await client({ auth: 'raw' }).currentUser();
      assert.equal(fake.requests('/bim/apikey').length, 0);
      const error = await expectKind(client({ auth: 'bearer' }).currentUser(), 'configuration');
      assert.match(error.message, /HTTP 405.*Set it to "auto" or "raw"/);
    });

    it('on a 401 exchanges the key again once and retries', async () => {
      fake = await FakeImmuta.start(immutaWithExchange(currentUserRoute, (token) => token !== 'tok-1'));
      const user = await client().currentUser();
      assert.equal(user.userid, 'alice');
      assert.equal(fake.requests('/bim/apikey').length, 2);
      assert.deepEqual(fake.requests('/bim/rpc').map((seen) => seen.authorization), ['Bearer tok-1', 'Bearer tok-2']);
    });

    it('a persistent 401 is a bad key, after exactly one retry', async () => {
      fake = await FakeImmuta.start(immutaWithExchange(currentUserRoute, () => false));
      const error = await expectKind(client().currentUser(), 'bad-key');
      assert.equal(error.message, 'Immuta rejected the API key (HTTP 401). Generate a new key in Immuta (Profile → API Keys) and set it again.');
      assert.equal(error.status, 401);
      assert.equal(fake.requests('/bim/apikey').length, 2);
      assert.equal(fake.requests('/bim/rpc').length, 2);
    });

    it('an exchange answering 401 or 403 is a bad key', async () => {
      fake = await FakeImmuta.start(immutaWithExchange(currentUserRoute));
      const error = await expectKind(client({ apiKey: () => Promise.resolve('not-the-key') }).currentUser(), 'bad-key');
      assert.equal(error.serverMessage, 'Invalid API key');
      await fake.close();
      fake = await FakeImmuta.start((_request, response) => reply(response, 403, { statusCode: 403, error: 'Forbidden', message: 'key disabled' }));
      assert.equal((await expectKind(client().currentUser(), 'bad-key')).status, 403);
    });

    it('drops the token when the key changes', async () => {
      let key = KEY;
      const seenKeys: string[] = [];
      fake = await FakeImmuta.start((request, response) => {
        if (request.url === '/bim/apikey/authenticate') {
          const { apikey } = JSON.parse(request.body) as { apikey: string };
          seenKeys.push(apikey);
          reply(response, 200, { authenticated: true, token: `tok-${seenKeys.length}` });
        } else {
          reply(response, 200, ALICE);
        }
      });
      const immuta = client({ apiKey: () => Promise.resolve(key) });
      await immuta.currentUser();
      key = `${KEY}-rotated`;
      await immuta.currentUser();
      assert.deepEqual(seenKeys, [KEY, `${KEY}-rotated`]);
      assert.deepEqual(fake.requests('/bim/rpc').map((seen) => seen.authorization), ['Bearer tok-1', 'Bearer tok-2']);
    });

    it('without a key, fails as configuration and sends nothing', async () => {
      fake = await FakeImmuta.start((_request, response) => reply(response, 200, ALICE));
      const error = await expectKind(client({ apiKey: () => Promise.resolve('  ') }).currentUser(), 'configuration');
      assert.match(error.message, /No Immuta API key is set/);
      assert.equal(fake.seen.length, 0);
    });
  });

  describe('errors', () => {
    it('403 is forbidden, with the server message', async () => {
      fake = await FakeImmuta.start(
        immutaWithExchange((_request, response) => {
          reply(response, 403, { statusCode: 403, error: 'Forbidden', message: 'User does not have permission USER_ADMIN' });
          return true;
        }),
      );
      const error = await expectKind(client().searchUsers(''), 'forbidden');
      assert.equal(error.message, "Immuta refused to search users for this API key's user (HTTP 403): User does not have permission USER_ADMIN.");
      assert.equal(error.serverMessage, 'User does not have permission USER_ADMIN');
      assert.equal(error.operation, 'search users');
    });

    it('500 with JSON is a server error carrying its message', async () => {
      fake = await FakeImmuta.start(immutaWithExchange((_request, response) => {
        reply(response, 500, { statusCode: 500, error: 'Internal Server Error', message: 'An internal server error occurred' });
        return true;
      }));
      const error = await expectKind(client().currentUser(), 'server');
      assert.equal(error.message, 'Immuta failed to read the current user (HTTP 500): An internal server error occurred.');
      assert.equal(error.status, 500);
    });

    it('502 with an HTML page is a server error with the page text, tags stripped', async () => {
      const page = `<html><head><style>body{color:red}</style><title>502 Bad Gateway</title></head><body><h1>Bad&nbsp;Gateway</h1><p>${'x'.repeat(400)}</p></body></html>`;
      fake = await FakeImmuta.start((_request, response) => reply(response, 502, page));
      const error = await expectKind(client({ auth: 'raw' }).currentUser(), 'server');
      assert.ok(error.serverMessage?.startsWith('502 Bad Gateway Bad Gateway xxx'), error.serverMessage);
      assert.ok((error.serverMessage ?? '').length <= 300);
      assert.doesNotMatch(error.message, /[<>]|color:red/);
      assert.match(error.message, /^Immuta failed to read the current user \(HTTP 502\): 502 Bad Gateway/);
    });

    it('an endpoint that does not exist is not-found and says to check the URL', async () => {
      fake = await FakeImmuta.start((_request, response) => reply(response, 404, { statusCode: 404, error: 'Not Found', message: 'Not Found' }));
      const error = await expectKind(client({ auth: 'raw' }).currentUser(), 'not-found');
      assert.match(error.message, /has no GET \/bim\/rpc\/user\/current \(HTTP 404\).*Immuta URL setting/);
    });

    it('a server that never answers times out, and says after how long', async () => {
      fake = await FakeImmuta.start(() => undefined);
      const error = await expectKind(client({ auth: 'raw', timeoutMs: 200 }).searchUsers('bob'), 'timeout');
      assert.equal(error.message, `Immuta at ${fake.url} did not answer within 0.2 s (search users).`);
    });

    it('a closed port is unreachable', async () => {
      const probe = http.createServer();
      await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
      const { port } = probe.address() as net.AddressInfo;
      await new Promise<void>((resolve) => probe.close(() => resolve()));
      const error = await expectKind(client({ baseUrl: `http://127.0.0.1:${port}/` }).currentUser(), 'unreachable');
      assert.equal(
        error.message,
        `Cannot reach Immuta at http://127.0.0.1:${port} (ECONNREFUSED). Check the Immuta URL setting and that the host is reachable from this machine.`,
      );
    });

    it('retries once on a fresh connection when a kept-alive socket was closed by the server', async () => {
      const served = new WeakMap<net.Socket, number>();
      fake = await FakeImmuta.start(() => undefined);
      fake.server.removeAllListeners('request');
      fake.server.on('request', (request: http.IncomingMessage, response: http.ServerResponse) => {
        const count = (served.get(request.socket) ?? 0) + 1;
        served.set(request.socket, count);
        if (count > 1) {
          request.socket.destroy(); // as a server does with a socket it has timed out
          return;
        }
        request.resume();
        request.on('end', () => reply(response, 200, ALICE));
      });
      const immuta = client({ auth: 'raw' });
      await immuta.currentUser();
      assert.equal((await immuta.currentUser()).userid, 'alice');
    });

    it('a redirect is not followed and is a bad response', async () => {
      fake = await FakeImmuta.start((request, response) => {
        if (request.url.startsWith('/login')) {
          reply(response, 200, ALICE);
        } else {
          response.writeHead(302, { Location: '/login?state=abc123' });
          response.end();
        }
      });
      const error = await expectKind(client({ auth: 'raw' }).currentUser(), 'bad-response');
      assert.equal(error.status, 302);
      assert.match(error.message, new RegExp(`redirected \\(HTTP 302\\) to ${fake.url}/login instead`));
      assert.doesNotMatch(error.message, /abc123/);
      assert.equal(fake.requests('/login').length, 0);
    });

    it('a 200 that is not JSON, or not an object, is a bad response', async () => {
      let body: string = '<html>Sign in</html>';
      fake = await FakeImmuta.start((_request, response) => reply(response, 200, body));
      const immuta = client({ auth: 'raw' });
      const notJson = await expectKind(immuta.currentUser(), 'bad-response');
      assert.equal(notJson.message, "Immuta's answer to read the current user was not what this extension understands (the answer is not JSON (text/html)). The Immuta version may be unsupported.");
      body = '"hello"';
      assert.match((await expectKind(immuta.currentUser(), 'bad-response')).message, /expected a user object, got a string/);
      body = '42';
      assert.match((await expectKind(immuta.searchUsers('x'), 'bad-response')).message, /expected \{count, hits\}, got a number/);
    });

    it('an answer over 5 MB is refused', async () => {
      const huge = JSON.stringify({ count: 1, hits: [], padding: 'p'.repeat(6 * 1024 * 1024) });
      fake = await FakeImmuta.start((_request, response) => {
        response.writeHead(200, { 'Content-Type': 'application/json' });
        response.end(huge); // chunked: the cap must hold while reading, not only on Content-Length
      });
      const error = await expectKind(client({ auth: 'raw' }).searchUsers(''), 'bad-response');
      assert.match(error.message, /larger than 5 MB/);
    });

    it('a caller abort is cancelled, and dispose() stops requests in flight', async () => {
      fake = await FakeImmuta.start(() => undefined);
      const controller = new AbortController();
      const immuta = client({ auth: 'raw' });
      const aborted = immuta.currentUser(controller.signal);
      setTimeout(() => controller.abort(), 50);
      assert.equal((await expectKind(aborted, 'cancelled')).operation, 'read the current user');
      const inFlight = immuta.project(3);
      setTimeout(() => immuta.dispose(), 50);
      assert.match((await expectKind(inFlight, 'cancelled')).message, /closed/);
      await expectKind(immuta.currentUser(), 'cancelled');
    });

    it('never puts the key or a token in an error, even when the server echoes them', async () => {
      fake = await FakeImmuta.start(
        immutaWithExchange((request, response) => {
          const echo = `you sent ${request.authorization ?? ''} and key ${KEY}`;
          const status = request.url.startsWith('/project') ? 403 : request.url.startsWith('/bim/iam') ? 500 : 502;
          reply(response, status, status === 502 ? `<p>${echo}</p>` : { statusCode: status, error: 'x', message: echo });
          return true;
        }),
      );
      const immuta = client();
      const errors = [
        await rejection(immuta.project(1)),
        await rejection(immuta.user('bim', 'bob')),
        await rejection(immuta.currentUser()),
        await rejection(client({ apiKey: () => Promise.resolve(`${KEY}x`) }).currentUser()),
      ];
      for (const error of errors) {
        const everything = `${error.message} ${error.serverMessage ?? ''} ${String(error.stack)}`;
        assert.ok(!everything.includes(KEY) && !/tok-\d/.test(everything), everything);
      }
      assert.match(errors[0].message, /you sent Bearer \[secret\] and key \[secret\]/);
    });

    it('refuses a certificate it does not trust, and accepts it with `ca`', async function () {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'immuta-tls-'));
      try {
        try {
          execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', path.join(dir, 'k.pem'), '-out', path.join(dir, 'c.pem'), '-days', '1', '-subj', '/CN=immuta-test', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
        } catch {
          this.skip();
        }
        const cert = fs.readFileSync(path.join(dir, 'c.pem'), 'utf8');
        fake = await FakeImmuta.start((_request, response) => reply(response, 200, ALICE), { cert, key: fs.readFileSync(path.join(dir, 'k.pem')) });
        const error = await expectKind(client({ auth: 'raw' }).currentUser(), 'tls');
        assert.match(error.message, /DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED/);
        assert.match(error.message, /CA certificate \(PEM\)/);
        assert.equal((await client({ auth: 'raw', ca: cert }).currentUser()).userid, 'alice');
        assert.equal((await client({ auth: 'raw', rejectUnauthorized: false }).currentUser()).userid, 'alice');
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('https:// against a plain http server is a TLS error', async () => {
      fake = await FakeImmuta.start((_request, response) => reply(response, 200, ALICE));
      await expectKind(client({ baseUrl: fake.url.replace('http:', 'https:'), auth: 'raw' }).currentUser(), 'tls');
    });
  });

  describe('base URL', () => {
    it('refuses URLs it cannot use, without echoing credentials', async () => {
      const cases: [string, RegExp][] = [
        ['', /No Immuta URL is set/],
        ['tenant.immuta.com', /not a valid URL/],
        ['ftp://tenant.immuta.com', /must start with https:\/\/ .*not "ftp:"/],
        ['https://admin:hunter2@tenant.immuta.com', /must not contain a user name or password/],
        ['https://tenant.immuta.com/?x=1', /must not contain a query/],
      ];
      for (const [text, pattern] of cases) {
        const error = await expectKind(client({ baseUrl: text }).currentUser(), 'configuration');
        assert.match(error.message, pattern, text);
        assert.doesNotMatch(error.message, /hunter2/);
      }
    });

    it('keeps a path prefix, tolerates a trailing slash and encodes path segments', async () => {
      assert.deepEqual(parseImmutaBaseUrl('https://[::1]:8443/immuta/'), { protocol: 'https:', hostname: '::1', port: 8443, pathPrefix: '/immuta', display: 'https://[::1]:8443/immuta' });
      assert.equal(apiPath(['bim', 'iam', 'okta', 'user', 'a/b c?..']), '/bim/iam/okta/user/a%2Fb%20c%3F..');
      assert.equal(apiPath(['user', '..']), '/user/%2E%2E');
      fake = await FakeImmuta.start((request, response) => reply(response, 200, request.url.includes('/project/') ? { id: 5, name: ' Fraud ', status: 'open' } : ALICE));
      const immuta = client({ baseUrl: `${fake.url}/prefix/`, auth: 'raw' });
      await immuta.user('okta', 'o\'brien/ü');
      assert.deepEqual(await immuta.project(5), { id: 5, name: 'Fraud', status: 'open' });
      assert.deepEqual(fake.seen.map((seen) => seen.url), ["/prefix/bim/iam/okta/user/o'brien%2F%C3%BC", '/prefix/project/5']);
    });
  });

  describe('parsing', () => {
    it('reads a current user with unknown fields, profile and group permissions', () => {
      assert.deepEqual(parseUserAnswer(ALICE, 'x'), {
        id: 7,
        iamid: 'bim',
        userid: 'alice',
        name: 'Alice Liddell',
        email: 'alice@example.com',
        projectId: 12,
        permissions: ['IMPERSONATE_USER', 'AUDIT', 'CREATE_PROJECT'],
      });
      assert.equal(hasPermission(parseUserAnswer(ALICE, 'x'), 'IMPERSONATE_USER'), true);
      assert.equal(hasPermission(parseUserAnswer({ userid: 'bob', groupPermissions: ['impersonate_user'] }, 'x'), 'IMPERSONATE_USER'), true);
      assert.equal(hasPermission(parseUserAnswer({ userid: 'bob' }, 'x'), 'IMPERSONATE_USER'), false);
    });

    it('accepts projectId as a number, a numeric string, null or absent', () => {
      assert.equal(parseUser({ userid: 'a', projectId: '42' })?.projectId, 42);
      assert.equal(parseUser({ userid: 'a', projectId: 42 })?.projectId, 42);
      assert.equal(parseUser({ userid: 'a', projectId: null })?.projectId, null);
      assert.equal(parseUser({ userid: 'a' })?.projectId, undefined);
      assert.equal(parseUser({ userid: 'a', projectId: 'soon' })?.projectId, undefined);
    });

    it('reads the legacy shape: top-level name and email, no profile, no permissions', () => {
      assert.deepEqual(parseUser({ iamid: 'ldap', userid: 'carol', name: 'Carol', email: 'c@x', disabled: false }), {
        iamid: 'ldap',
        userid: 'carol',
        name: 'Carol',
        email: 'c@x',
        permissions: [],
        disabled: false,
      });
    });

    it('reads bare-array search answers and skips hits without a userid', () => {
      const result = parseSearchAnswer([{ iamid: 'bim', userid: 'a' }, { iamid: 'bim', profile: { name: 'nameless' } }, 'junk', { iamid: 'bim', userid: 'b' }], 'x');
      assert.deepEqual(result.users.map((user) => user.userid), ['a', 'b']);
      assert.equal(result.count, 4);
      assert.equal(parseSearchAnswer({ count: 57, hits: [{ userid: 'a' }] }, 'x').count, 57);
      assert.equal(parseSearchAnswer({ count: 0 }, 'x').users.length, 0);
      assert.throws(() => parseSearchAnswer(null, 'search users'), (error: unknown) => isImmutaApiError(error) && error.kind === 'bad-response');
      assert.throws(() => parseUserAnswer(['a'], 'x'), /expected a user object, got a list/);
      assert.throws(() => parseUserAnswer({ iamid: 'bim' }, 'x'), /has no "userid"/);
    });

    it('takes the message of a JSON error, or the text of a page, masking secrets', () => {
      assert.equal(serverMessageOf('{"statusCode":400,"error":"Bad Request","message":"child \\"size\\" fails"}', []), 'child "size" fails');
      assert.equal(serverMessageOf('{"error":"Gateway"}', []), 'Gateway');
      assert.equal(serverMessageOf('<h1>Oops</h1> &amp; <b>more</b>', []), 'Oops & more');
      assert.equal(serverMessageOf('', []), undefined);
      assert.equal(serverMessageOf(`bad key ${KEY}`, [KEY]), 'bad key [secret]');
    });
  });

  describe('users', () => {
    const hit = (userid: string, iamid = 'bim', extra: Record<string, unknown> = {}): Record<string, unknown> => ({ iamid, userid, profile: { name: userid.toUpperCase() }, ...extra });

    it('searches names and emails in parallel, merges, de-duplicates and puts the exact id first', async () => {
      fake = await FakeImmuta.start((request, response) => {
        const query = new URL(request.url, 'http://x').searchParams;
        if (query.has('name')) {
          reply(response, 200, { count: 30, hits: [hit('bobby'), hit('Bob', 'okta'), hit('bob')] });
        } else {
          reply(response, 200, { count: 2, hits: [hit('bob'), hit('abe', 'bim', { profile: { email: 'bob@x' } })] });
        }
      });
      const result = await client({ auth: 'raw' }).searchUsers(' bob ', { size: 5 });
      assert.deepEqual(result.users.map((user) => `${user.iamid}:${user.userid}`), ['bim:bob', 'okta:Bob', 'bim:abe', 'bim:bobby']);
      assert.equal(result.count, 30);
      assert.deepEqual(fake.seen.map((seen) => seen.url).sort(), ['/bim/user?email=bob&size=5', '/bim/user?name=bob&size=5']);
    });

    it('blank text lists users with one request of the default size', async () => {
      fake = await FakeImmuta.start((_request, response) => reply(response, 200, [hit('zed'), hit('amy')]));
      const result = await client({ auth: 'raw' }).searchUsers('   ');
      assert.deepEqual(result.users.map((user) => user.userid), ['amy', 'zed']);
      assert.deepEqual(fake.seen.map((seen) => seen.url), ['/bim/user?size=20']);
    });

    it('one failing half still answers; both failing gives the first error', async () => {
      let nameFails = false;
      fake = await FakeImmuta.start((request, response) => {
        if (request.url.includes('email=')) {
          reply(response, 500, { statusCode: 500, error: 'x', message: 'email index down' });
        } else if (nameFails) {
          reply(response, 403, { statusCode: 403, error: 'x', message: 'no' });
        } else {
          reply(response, 200, { count: 1, hits: [hit('dan')] });
        }
      });
      const immuta = client({ auth: 'raw' });
      const half = await immuta.searchUsers('dan');
      assert.deepEqual([half.count, half.users.map((user) => user.userid)], [1, ['dan']]);
      nameFails = true;
      await expectKind(immuta.searchUsers('dan'), 'forbidden');
    });

    it('findUser matches the exact id, then case-insensitively, and reads the project when the search did not say', async () => {
      fake = await FakeImmuta.start((request, response) => {
        if (request.url.startsWith('/bim/iam/okta/user/Erin')) {
          reply(response, 200, { ...hit('Erin', 'okta'), projectId: '9' });
        } else if (request.url.startsWith('/bim/user?userid=erin')) {
          reply(response, 200, { count: 2, hits: [hit('erin2'), hit('Erin', 'okta')] });
        } else if (request.url.startsWith('/bim/user?userid=frank')) {
          reply(response, 200, { count: 2, hits: [hit('Frank'), hit('frank', 'bim', { projectId: null })] });
        } else {
          reply(response, 200, { count: 1, hits: [hit('gina2')] });
        }
      });
      const immuta = client({ auth: 'raw' });
      const erin = await immuta.findUser('erin');
      assert.deepEqual([erin?.iamid, erin?.userid, erin?.projectId, erin?.name], ['okta', 'Erin', 9, 'ERIN']);
      const frank = await immuta.findUser('frank');
      assert.deepEqual([frank?.userid, frank?.projectId], ['frank', null]);
      assert.equal(await immuta.findUser('gina'), undefined);
      assert.ok(fake.seen.some((seen) => seen.url === '/bim/user?userid=erin&size=100'));
      assert.equal(fake.requests('/bim/iam').length, 1);
    });

    it('user() and project() answer undefined for 404', async () => {
      fake = await FakeImmuta.start((_request, response) => reply(response, 404, { statusCode: 404, error: 'Not Found', message: 'User not found' }));
      const immuta = client({ auth: 'raw' });
      assert.equal(await immuta.user('bim', 'nobody'), undefined);
      assert.equal(await immuta.project(404), undefined);
    });
  });
});
