import type { Logger } from '../../common/logger';
import { PlatformError } from '../errors';
import { profileEndpoint, profileLogin } from '../profile';
import type { ConnectionSecret, DatabricksProfile, PlatformSession } from '../types';
import { statementsFor, UNITY_CATALOG_UNSUPPORTED } from './dialect';
import { mapConnectError } from './errors';
import { loadSdk, sdkLogger, type SdkSession } from './sdk';
import { DatabricksSession } from './session';
import { collect } from './statement';
import { agentFor, assertAgent, useAgent } from './tls';

/** Retries of the driver's idempotent calls (status polls, cancel, close) on 429/5xx/network errors. */
const RETRY_ATTEMPTS = 3;

/** The options for DBSQLClient.connect. Secrets go in here and nowhere else. */
export function connectionOptions(profile: DatabricksProfile, secret: ConnectionSecret): Record<string, unknown> {
  if (!secret.token) {
    const what = profile.auth === 'oauth-m2m' ? 'OAuth client secret' : 'personal access token';
    throw new PlatformError('configuration', `No ${what} is stored for the connection "${profile.name}".`);
  }
  const auth =
    profile.auth === 'oauth-m2m'
      ? {
          authType: 'databricks-oauth',
          oauthClientId: profile.clientId,
          oauthClientSecret: secret.token,
          // Databricks-managed service principals on Azure too, not Entra ID's endpoints.
          useDatabricksOAuthInAzure: true,
        }
      : { authType: 'access-token', token: secret.token };
  return {
    host: profile.host,
    // The driver forces HTTPS, and port 443 unless told otherwise.
    port: profile.port,
    path: profile.httpPath,
    ...auth,
    // TLS (verification and the profile's CA) is the adapter's own agent: see tls.ts.
    // Nothing may phone home: no telemetry, no feature-flag fetches that come with it.
    telemetryEnabled: false,
    // DECIMAL as exact text and BIGINT as bigint if a server answers in Arrow after all.
    preserveBigNumericPrecision: true,
    retryMaxAttempts: RETRY_ATTEMPTS,
    retryDelayMin: 200,
    retryDelayMax: 2000,
    retriesTimeout: Math.max(profile.connectTimeoutMs, 10000),
    userAgentEntry: 'immuta-worksheets',
  };
}

export async function openDatabricksSession(profile: DatabricksProfile, secret: ConnectionSecret, logger: Logger): Promise<PlatformSession> {
  if (profile.unityCatalog) {
    // Opening is fine (queries run as yourself); only impersonation is refused, by the session.
    logger.info(`databricks: ${profile.name} is a Unity Catalog workspace: ${UNITY_CATALOG_UNSUPPORTED}`);
  }
  const where = profileEndpoint(profile);
  const options = connectionOptions(profile, secret);
  const sdk = loadSdk();
  const client = new sdk.DBSQLClient({ logger: sdkLogger(logger) });
  // An unhandled 'error' event would end the extension host: log it, the call that failed reports it.
  client.on('error', (error) => logger.warn(`databricks connection: ${error.message}`));
  const agent = agentFor(profile);
  let session: SdkSession;
  try {
    useAgent(client, agent);
    session = await withTimeout(
      (async () => {
        await client.connect(options);
        await assertAgent(client, agent);
        // Column-based results keep every value exact and every column in place (see values.ts);
        // the driver has no connect option for this, its config object is the documented way in.
        const config = client.getConfig();
        config.arrowEnabled = false;
        config.useCloudFetch = false;
        config.useLZ4Compression = false;
        return client.openSession({
          ...(profile.catalog !== undefined ? { initialCatalog: profile.catalog } : {}),
          ...(profile.schema !== undefined ? { initialSchema: profile.schema } : {}),
        });
      })(),
      profile.connectTimeoutMs,
      where,
    );
  } catch (error) {
    await client.close().catch(() => undefined);
    agent.destroy();
    throw error instanceof PlatformError ? error : mapConnectError(error, where);
  }
  const login = await discoverLogin(session, logger).catch(() => undefined);
  return new DatabricksSession({ client, agent }, session, login ?? profileLogin(profile), profile, statementsFor(profile.impersonation), logger);
}

/** Who the token or service principal is, as the server says (`current_user()`). */
async function discoverLogin(session: SdkSession, logger: Logger): Promise<string | undefined> {
  try {
    const result = await collect(session, 'SELECT current_user()');
    const value = result.rows[0]?.[0];
    return typeof value === 'string' && value !== '' ? value : undefined;
  } catch (error) {
    logger.warn(`databricks: could not read current_user(): ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}

function withTimeout<T>(work: Promise<T>, ms: number, where: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PlatformError('connection', `Could not open a Databricks session at ${where}: no answer within ${ms} ms.`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

