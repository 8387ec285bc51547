/**
 * Synapse worksheets the way the extension builds them (PlatformLoader over the built
 * dist/platforms/synapse.js), pointed at the lab's TDS server.
 */
import * as path from 'node:path';
import { silentLogger } from '../../src/common/logger';
import { PlatformLoader } from '../../src/platforms/loader';
import type { ConnectionSecret, SynapseProfile } from '../../src/platforms/types';
import { WorksheetRegistry } from '../../src/worksheets/registry';
import { startTdsLab, type TdsLab } from '../lab/tds-server';
import { lab } from './shared-lab';
import { DIST_PLATFORMS, type LoginName } from './worksheet-harness';

/** The default lab server does no TLS, so these profiles turn encrypt off (the adapter's default is on); the TLS tests turn it on. */
export function synapseProfile(server: TdsLab, login: LoginName, overrides: Partial<SynapseProfile> = {}): SynapseProfile {
  return {
    name: `syn-${login}`,
    platform: 'synapse',
    server: server.host,
    port: server.port,
    database: lab().database,
    user: lab().logins[login].user,
    auth: 'sql',
    encrypt: false,
    trustServerCertificate: false,
    userMap: {},
    connectTimeoutMs: 10000,
    ...overrides,
  };
}

/** Secrets by profile name; by default the lab password of the profile's login. */
export function createSynapseHarness(secrets: ReadonlyMap<string, ConnectionSecret> = new Map()): { registry: WorksheetRegistry; loader: PlatformLoader } {
  const loader = new PlatformLoader((platform) => path.join(DIST_PLATFORMS, `${platform}.js`));
  const registry = new WorksheetRegistry({
    loadDriver: (platform) => loader.load(platform),
    getSecret: async (profile) => {
      const given = secrets.get(profile.name);
      if (given) return given;
      const login = Object.values(lab().logins).find((candidate) => candidate.user === (profile as SynapseProfile).user);
      return { password: login?.password ?? '' };
    },
    logger: silentLogger,
  });
  return { registry, loader };
}

export type SynapseHarness = ReturnType<typeof createSynapseHarness>;

/**
 * Mocha hooks for a Synapse suite: one lab TDS server for the suite and a fresh harness per test
 * (its worksheets disposed after it), handed to the suite as they are made.
 */
export function synapseSuiteHooks(useServer: (server: TdsLab) => void, useHarness: (harness: SynapseHarness) => void): void {
  let server: TdsLab | undefined;
  let harness: SynapseHarness | undefined;
  before(async () => {
    server = await startTdsLab(lab());
    useServer(server);
  });
  after(async () => {
    await server?.close();
  });
  beforeEach(() => {
    harness = createSynapseHarness();
    useHarness(harness);
  });
  afterEach(async () => {
    await harness?.registry.dispose();
  });
}
