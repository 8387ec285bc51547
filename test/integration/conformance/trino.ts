/**
 * Starburst (Trino) as the conformance suite sees it: the Trino lab server (Trino's HTTP client
 * protocol in front of the lab PostgreSQL) and profiles in session-property impersonation mode,
 * Immuta's documented default. Trino keeps no server-side session; what a worksheet "loses" is
 * the coordinator's work behind it, here the lab's PostgreSQL connections.
 */
import type { ConnectionSecret, TrinoProfile } from '../../../src/platforms/types';
import type { LabPostgres } from '../../lab/postgres';
import { startTrinoLab, type TrinoLab, type TrinoLabOptions } from '../../lab/trino-server';
import type { ExpectedTypes, LoginName, PlatformUnderTest } from './platform-under-test';

export class TrinoUnderTest implements PlatformUnderTest {
  readonly platform = 'trino' as const;
  readonly assuranceWithoutProbe = 'read-back' as const;
  private server: TrinoLab | undefined;
  private labLogins: LabPostgres['logins'] | undefined;

  /** `options`: how to start the lab server (its defaults for the conformance suite). */
  constructor(private readonly options: TrinoLabOptions = {}) {}

  readonly types: ExpectedTypes = {
    sql: "SELECT 1::int4 AS i, 9007199254740993::int8 AS big, 12.50::numeric(6,2) AS n, true AS b, NULL::text AS nothing, 'NULL' AS word, DATE '2024-02-29' AS d, 1.5::float8 AS f, 'ü😀'::varchar AS u, TIMESTAMP '2024-01-02 03:04:05.5' AS ts",
    columns: ['i:integer', 'big:bigint', 'n:decimal(6,2)', 'b:boolean', 'nothing:varchar', 'word:varchar', 'd:date', 'f:double', 'u:varchar', 'ts:timestamp(6)'],
    // bigint and decimal stay text so no digit is lost; Trino pads timestamps to their precision.
    row: [1, '9007199254740993', '12.50', true, null, 'NULL', '2024-02-29', 1.5, 'ü😀', '2024-01-02 03:04:05.500000'],
  };

  async start(lab: LabPostgres): Promise<void> {
    this.labLogins = lab.logins;
    this.server = await startTrinoLab(lab, this.options);
  }

  async stop(): Promise<void> {
    await this.server?.close();
    this.server = undefined;
  }

  profile(login: LoginName): TrinoProfile {
    return {
      name: `conformance-trino-${login}`,
      platform: 'trino',
      server: this.lab().url,
      user: this.logins()[login].user,
      auth: 'basic',
      catalog: this.lab().catalog,
      impersonationMode: 'session-property',
      impersonationProperty: this.lab().impersonationProperty,
      tls: { verify: true },
      source: 'immuta-worksheets-conformance',
      requestTimeoutMs: 10000,
    };
  }

  secret(login: LoginName): ConnectionSecret {
    return { password: this.logins()[login].password };
  }

  /** The session id is the adapter's own; every PostgreSQL connection behind the coordinator goes. */
  async endSession(sessionId: string): Promise<void> {
    if (!sessionId.startsWith('trino-')) {
      throw new Error(`a Trino worksheet session id starts with trino-, not ${JSON.stringify(sessionId)}`);
    }
    await this.lab().killBackends();
  }

  sleep(seconds: number): string {
    return `SELECT pg_sleep(${seconds})`;
  }

  /** The running lab server (for tests that read what it received). */
  lab(): TrinoLab {
    if (!this.server) throw new Error('the Trino lab is not started');
    return this.server;
  }

  private logins(): LabPostgres['logins'] {
    if (!this.labLogins) throw new Error('the Trino lab is not started');
    return this.labLogins;
  }
}
