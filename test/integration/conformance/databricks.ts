/**
 * Databricks Spark as the conformance suite sees it: the lab's Thrift-over-HTTPS server in front
 * of the lab PostgreSQL, one PostgreSQL connection per Thrift session, token sign-in. A token
 * names nobody, so the session reports the login `current_user()` answers. Losing a session is
 * Databricks' expiry: the next call on it answers "Invalid SessionHandle".
 */
import type { ConnectionSecret, DatabricksProfile } from '../../../src/platforms/types';
import type { LabPostgres } from '../../lab/postgres';
import { startDatabricksLab, type DatabricksLab } from '../../lab/databricks-server';
import type { ExpectedTypes, LoginName, PlatformUnderTest, QuotedSetTemplate, ReceivedSet } from './platform-under-test';

export class DatabricksUnderTest implements PlatformUnderTest {
  readonly platform = 'databricks' as const;
  readonly assuranceWithoutProbe = 'applied' as const;
  private server: DatabricksLab | undefined;
  private labLogins: LabPostgres['logins'] | undefined;

  // In SET key = '{user}' Spark would keep the quotes in the value: the name is back-quoted instead.
  readonly quotedSetTemplate: QuotedSetTemplate = {
    template: "set immuta.impersonate.user = '{user}'",
    expected: (user) => ({ text: `set immuta.impersonate.user = \`${user.split('`').join('``')}\`` }),
  };

  readonly types: ExpectedTypes = {
    sql: "SELECT 1::int4 AS i, 9007199254740993::int8 AS big, 12.50::numeric(6,2) AS n, true AS b, NULL::text AS nothing, 'NULL' AS word, DATE '2024-02-29' AS d, 1.5::float8 AS f, 'ü😀'::varchar AS u, TIMESTAMP '2024-01-02 03:04:05.5' AS ts",
    columns: ['i:int', 'big:bigint', 'n:decimal(6,2)', 'b:boolean', 'nothing:string', 'word:string', 'd:date', 'f:double', 'u:string', 'ts:timestamp'],
    // bigint and decimal stay text so no digit is lost.
    row: [1, '9007199254740993', '12.50', true, null, 'NULL', '2024-02-29', 1.5, 'ü😀', '2024-01-02 03:04:05.5'],
  };

  async start(lab: LabPostgres): Promise<void> {
    this.labLogins = lab.logins;
    this.server = await startDatabricksLab(lab);
  }

  async stop(): Promise<void> {
    await this.server?.close();
    this.server = undefined;
  }

  profile(login: LoginName): DatabricksProfile {
    const server = this.lab();
    return {
      name: `conformance-databricks-${login}`,
      platform: 'databricks',
      host: server.host,
      port: server.port,
      httpPath: server.httpPath,
      auth: 'token',
      unityCatalog: false,
      tls: { ca: server.caPem, verify: true },
      connectTimeoutMs: 10000,
    };
  }

  secret(login: LoginName): ConnectionSecret {
    return { token: this.lab().tokenFor(login) };
  }

  expectedLogin(login: LoginName): string {
    return this.logins()[login].user;
  }

  async endSession(sessionId: string): Promise<void> {
    await this.lab().expireSession(sessionId);
  }

  async lastSetReceived(sessionId: string): Promise<ReceivedSet | undefined> {
    const sets = this.lab()
      .received.filter((call) => call.call === 'ExecuteStatement' && call.sessionId === sessionId)
      .map((call) => call.statement ?? '')
      .filter((sql) => /^set\s+\S+\s*=/i.test(sql));
    const last = sets.at(-1);
    return last === undefined ? undefined : { text: last };
  }

  sleep(seconds: number): string {
    return `SELECT pg_sleep(${seconds})`;
  }

  /** The running lab server (for tests that read what it received or flip its switches). */
  lab(): DatabricksLab {
    if (!this.server) throw new Error('the Databricks lab is not started');
    return this.server;
  }

  private logins(): LabPostgres['logins'] {
    if (!this.labLogins) throw new Error('the Databricks lab is not started');
    return this.labLogins;
  }
}
