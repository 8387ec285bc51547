/**
 * Builds worksheets for any platform the way the extension does (PlatformLoader over the built
 * bundles in dist/platforms), with secrets from the platform under test, plus the few reads the
 * conformance suite makes of the lab (who a session runs as, what the query log recorded).
 */
import * as assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { silentLogger } from '../../../src/common/logger';
import { PlatformLoader } from '../../../src/platforms/loader';
import type { ConnectionProfile } from '../../../src/platforms/types';
import { WorksheetRegistry } from '../../../src/worksheets/registry';
import type { StatementOutcome } from '../../../src/worksheets/run-types';
import type { Worksheet } from '../../../src/worksheets/worksheet';
import { lab } from '../shared-lab';
import { DIST_PLATFORMS, runOk } from '../worksheet-harness';
import type { LoginName, PlatformUnderTest } from './platform-under-test';

export { seenRunning, seenStopped } from '../worksheet-harness';

export const LOGINS: readonly LoginName[] = ['governor', 'analyst', 'owner'];

export interface ConformanceHarness {
  readonly registry: WorksheetRegistry;
  /** A new worksheet bound to the profile of `login`, with `setTemplate` as its impersonation.set when given. */
  open(login: LoginName, setTemplate?: string): Worksheet;
  /**
   * A new worksheet bound to the profile of `login` as `change` rewrites it; `label` tells the
   * profile apart (it is added to the name, as profiles are told apart by name).
   */
  openWith(login: LoginName, label: string, change: (profile: ConnectionProfile) => ConnectionProfile): Worksheet;
  dispose(): Promise<void>;
}

/** The profile of `login` with its own set template (and its own name, as profiles are told apart by name). */
function withSetTemplate(profile: ConnectionProfile, setTemplate: string | undefined): ConnectionProfile {
  if (setTemplate === undefined) return profile;
  return { ...profile, name: `${profile.name}-template-${setTemplate}`, impersonation: { ...profile.impersonation, set: setTemplate } };
}

export function createConformanceHarness(put: PlatformUnderTest): ConformanceHarness {
  // The worksheet asks for a secret by profile; profiles are told apart by their unique name.
  const byName = new Map<string, LoginName>();
  for (const login of LOGINS) {
    const name = put.profile(login).name;
    assert.ok(!byName.has(name), `${put.platform}: profiles of two logins share the name ${name}`);
    byName.set(name, login);
  }
  const loader = new PlatformLoader((platform) => path.join(DIST_PLATFORMS, `${platform}.js`));
  const registry = new WorksheetRegistry({
    loadDriver: (platform) => loader.load(platform),
    getSecret: async (profile: ConnectionProfile) => {
      const login = byName.get(profile.name);
      if (login === undefined) {
        throw new Error(`no lab login behind the profile ${profile.name}`);
      }
      return put.secret(login);
    },
    logger: silentLogger,
  });
  return {
    registry,
    open: (login, setTemplate) => {
      const profile = withSetTemplate(put.profile(login), setTemplate);
      byName.set(profile.name, login);
      return registry.create(profile);
    },
    openWith: (login, label, change) => {
      const base = put.profile(login);
      const profile = { ...change(base), name: `${base.name}-${label}` } as ConnectionProfile;
      byName.set(profile.name, login);
      return registry.create(profile);
    },
    dispose: () => registry.dispose(),
  };
}

/**
 * Hooks of a suite on one platform: its lab server runs for the suite (after the lab PostgreSQL's
 * own `prepare` step, if any), and each test gets a fresh harness whose worksheets are closed after.
 * Returns the current test's harness.
 */
export function platformSuiteHooks(put: PlatformUnderTest, prepare?: () => Promise<void>): () => ConformanceHarness {
  let harness: ConformanceHarness | undefined;
  before(async function () {
    this.timeout(60000);
    await put.start(lab());
    await prepare?.();
  });
  after(async function () {
    this.timeout(30000);
    await put.stop();
  });
  beforeEach(() => {
    harness = createConformanceHarness(put);
  });
  afterEach(async () => {
    await harness?.dispose();
  });
  return () => {
    if (harness === undefined) throw new Error('the harness exists only inside a test');
    return harness;
  };
}

/** The lab's Immuta user name of a login. */
export function immutaUser(login: LoginName): string {
  return `${login}@example.com`;
}

export interface WhoAmI {
  readonly login: string;
  readonly effectiveUser: string;
}

/** `immuta.whoami()`: the session's login and the Immuta user a read would run as. */
export async function whoami(worksheet: Worksheet): Promise<WhoAmI> {
  const [result] = await runOk(worksheet, 'SELECT login, effective_user FROM immuta.whoami()');
  assert.equal(result.rows.length, 1, 'whoami returns one row');
  const [login, effectiveUser] = result.rows[0];
  return { login: String(login), effectiveUser: String(effectiveUser) };
}

/** The sorted distinct regions of sales.customers that the worksheet's identity may see. */
export async function regionsSeen(worksheet: Worksheet): Promise<string[]> {
  const [result] = await runOk(worksheet, 'SELECT DISTINCT region FROM sales.customers');
  // Sorted here, not in SQL: the assertion is about the set, whatever order the platform streams.
  return result.rows.map((row) => String(row[0])).sort();
}

export interface LogEntry {
  readonly login: string;
  readonly effective_user: string;
  readonly impersonating: boolean;
}

/**
 * Rows `immuta.query_log` holds for statements whose text contains `marker`. The log stores
 * `current_query()`, so a unique literal in the statement finds exactly this test's reads,
 * whichever backend the platform's lab server used.
 */
export function logEntries(marker: string): Promise<LogEntry[]> {
  return lab().adminQuery<LogEntry>(
    'SELECT login, effective_user, impersonating FROM immuta.query_log WHERE strpos(statement, $1) > 0 ORDER BY id',
    [marker],
  );
}

/** A string no other statement in the lab contains. */
export function uniqueMarker(label: string): string {
  return `conformance-${label}-${randomUUID()}`;
}

export function failed(outcome: StatementOutcome): Error {
  assert.equal(outcome.status, 'failed', `expected a failure, got ${outcome.status}`);
  return (outcome as { error: Error }).error;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
