import type { Logger } from '../../common/logger';
import { PlatformError } from '../errors';
import type { ConnectionSecret, PlatformSession, SnowflakeProfile } from '../types';
import { validateVariableName } from './dialect';
import { mapConnectError, mapStatementError } from './errors';
import { loadSdk, type SdkConnection, type SdkConnectionOptions, type SdkError } from './sdk';
import { SnowflakeSession } from './session';

/** Login retries on network errors; the driver's default (7, with back-off) takes minutes. */
const LOGIN_RETRIES = 1;

export function connectionOptions(profile: SnowflakeProfile, secret: ConnectionSecret): SdkConnectionOptions {
  const base: SdkConnectionOptions = {
    account: profile.account,
    ...(profile.accessUrl !== undefined ? { accessUrl: profile.accessUrl } : {}),
    username: profile.user,
    authenticator: 'SNOWFLAKE',
    ...(profile.role !== undefined ? { role: profile.role } : {}),
    ...(profile.warehouse !== undefined ? { warehouse: profile.warehouse } : {}),
    ...(profile.database !== undefined ? { database: profile.database } : {}),
    ...(profile.schema !== undefined ? { schema: profile.schema } : {}),
    clientSessionKeepAlive: profile.keepAlive,
    jsTreatIntegerAsBigInt: true,
    sfRetryMaxLoginRetries: LOGIN_RETRIES,
  };
  switch (profile.auth) {
    case 'password':
      if (!secret.password) {
        throw new PlatformError('configuration', `No password is stored for the connection "${profile.name}".`);
      }
      return { ...base, password: secret.password };
    case 'key-pair':
      if (!profile.privateKey) {
        throw new PlatformError('configuration', `The connection "${profile.name}" uses key-pair authentication but has no private key file.`);
      }
      return {
        ...base,
        authenticator: 'SNOWFLAKE_JWT',
        privateKey: profile.privateKey,
        ...(secret.passphrase ? { privateKeyPass: secret.passphrase } : {}),
      };
    case 'external-browser':
      // The driver opens the system browser and waits on a local port for the IdP's redirect.
      return { ...base, authenticator: 'EXTERNALBROWSER', browserActionTimeout: Math.max(profile.connectTimeoutMs, 120000) };
  }
}

export async function openSnowflakeSession(profile: SnowflakeProfile, secret: ConnectionSecret, logger: Logger): Promise<PlatformSession> {
  const variableProblem = validateVariableName(profile.impersonationVariable);
  if (variableProblem !== undefined) {
    throw new PlatformError('configuration', variableProblem);
  }
  const where = profile.accessUrl ?? profile.account;
  const options = connectionOptions(profile, secret);
  const sdk = loadSdk(logger);
  let connection: SdkConnection;
  try {
    connection = sdk.createConnection(options);
  } catch (error) {
    // The driver validates options synchronously (account format, PEM header...).
    throw new PlatformError('configuration', `The connection "${profile.name}" is not valid: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  try {
    await withTimeout(connect(connection), profile.auth === 'external-browser' ? Math.max(profile.connectTimeoutMs, 120000) : profile.connectTimeoutMs, where);
  } catch (error) {
    destroyQuietly(connection);
    throw error instanceof PlatformError ? error : mapConnectError(error, where);
  }
  try {
    const { sessionId, role } = await describeSession(connection);
    return new SnowflakeSession(connection, sessionId, role, profile, logger);
  } catch (error) {
    destroyQuietly(connection);
    throw error instanceof PlatformError ? error : mapStatementError(error, 'SELECT CURRENT_SESSION()');
  }
}

function connect(connection: SdkConnection): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    // connectAsync is required for EXTERNALBROWSER; it calls back like connect for the others.
    connection.connectAsync((error) => (error ? reject(error) : resolve())).catch(reject);
  });
}

/** The server's id of the session (used by people and by the lab to find it) and the role it took. */
function describeSession(connection: SdkConnection): Promise<{ sessionId: string; role: string | undefined }> {
  return new Promise((resolve, reject) => {
    connection.execute({
      sqlText: 'SELECT CURRENT_SESSION()',
      streamResult: false,
      rowMode: 'array',
      fetchAsString: ['Number'],
      complete: (error: SdkError | undefined, statement, rows) => {
        if (error) {
          reject(error);
          return;
        }
        const value = (rows as unknown[][] | undefined)?.[0]?.[0];
        resolve({ sessionId: value === undefined || value === null ? 'unknown' : String(value), role: statement.getSessionState()?.getCurrentRole?.() });
      },
    });
  });
}

function withTimeout(work: Promise<void>, ms: number, where: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PlatformError('connection', `Could not connect to ${where}: no answer within ${ms} ms.`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function destroyQuietly(connection: SdkConnection): void {
  try {
    connection.destroy(() => undefined);
  } catch {
    // Never connected: nothing to release.
  }
}
