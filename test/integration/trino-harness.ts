/**
 * Worksheets on the Trino lab, built as the extension builds them (PlatformLoader over the
 * bundle dist/platforms/trino.js), with secrets from the lab: the login's password for basic
 * auth, a token signed by the lab for JWT.
 */
import * as path from 'node:path';
import { silentLogger } from '../../src/common/logger';
import { PlatformLoader } from '../../src/platforms/loader';
import type { ConnectionProfile, ConnectionSecret, TrinoProfile } from '../../src/platforms/types';
import { WorksheetRegistry } from '../../src/worksheets/registry';
import type { TrinoLab } from '../lab/trino-server';
import { lab } from './shared-lab';
import { DIST_PLATFORMS, type LoginName } from './worksheet-harness';

export function trinoProfile(server: TrinoLab, login: LoginName, overrides: Partial<TrinoProfile> = {}): TrinoProfile {
  return {
    name: `trino-${login}`,
    platform: 'trino',
    server: server.url,
    user: lab().logins[login].user,
    auth: 'basic',
    catalog: server.catalog,
    impersonationMode: 'session-property',
    impersonationProperty: server.impersonationProperty,
    tls: { verify: true },
    source: 'immuta-worksheets-test',
    requestTimeoutMs: 10000,
    ...overrides,
  };
}

/** The secret the lab accepts for a profile: the login's password, or a JWT for its user. */
export function labSecret(server: TrinoLab, profile: ConnectionProfile): ConnectionSecret {
  if (profile.platform === 'trino' && profile.auth === 'jwt') {
    return { token: server.jwt(profile.user) };
  }
  const login = Object.values(lab().logins).find((candidate) => candidate.user === (profile as TrinoProfile).user);
  return { password: login?.password ?? '' };
}

export function createTrinoHarness(
  server: TrinoLab,
  secret: (profile: ConnectionProfile) => ConnectionSecret = (profile) => labSecret(server, profile),
): { registry: WorksheetRegistry; loader: PlatformLoader } {
  const loader = new PlatformLoader((platform) => path.join(DIST_PLATFORMS, `${platform}.js`));
  const registry = new WorksheetRegistry({
    loadDriver: (platform) => loader.load(platform),
    getSecret: async (profile) => secret(profile),
    logger: silentLogger,
  });
  return { registry, loader };
}
