/**
 * Authentication for the Trino lab and the PostgreSQL connections behind it.
 *
 * Basic: the lab tries the user and password against PostgreSQL itself, so "valid credentials"
 * means exactly what it means for the lab's logins. JWT: HS256 signed with the lab's secret,
 * `sub` naming a lab login. Connections are pooled per login (Trino's session lives in the
 * request headers, not in a connection), and every query resets the impersonation it needs.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Client } from 'pg';
import type { LabPostgres } from './postgres';

export interface Principal {
  readonly user: string;
  readonly password: string;
}

/** Every PostgreSQL value as its text: the lab encodes values for Trino itself. */
const RAW_TYPES = { getTypeParser: () => (text: string) => text };

interface Pool {
  readonly idle: Client[];
  readonly busy: Set<Client>;
}

export class LoginPools {
  private readonly pools = new Map<string, Pool>();
  private readonly dead = new WeakSet<Client>();
  private closed = false;

  constructor(
    private readonly lab: LabPostgres,
    private readonly log: (line: string) => void,
  ) {}

  /** True when PostgreSQL accepts the password; the connection that proved it is kept. */
  async verify(principal: Principal): Promise<boolean> {
    const pool = this.pools.get(key(principal));
    if (pool && (pool.idle.length > 0 || pool.busy.size > 0)) {
      return true;
    }
    try {
      const client = await this.connect(principal);
      this.poolOf(principal).idle.push(client);
      return true;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === '28P01' || code === '28000') {
        return false;
      }
      throw error;
    }
  }

  async acquire(principal: Principal): Promise<Client> {
    const pool = this.poolOf(principal);
    let client = pool.idle.pop();
    while (client && this.dead.has(client)) {
      client = pool.idle.pop();
    }
    client ??= await this.connect(principal);
    pool.busy.add(client);
    return client;
  }

  /** Returns a connection; one that failed, sits in a transaction or is `discard`ed is closed instead. */
  release(principal: Principal, client: Client, discard = false): void {
    const pool = this.poolOf(principal);
    pool.busy.delete(client);
    const status = (client as unknown as { getTransactionStatus?: () => string }).getTransactionStatus?.();
    if (discard || this.closed || this.dead.has(client) || (status !== undefined && status !== 'I')) {
      this.dead.add(client);
      client.end().catch(() => undefined);
      return;
    }
    pool.idle.push(client);
  }

  /** Backend pids of every connection, idle or busy. */
  pids(): number[] {
    const pids: number[] = [];
    for (const pool of this.pools.values()) {
      for (const client of [...pool.idle, ...pool.busy]) {
        const pid = (client as unknown as { processID?: number | null }).processID;
        if (typeof pid === 'number' && !this.dead.has(client)) pids.push(pid);
      }
    }
    return pids;
  }

  /** Forgets idle connections (after their backends were terminated: they are doomed). */
  dropIdle(): void {
    for (const pool of this.pools.values()) {
      for (const client of pool.idle.splice(0)) {
        this.dead.add(client);
        client.end().catch(() => undefined);
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.pools.values()].flatMap((pool) => [...pool.idle, ...pool.busy]);
    this.pools.clear();
    await Promise.all(all.map((client) => client.end().catch(() => undefined)));
  }

  private poolOf(principal: Principal): Pool {
    let pool = this.pools.get(key(principal));
    if (!pool) {
      pool = { idle: [], busy: new Set() };
      this.pools.set(key(principal), pool);
    }
    return pool;
  }

  private async connect(principal: Principal): Promise<Client> {
    const client = new Client({
      host: this.lab.host,
      port: this.lab.port,
      database: this.lab.database,
      user: principal.user,
      password: principal.password,
      application_name: 'trino-lab',
      // Trino prints timestamps with time zone in UTC here; PostgreSQL then prints +00.
      options: '-c TimeZone=UTC',
      types: RAW_TYPES,
    });
    client.on('error', (error) => {
      this.dead.add(client);
      this.log(`trino-lab: connection of ${principal.user} failed: ${error.message}`);
    });
    client.on('end', () => this.dead.add(client));
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    return client;
  }
}

function key(principal: Principal): string {
  return `${principal.user}\u0000${principal.password}`;
}

// ---- JWT (HS256) -------------------------------------------------------------------------------

export function newJwtSecret(): string {
  return randomBytes(32).toString('base64url');
}

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

export function signJwt(secret: string, claims: Record<string, unknown>): string {
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = base64url(JSON.stringify(claims));
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

/** The token's subject when the signature and expiry hold, else undefined. */
export function verifyJwt(secret: string, token: string, nowSeconds = Date.now() / 1000): string | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [header, payload, signature] = parts;
  const expected = createHmac('sha256', secret).update(`${header}.${payload}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    const head = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: unknown };
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub?: unknown; exp?: unknown };
    if (head.alg !== 'HS256' || typeof claims.sub !== 'string') return undefined;
    if (typeof claims.exp === 'number' && claims.exp < nowSeconds) return undefined;
    return claims.sub;
  } catch {
    return undefined;
  }
}
