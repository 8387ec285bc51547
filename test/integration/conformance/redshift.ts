/**
 * Redshift as the conformance suite sees it. The lab PostgreSQL is the Redshift server itself
 * (Redshift speaks the PostgreSQL protocol), so there is no extra server to start, and the
 * session id the adapter reports is the PostgreSQL backend pid.
 */
import type { ConnectionSecret, RedshiftProfile } from '../../../src/platforms/types';
import type { LabPostgres } from '../../lab/postgres';
import { lab } from '../shared-lab';
import type { ExpectedTypes, LoginName, PlatformUnderTest, QuotedSetTemplate, ReceivedSet } from './platform-under-test';

/** How long endSession waits for the terminated backend to be gone from pg_stat_activity. */
const END_SESSION_TIMEOUT_MS = 5000;

export class RedshiftUnderTest implements PlatformUnderTest {
  readonly platform = 'redshift' as const;
  readonly assuranceWithoutProbe = 'applied' as const;
  // Immuta documents no read-back for Redshift; the default profile has no readBack template.
  readonly readsBackImpersonation = false;
  readonly keepsSessionAfterCancel = true;

  // pg binds the name as $1 in place of the quoted literal; the bound value itself is not in
  // pg_stat_activity, so the suite reads it back from immuta.current_impersonation().
  readonly quotedSetTemplate: QuotedSetTemplate = {
    template: "call immuta_procedures.impersonate_user( '{user}' )",
    expected: () => ({ text: 'call immuta_procedures.impersonate_user( $1 )' }),
  };

  readonly types: ExpectedTypes = {
    sql: "SELECT 1::int4 AS i, 9007199254740993::int8 AS big, 12.50::numeric(6,2) AS n, true AS b, NULL::text AS nothing, 'NULL' AS word, DATE '2024-02-29' AS d, 1.5::float8 AS f, 'ü😀'::varchar AS u",
    columns: ['i:int4', 'big:int8', 'n:numeric', 'b:bool', 'nothing:text', 'word:text', 'd:date', 'f:float8', 'u:varchar'],
    // int8 and numeric stay text so no digit is lost; a text 'NULL' is not a null.
    row: [1, '9007199254740993', '12.50', true, null, 'NULL', '2024-02-29', 1.5, 'ü😀'],
  };

  async start(_lab: LabPostgres): Promise<void> {
    // The lab PostgreSQL is already running and is the server.
  }

  async stop(): Promise<void> {
    // Nothing of our own to stop.
  }

  profile(login: LoginName): RedshiftProfile {
    const server = lab();
    return {
      name: `conformance-redshift-${login}`,
      platform: 'redshift',
      host: server.host,
      port: server.port,
      database: server.database,
      user: server.logins[login].user,
      tls: { mode: 'disable' },
      connectTimeoutMs: 5000,
      applicationName: 'immuta-worksheets-conformance',
    };
  }

  secret(login: LoginName): ConnectionSecret {
    return { password: lab().logins[login].password };
  }

  /** Terminates the backend, as an administrator or a cluster restart would, and waits until it is gone. */
  async endSession(sessionId: string): Promise<void> {
    const pid = Number(sessionId);
    if (!Number.isInteger(pid) || pid <= 0) {
      throw new Error(`a Redshift session id is a backend pid, not ${JSON.stringify(sessionId)}`);
    }
    const [terminated] = await lab().adminQuery<{ ok: boolean }>('SELECT pg_terminate_backend($1) AS ok', [pid]);
    if (!terminated?.ok) {
      throw new Error(`backend ${pid} was not running`);
    }
    const deadline = Date.now() + END_SESSION_TIMEOUT_MS;
    while ((await lab().adminQuery('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).length > 0) {
      if (Date.now() > deadline) {
        throw new Error(`backend ${pid} still runs ${END_SESSION_TIMEOUT_MS} ms after pg_terminate_backend`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** The backend's last statement: right after impersonating, the set statement (Redshift reads nothing back). */
  async lastSetReceived(sessionId: string): Promise<ReceivedSet | undefined> {
    const [row] = await lab().adminQuery<{ query: string }>('SELECT query FROM pg_stat_activity WHERE pid = $1', [Number(sessionId)]);
    return row === undefined ? undefined : { text: row.query };
  }

  sleep(seconds: number): string {
    return `SELECT pg_sleep(${seconds})`;
  }
}
