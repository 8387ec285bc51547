/**
 * Snowflake as the conformance suite sees it: the lab's Snowflake REST server in front of the
 * lab PostgreSQL, one PostgreSQL connection per Snowflake session. Losing a session is
 * Snowflake's idle expiry: the next request gets 390112, the driver's renewal 390114.
 */
import type { ConnectionSecret, SnowflakeProfile } from '../../../src/platforms/types';
import type { LabPostgres } from '../../lab/postgres';
import { startSnowflakeLab, type SnowflakeLab } from '../../lab/snowflake-server';
import { lab } from '../shared-lab';
import type { ExpectedTypes, LoginName, PlatformUnderTest, QuotedSetTemplate, ReceivedSet } from './platform-under-test';

export class SnowflakeUnderTest implements PlatformUnderTest {
  readonly platform = 'snowflake' as const;
  readonly assuranceWithoutProbe = 'applied' as const;
  private server: SnowflakeLab | undefined;

  // A Snowflake string literal in place of '{user}': quotes doubled, backslashes escaped.
  readonly quotedSetTemplate: QuotedSetTemplate = {
    template: "set IMMUTA_IMP_USER = '{user}'",
    expected: (user) => ({ text: `set IMMUTA_IMP_USER = '${user.split('\\').join('\\\\').split("'").join("''")}'` }),
  };

  readonly types: ExpectedTypes = {
    sql: "SELECT 1::int4 AS i, 9007199254740993::int8 AS big, 12.50::numeric(6,2) AS n, true AS b, NULL::text AS nothing, 'NULL' AS word, DATE '2024-02-29' AS d, 1.5::float8 AS f, 'ü😀'::varchar AS u",
    // Snowflake folds unquoted names to upper case and reports NUMBER(p,s) for every integer.
    columns: ['I:NUMBER(38,0)', 'BIG:NUMBER(38,0)', 'N:NUMBER(6,2)', 'B:BOOLEAN', 'NOTHING:TEXT', 'WORD:TEXT', 'D:DATE', 'F:REAL', 'U:TEXT'],
    row: [1, '9007199254740993', '12.50', true, null, 'NULL', '2024-02-29', 1.5, 'ü😀'],
  };

  async start(labPostgres: LabPostgres): Promise<void> {
    this.server = await startSnowflakeLab(labPostgres);
  }

  async stop(): Promise<void> {
    await this.server?.close();
    this.server = undefined;
  }

  get lab(): SnowflakeLab {
    if (!this.server) {
      throw new Error('the Snowflake lab server is not running');
    }
    return this.server;
  }

  profile(login: LoginName): SnowflakeProfile {
    return {
      name: `conformance-snowflake-${login}`,
      platform: 'snowflake',
      account: this.lab.account,
      accessUrl: this.lab.accessUrl,
      user: lab().logins[login].user,
      auth: 'password',
      impersonationRole: 'IMMUTA_IMPERSONATION',
      impersonationVariable: 'IMMUTA_IMP_USER',
      keepAlive: true,
      connectTimeoutMs: 10000,
    };
  }

  secret(login: LoginName): ConnectionSecret {
    return { password: lab().logins[login].password };
  }

  async endSession(sessionId: string): Promise<void> {
    await this.lab.expireSession(sessionId);
  }

  async lastSetReceived(sessionId: string): Promise<ReceivedSet | undefined> {
    const sets = this.lab.received
      .filter((request) => request.path === '/queries/v1/query-request' && request.sessionId === sessionId)
      .map((request) => String((request.body as { sqlText?: unknown }).sqlText))
      .filter((sql) => /^set\s/i.test(sql));
    const last = sets.at(-1);
    return last === undefined ? undefined : { text: last };
  }

  sleep(seconds: number): string {
    return `SELECT pg_sleep(${seconds})`;
  }
}
