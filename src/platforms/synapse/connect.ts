import * as net from 'node:net';
import type { Connection as TediousConnection } from 'tedious';
import { PlatformError } from '../errors';
import type { ConnectionSecret, SynapseProfile } from '../types';
import type { MssqlPoolConfig } from './mssql';

/** PRELOGIN ENCRYPTION option values (MS-TDS 2.2.6.5). */
const ENCRYPT_ON = 0x01;
const ENCRYPT_REQ = 0x03;
const PRELOGIN_ENCRYPTION = 0x01;
const PRELOGIN_TERMINATOR = 0xff;

/** The ENCRYPTION byte of a PRELOGIN answer (the payload after the 8-byte packet header). */
export function preloginEncryption(payload: Buffer): number | undefined {
  let at = 0;
  while (at + 5 <= payload.length && payload[at] !== PRELOGIN_TERMINATOR) {
    if (payload[at] === PRELOGIN_ENCRYPTION) {
      const offset = payload.readUInt16BE(at + 1);
      return offset < payload.length ? payload[offset] : undefined;
    }
    at += 5;
  }
  return undefined;
}

export class EncryptionRefused extends Error {
  constructor(where: string) {
    super(
      `The server at ${where} cannot encrypt the connection (its PRELOGIN answer offers no encryption). ` +
        'The connection requires encryption, so it was closed before signing in; no password was sent.',
    );
    this.name = 'EncryptionRefused';
  }
}

type Connector = (options: { host: string; port: number }, lookup: unknown, signal: AbortSignal) => Promise<net.Socket>;

/**
 * tedious (19.x) goes on unencrypted when `encrypt` is true but the server's PRELOGIN answer
 * says it cannot encrypt, and then sends LOGIN7 with the password readable on the wire. This
 * connector opens the socket itself and reads the PRELOGIN answer before tedious does: when the
 * server offers no encryption the socket is destroyed in that same 'data' event, so tedious'
 * LOGIN7 meets a destroyed socket and never leaves the machine.
 */
export function guardedConnector(where: string, encrypt: boolean, onRefused: (error: EncryptionRefused) => void): Connector {
  return ({ host, port }, _lookup, signal) =>
    new Promise<net.Socket>((resolve, reject) => {
      const socket = net.connect({ host, port });
      const abort = () => socket.destroy(signal.reason instanceof Error ? signal.reason : new Error('connect aborted'));
      signal.addEventListener('abort', abort, { once: true });
      socket.once('error', reject);
      socket.once('connect', () => {
        signal.removeEventListener('abort', abort);
        socket.removeListener('error', reject);
        resolve(socket);
      });
      if (!encrypt) return;
      let received = Buffer.alloc(0);
      const watch = (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        if (received.length < 8 || received.length < received.readUInt16BE(2)) return;
        socket.removeListener('data', watch);
        const answer = preloginEncryption(received.subarray(8, received.readUInt16BE(2)));
        if (answer !== ENCRYPT_ON && answer !== ENCRYPT_REQ) {
          const refused = new EncryptionRefused(where);
          onRefused(refused);
          socket.destroy(refused);
        }
      };
      // Prepended: it must see the answer before tedious' own pipe does.
      socket.prependListener('data', watch);
    });
}

/** The mssql pool configuration for one worksheet session: one connection, never validated with SQL. */
export function poolConfig(
  profile: SynapseProfile,
  secret: ConnectionSecret,
  connector: Connector,
  beforeConnect: (connection: TediousConnection) => void,
): MssqlPoolConfig {
  return {
    server: profile.server,
    port: profile.port,
    database: profile.database,
    arrayRowMode: true,
    // mssql's default validation runs `SELECT 1` on every acquire; a socket check is enough and
    // keeps the wire (and the server's session) to what the user ran.
    validateConnection: 'socket',
    connectionTimeout: profile.connectTimeoutMs,
    requestTimeout: 0,
    // min 1: tarn's idle reaper never closes the last connection, which would silently drop
    // the session context (the impersonation) and open a fresh session on the next request.
    pool: { max: 1, min: 1, idleTimeoutMillis: 2_147_483_647 },
    ...authentication(profile, secret),
    options: {
      encrypt: profile.encrypt,
      trustServerCertificate: profile.trustServerCertificate,
      ...(profile.ca !== undefined ? { cryptoCredentialsDetails: { ca: profile.ca } } : {}),
      connector,
      appName: 'Immuta Worksheets',
      enableArithAbort: true,
      useUTC: true,
    },
    beforeConnect,
  };
}

function authentication(profile: SynapseProfile, secret: ConnectionSecret): Pick<MssqlPoolConfig, 'user' | 'password' | 'authentication'> {
  switch (profile.auth) {
    case 'sql':
      return { user: profile.user, password: secret.password ?? '' };
    case 'azure-ad-password':
      if (profile.clientId === undefined) {
        throw new PlatformError('configuration', `Azure AD password sign-in needs the profile's clientId (the Azure AD application that signs in); tedious requires it.`);
      }
      return {
        authentication: {
          type: 'azure-active-directory-password',
          options: { userName: profile.user, password: secret.password ?? '', clientId: profile.clientId, ...(profile.tenantId ? { tenantId: profile.tenantId } : {}) },
        },
      };
    case 'azure-ad-service-principal':
      return {
        authentication: {
          type: 'azure-active-directory-service-principal-secret',
          options: { clientId: profile.user, clientSecret: secret.token ?? '', tenantId: profile.tenantId ?? '' },
        },
      };
    case 'azure-ad-device-code':
      throw new PlatformError(
        'configuration',
        'Azure AD device-code sign-in is not available yet: tedious 19 has no device-code flow of its own. Use SQL, Azure AD password or service principal sign-in.',
      );
  }
}
