/**
 * TLS for @databricks/sql. Trap: 2.0.0 builds its HTTPS agent with `rejectUnauthorized: false`
 * and has no CA option, so out of the box it talks to any server, certificate or not (2.1.0
 * verifies and adds `customCaCert`). The adapter therefore gives the driver's connection
 * provider an agent of its own, that verifies unless the user turned verification off and
 * trusts the profile's CA besides the built-in roots, and checks after connecting that the
 * driver really uses it: if it does not (a driver change), the session is refused.
 */
import * as https from 'node:https';
import * as tls from 'node:tls';
import { PlatformError } from '../errors';
import type { DatabricksProfile } from '../types';
import type { SdkClient } from './sdk';

/** The driver's default socket timeout (15 minutes): a long FetchResults must not be cut. */
const SOCKET_TIMEOUT_MS = 15 * 60 * 1000;

interface ProviderInternals {
  createHttpsAgent?: () => https.Agent;
  getAgent?: () => Promise<unknown>;
}

interface ClientInternals {
  createConnectionProvider?: (options: unknown) => ProviderInternals;
  getConnectionProvider?: () => Promise<ProviderInternals>;
}

export function agentFor(profile: DatabricksProfile): https.Agent {
  return new https.Agent({
    keepAlive: true,
    keepAliveMsecs: 10000,
    timeout: SOCKET_TIMEOUT_MS,
    minVersion: 'TLSv1.2',
    rejectUnauthorized: profile.tls.verify,
    // Additive: the profile's CA next to Node's roots, so public workspaces keep working.
    ...(profile.tls.ca !== undefined ? { ca: [...tls.rootCertificates, profile.tls.ca] } : {}),
  });
}

/** Makes `client` use `agent` for every request (Thrift calls and OAuth alike). Before connect(). */
export function useAgent(client: SdkClient, agent: https.Agent): void {
  const internals = client as unknown as ClientInternals;
  const create = internals.createConnectionProvider;
  if (typeof create !== 'function') {
    throw new PlatformError('configuration', 'This version of @databricks/sql cannot be made to verify the server\u2019s TLS certificate; no session was opened.');
  }
  internals.createConnectionProvider = (options: unknown) => {
    const provider = create.call(client, options);
    provider.createHttpsAgent = () => agent;
    return provider;
  };
}

/** After connect(): the driver's agent is ours, or nothing goes over this connection. */
export async function assertAgent(client: SdkClient, agent: https.Agent): Promise<void> {
  const provider = await (client as unknown as ClientInternals).getConnectionProvider?.();
  const used = await provider?.getAgent?.();
  if (used !== agent) {
    throw new PlatformError('connection', 'The Databricks driver did not use the connection settings that verify the server\u2019s TLS certificate; no session was opened.');
  }
}
