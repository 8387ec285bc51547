/**
 * Azure Synapse as the conformance suite sees it: the lab's TDS 7.4 server in front of the lab
 * PostgreSQL, one PostgreSQL connection per TDS connection. Losing a session is the server
 * dropping the connection (socket closed, backend terminated). Bob is impersonated through the
 * profile's userMap, as Synapse needs the Synapse user linked to the Immuta user. As on Synapse,
 * every connection is encrypted: TLS inside TDS, verified against the lab's throwaway CA.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ConnectionSecret, SynapseProfile } from '../../../src/platforms/types';
import type { LabPostgres } from '../../lab/postgres';
import { startTdsLab, type TdsLab } from '../../lab/tds-server';
import { makeTlsFiles } from '../../lab/tls';
import { lab } from '../shared-lab';
import type { ExpectedTypes, LoginName, PlatformUnderTest, QuotedSetTemplate, ReceivedSet } from './platform-under-test';

export class SynapseUnderTest implements PlatformUnderTest {
  readonly platform = 'synapse' as const;
  readonly assuranceWithoutProbe = 'read-back' as const;
  private server: TdsLab | undefined;

  // mssql binds the name as @user (NVARCHAR) in place of the N'…' literal; the lab records both.
  readonly quotedSetTemplate: QuotedSetTemplate = {
    template: "exec sys.sp_set_session_context @key = N'immuta_user', @value = N'{user}'",
    expected: (user) => ({ text: "exec sys.sp_set_session_context @key = N'immuta_user', @value = @user", bound: user }),
  };
  private caPem: string | undefined;
  private tlsDir: string | undefined;

  readonly types: ExpectedTypes = {
    sql: "SELECT 1::int4 AS i, 9007199254740993::int8 AS big, 12.50::numeric(6,2) AS n, true AS b, NULL::text AS nothing, 'NULL' AS word, DATE '2024-02-29' AS d, 1.5::float8 AS f, 'ü😀'::varchar AS u",
    columns: ['i:int', 'big:bigint', 'n:decimal(6,2)', 'b:bit', 'nothing:nvarchar', 'word:nvarchar', 'd:date', 'f:float', 'u:nvarchar'],
    // bigint and decimal stay text so no digit is lost.
    row: [1, '9007199254740993', '12.50', true, null, 'NULL', '2024-02-29', 1.5, 'ü😀'],
  };

  async start(labPostgres: LabPostgres): Promise<void> {
    this.tlsDir = await fs.mkdtemp(path.join(os.tmpdir(), 'tds-conformance-'));
    const files = await makeTlsFiles(this.tlsDir, { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 });
    this.caPem = files.caPem;
    this.server = await startTdsLab(labPostgres, { tls: { key: await fs.readFile(files.keyFile, 'utf8'), cert: await fs.readFile(files.certFile, 'utf8') } });
  }

  async stop(): Promise<void> {
    await this.server?.close();
    this.server = undefined;
    if (this.tlsDir !== undefined) await fs.rm(this.tlsDir, { recursive: true, force: true });
  }

  /** The running lab server (for tests that read what it received). */
  get lab(): TdsLab {
    if (!this.server) throw new Error('the TDS lab server is not running');
    return this.server;
  }

  profile(login: LoginName): SynapseProfile {
    return {
      name: `conformance-synapse-${login}`,
      platform: 'synapse',
      server: this.lab.host,
      port: this.lab.port,
      database: lab().database,
      user: lab().logins[login].user,
      auth: 'sql',
      encrypt: true,
      trustServerCertificate: false,
      ca: this.caPem,
      userMap: { 'bob@example.com': 'bob' },
      connectTimeoutMs: 10000,
    };
  }

  secret(login: LoginName): ConnectionSecret {
    return { password: lab().logins[login].password };
  }

  async endSession(sessionId: string): Promise<void> {
    await this.lab.killSession(sessionId);
  }

  async lastSetReceived(sessionId: string): Promise<ReceivedSet | undefined> {
    const sets = this.lab.received.filter(
      (entry) => entry.kind === 'rpc' && entry.spid === Number(sessionId) && /sp_set_session_context/i.test(entry.text) && !/@value\s*=\s*NULL/i.test(entry.text),
    );
    const last = sets.at(-1);
    if (last?.kind !== 'rpc') return undefined;
    return { text: last.text, ...(last.params.user !== undefined ? { bound: String(last.params.user) } : {}) };
  }

  sleep(seconds: number): string {
    return `WAITFOR DELAY '00:00:${String(seconds).padStart(2, '0')}'`;
  }
}
