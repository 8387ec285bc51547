import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as dgram from 'node:dgram';
import dns = require('node:dns');
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { forbidForSelfTest, guardViolations, isLoopbackHost, takeExpectedViolations } from '../support/network-guard';

const GUARD = path.resolve(__dirname, '../support/network-guard.js');

// The guard is proven against loopback addresses it is told to treat as outside: if the guard
// ever broke, these tests would still send nothing off the machine.
const OUTSIDE = '127.0.0.77';
const OUTSIDE_NAME = '127.0.0.78';

function connectOutcome(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.message));
  });
}

describe('network guard', () => {
  const servers: net.Server[] = [];
  let port: number;

  before(async () => {
    // Listeners on the real loopback address and on the pretend-outside one, with one port, so
    // a broken guard would show up as 'connected' rather than as a refused connection.
    const first = net.createServer((socket) => socket.end());
    await new Promise<void>((resolve) => first.listen(0, '127.0.0.1', resolve));
    port = (first.address() as net.AddressInfo).port;
    const second = net.createServer((socket) => socket.end());
    await new Promise<void>((resolve) => second.listen(port, OUTSIDE, resolve));
    servers.push(first, second);
    forbidForSelfTest(OUTSIDE);
    forbidForSelfTest(OUTSIDE_NAME);
  });

  after(() => {
    for (const server of servers) server.close();
  });

  afterEach(() => {
    takeExpectedViolations((violation) => violation.target.startsWith(OUTSIDE) || violation.target.startsWith(OUTSIDE_NAME));
  });

  it('classifies loopback and outside addresses', () => {
    for (const host of ['127.0.0.1', '127.8.9.10', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1', undefined]) {
      assert.equal(isLoopbackHost(host), true, String(host));
    }
    for (const host of ['10.0.0.1', '192.168.1.1', '169.254.169.254', '8.8.8.8', 'metadata.google.internal', 'example.com', '::ffff:10.0.0.1', '2001:db8::1', '0.0.0.0']) {
      assert.equal(isLoopbackHost(host), false, host);
    }
  });

  it('refuses a raw TCP connection and records it', async () => {
    const before = guardViolations().length;
    assert.match(await connectOutcome(OUTSIDE, port), /network-guard: connection to 127\.0\.0\.77:\d+ refused/);
    assert.equal(guardViolations().length, before + 1);
  });

  it('refuses http requests (whose options carry path: null) and fetch', async () => {
    const before = guardViolations().length;
    const viaHttp = await new Promise<string>((resolve) => {
      http.get(`http://${OUTSIDE}:${port}/some/path`, () => resolve('answered')).once('error', (error) => resolve(error.message));
    });
    assert.match(viaHttp, /refused/);
    await assert.rejects(fetch(`http://${OUTSIDE}:${port}/`));
    assert.equal(guardViolations().length, before + 2);
  });

  it('refuses DNS lookups, callback and promise forms', async () => {
    const viaCallback = await new Promise<string>((resolve) => dns.lookup(OUTSIDE_NAME, (error) => resolve(error?.message ?? 'resolved')));
    assert.match(viaCallback, /refused/);
    await assert.rejects(dns.promises.lookup(OUTSIDE_NAME), /refused/);
  });

  it('refuses UDP datagrams', async () => {
    const socket = dgram.createSocket('udp4');
    const before = guardViolations().length;
    const error = await new Promise<Error | null>((resolve) => socket.send('x', port, OUTSIDE, (sent) => resolve(sent ?? null)));
    socket.close();
    assert.match(error?.message ?? '', /refused/);
    assert.equal(guardViolations().length, before + 1);
  });

  it('lets loopback connections through', async () => {
    assert.equal(await connectOutcome('127.0.0.1', port), 'connected');
    assert.equal(await connectOutcome('localhost', port), 'connected');
  });

  it('fails a child process that tries to leave loopback, and logs the attempt for the runner', () => {
    const log = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'guard-')), 'log.jsonl');
    const child = spawnSync(process.execPath, ['-e', `require('net').connect(${port}, '${OUTSIDE}').on('error', () => {})`], {
      env: { ...process.env, NODE_OPTIONS: `--require ${GUARD}`, NETWORK_GUARD_LOG: log, NETWORK_GUARD_FORBID: OUTSIDE },
      encoding: 'utf8',
    });
    assert.equal(child.status, 1);
    assert.match(child.stderr, /BLOCKED tcp to 127\.0\.0\.77:\d+/);
    const entries = fs.readFileSync(log, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { target: string });
    assert.deepEqual(entries.map((entry) => entry.target), [`${OUTSIDE}:${port}`]);
    fs.rmSync(path.dirname(log), { recursive: true, force: true });
  });
});
