/**
 * Snowflake worksheets the way the extension builds them (PlatformLoader over the built
 * dist/platforms/snowflake.js), pointed at the lab's Snowflake server.
 */
import * as path from 'node:path';
import { silentLogger } from '../../src/common/logger';
import { PlatformLoader } from '../../src/platforms/loader';
import type { ConnectionSecret, SnowflakeProfile } from '../../src/platforms/types';
import { WorksheetRegistry } from '../../src/worksheets/registry';
import type { SnowflakeLab } from '../lab/snowflake-server';
import { lab } from './shared-lab';
import { DIST_PLATFORMS, type LoginName } from './worksheet-harness';

export function snowflakeProfile(server: SnowflakeLab, login: LoginName, overrides: Partial<SnowflakeProfile> = {}): SnowflakeProfile {
  return {
    name: `sf-${login}`,
    platform: 'snowflake',
    account: server.account,
    accessUrl: server.accessUrl,
    user: lab().logins[login].user,
    auth: 'password',
    impersonationRole: 'IMMUTA_IMPERSONATION',
    impersonationVariable: 'IMMUTA_IMP_USER',
    keepAlive: true,
    connectTimeoutMs: 10000,
    ...overrides,
  };
}

/** Secrets by profile name; by default the lab password of the profile's login. */
export function createSnowflakeHarness(secrets: ReadonlyMap<string, ConnectionSecret> = new Map()): { registry: WorksheetRegistry; loader: PlatformLoader } {
  const loader = new PlatformLoader((platform) => path.join(DIST_PLATFORMS, `${platform}.js`));
  const registry = new WorksheetRegistry({
    loadDriver: (platform) => loader.load(platform),
    getSecret: async (profile) => {
      const given = secrets.get(profile.name);
      if (given) {
        return given;
      }
      const login = Object.values(lab().logins).find((candidate) => candidate.user === (profile as SnowflakeProfile).user);
      return { password: login?.password ?? '' };
    },
    logger: silentLogger,
  });
  return { registry, loader };
}
