/**
 * Databricks worksheets the way the extension builds them (PlatformLoader over the built
 * dist/platforms/databricks.js), pointed at the lab's Databricks Thrift server.
 */
import * as path from 'node:path';
import { silentLogger } from '../../src/common/logger';
import { PlatformLoader } from '../../src/platforms/loader';
import type { ConnectionSecret, DatabricksProfile, PlatformDriver } from '../../src/platforms/types';
import { WorksheetRegistry } from '../../src/worksheets/registry';
import type { DatabricksLab, LabLoginName } from '../lab/databricks-server';
import { DIST_PLATFORMS } from './worksheet-harness';

export function databricksProfile(server: DatabricksLab, login: LabLoginName, overrides: Partial<DatabricksProfile> = {}): DatabricksProfile {
  return {
    name: `dbx-${login}`,
    platform: 'databricks',
    host: server.host,
    port: server.port,
    httpPath: server.httpPath,
    auth: 'token',
    unityCatalog: false,
    tls: { ca: server.caPem, verify: true },
    connectTimeoutMs: 10000,
    ...overrides,
  };
}

/**
 * Worksheets whose secrets come from the lab: a profile named `dbx-<login>[-anything]` gets that
 * login's token, unless `secrets` names the profile.
 */
export function createDatabricksHarness(server: DatabricksLab, secrets: ReadonlyMap<string, ConnectionSecret> = new Map()): { registry: WorksheetRegistry; loader: PlatformLoader } {
  const loader = new PlatformLoader((platform) => path.join(DIST_PLATFORMS, `${platform}.js`));
  const registry = new WorksheetRegistry({
    loadDriver: (platform) => loader.load(platform),
    getSecret: async (profile) => {
      const given = secrets.get(profile.name);
      if (given) return given;
      const login = /^dbx-(governor|analyst|owner)\b/.exec(profile.name)?.[1] as LabLoginName | undefined;
      if (!login) throw new Error(`no lab login behind the profile ${profile.name}`);
      return { token: server.tokenFor(login) };
    },
    logger: silentLogger,
  });
  return { registry, loader };
}

/** The built bundle's driver, for tests that use the adapter without a worksheet. */
export async function bundledDriver(): Promise<PlatformDriver> {
  return new PlatformLoader((platform) => path.join(DIST_PLATFORMS, `${platform}.js`)).load('databricks');
}
