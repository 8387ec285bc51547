/**
 * Preloaded into every test process (`node --require`, and NODE_OPTIONS for children): refuses
 * any connection that is not to loopback and records it, so that the run fails. Nothing leaves
 * the machine, not even a DNS query for an outside name.
 */
import * as dgram from 'node:dgram';
import dns = require('node:dns');
import * as fs from 'node:fs';
import * as net from 'node:net';

const LOG_FILE = process.env.NETWORK_GUARD_LOG;

export interface Violation {
  readonly target: string;
  readonly via: string;
  readonly pid: number;
  readonly stack: string;
}

const violations: Violation[] = [];

/**
 * Loopback addresses that the guard's own tests treat as outside, so that proving the guard
 * works never needs a packet to leave the machine even if the guard were broken.
 */
const forbiddenForSelfTest = new Set((process.env.NETWORK_GUARD_FORBID ?? '').split(',').filter((host) => host !== ''));

export function forbidForSelfTest(host: string): void {
  forbiddenForSelfTest.add(host);
}

function allowed(host: string | undefined | null): boolean {
  return !(host && forbiddenForSelfTest.has(host)) && isLoopbackHost(host);
}

export function isLoopbackHost(host: string | undefined | null): boolean {
  if (host === undefined || host === null || host === '') {
    return true; // Node's default host is localhost
  }
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const lower = bare.toLowerCase();
  if (lower === 'localhost' || lower.endsWith('.localhost')) {
    return true;
  }
  if (net.isIPv4(lower)) {
    return lower.startsWith('127.');
  }
  if (net.isIPv6(lower)) {
    if (lower === '::1' || lower === '0:0:0:0:0:0:0:1') {
      return true;
    }
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
    return mapped !== null && mapped[1].startsWith('127.');
  }
  return false;
}

function record(target: string, via: string): Error {
  const stack = new Error().stack?.split('\n').slice(3, 9).join('\n') ?? '';
  const violation: Violation = { target, via, pid: process.pid, stack };
  violations.push(violation);
  process.stderr.write(`\n[network-guard] BLOCKED ${via} to ${target} (pid ${process.pid})\n${stack}\n`);
  if (LOG_FILE) {
    try {
      fs.appendFileSync(LOG_FILE, `${JSON.stringify(violation)}\n`);
    } catch {
      // The in-memory record still fails this process's run.
    }
  }
  const error = new Error(`network-guard: connection to ${target} refused (tests may only reach loopback)`) as Error & { code: string };
  error.code = 'ENETUNREACH';
  return error;
}

/** Violations seen by this process so far. */
export function guardViolations(): readonly Violation[] {
  return violations;
}

/** For the guard's own tests: takes the violations they caused on purpose, so they don't fail the run. */
export function takeExpectedViolations(predicate: (violation: Violation) => boolean): Violation[] {
  const taken = violations.filter(predicate);
  for (const violation of taken) {
    violations.splice(violations.indexOf(violation), 1);
  }
  if (LOG_FILE && taken.length > 0 && fs.existsSync(LOG_FILE)) {
    const keep = fs
      .readFileSync(LOG_FILE, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .filter((line) => {
        const parsed = JSON.parse(line) as Violation;
        return !taken.some((violation) => violation.pid === parsed.pid && violation.target === parsed.target && violation.stack === parsed.stack);
      });
    fs.writeFileSync(LOG_FILE, keep.map((line) => `${line}\n`).join(''));
  }
  return taken;
}

interface ConnectTarget {
  readonly host?: string | null;
  readonly port?: number | string;
  readonly path?: string | null;
}

function targetOf(args: unknown[]): ConnectTarget {
  let first = args[0];
  if (Array.isArray(first)) {
    // Internal normalized form: [options, callback]
    first = first[0];
  }
  if (typeof first === 'object' && first !== null) {
    return first as ConnectTarget;
  }
  if (typeof first === 'string' && !/^\d+$/.test(first)) {
    return { path: first };
  }
  return { port: first as number, host: typeof args[1] === 'string' ? args[1] : undefined };
}

const GUARD_MARK = Symbol.for('immuta-worksheets.network-guard');
const globals = globalThis as Record<symbol, unknown>;

if (!globals[GUARD_MARK]) {
  globals[GUARD_MARK] = true;

  const originalConnect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
    const target = targetOf(args);
    // As in Node's own Socket#connect, a non-empty path means a local IPC socket.
    const ipc = typeof target.path === 'string' && target.path.length > 0;
    if (!ipc && !allowed(target.host)) {
      const error = record(`${target.host}:${target.port}`, 'tcp');
      process.nextTick(() => this.destroy(error));
      return this;
    }
    return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof net.Socket.prototype.connect;

  const originalLookup = dns.lookup;
  const guardedLookup = function (this: unknown, hostname: string, ...rest: unknown[]) {
    if (!allowed(hostname)) {
      const error = record(hostname, 'dns');
      const callback = rest[rest.length - 1];
      if (typeof callback === 'function') {
        process.nextTick(() => (callback as (e: Error) => void)(error));
        return {};
      }
      throw error;
    }
    return (originalLookup as (...a: unknown[]) => unknown).apply(this, [hostname, ...rest]);
  };
  (dns as { lookup: unknown }).lookup = guardedLookup;

  const originalPromiseLookup = dns.promises.lookup;
  (dns.promises as { lookup: unknown }).lookup = function (hostname: string, ...rest: unknown[]) {
    if (!allowed(hostname)) {
      return Promise.reject(record(hostname, 'dns'));
    }
    return (originalPromiseLookup as (...a: unknown[]) => Promise<unknown>).apply(dns.promises, [hostname, ...rest]);
  };

  const originalSend = dgram.Socket.prototype.send;
  dgram.Socket.prototype.send = function guardedSend(this: dgram.Socket, ...args: unknown[]) {
    const address = args.find((value, index) => index > 0 && typeof value === 'string') as string | undefined;
    if (address !== undefined && !allowed(address)) {
      const error = record(address, 'udp');
      const callback = args[args.length - 1];
      if (typeof callback === 'function') {
        process.nextTick(() => (callback as (e: Error) => void)(error));
      }
      return;
    }
    return (originalSend as (...a: unknown[]) => void).apply(this, args);
  } as typeof dgram.Socket.prototype.send;

  process.on('exit', () => {
    if (violations.length > 0) {
      process.stderr.write(`[network-guard] ${violations.length} non-loopback connection attempt(s) in pid ${process.pid}; failing.\n`);
      process.exitCode = 1;
    }
  });
}
