import * as assert from 'node:assert/strict';
/**
 * Builds worksheets the way the extension does (PlatformLoader over the built bundles in
 * dist/platforms), pointed at the lab's PostgreSQL, and collects what a results view would show.
 */
import * as path from 'node:path';
import { silentLogger } from '../../src/common/logger';
import { PlatformLoader } from '../../src/platforms/loader';
import type { CellValue, ColumnInfo, RedshiftProfile, ServerNotice } from '../../src/platforms/types';
import { WorksheetRegistry } from '../../src/worksheets/registry';
import type { RunObserver, StatementOutcome } from '../../src/worksheets/run-types';
import type { Worksheet } from '../../src/worksheets/worksheet';
import { lab } from './shared-lab';

export const DIST_PLATFORMS = path.resolve(__dirname, '../../../dist/platforms');

export type LoginName = 'governor' | 'analyst' | 'owner';

export function redshiftProfile(login: LoginName, overrides: Partial<RedshiftProfile> = {}): RedshiftProfile {
  const server = lab();
  return {
    name: `lab-${login}`,
    platform: 'redshift',
    host: server.host,
    port: server.port,
    database: server.database,
    user: server.logins[login].user,
    tls: { mode: 'disable' },
    connectTimeoutMs: 5000,
    applicationName: 'immuta-worksheets-test',
    ...overrides,
  };
}

/**
 * A fresh harness for every test of the calling `describe`, its worksheets closed after each.
 * Returns the current test's harness.
 */
export function harnessPerTest(): () => ReturnType<typeof createHarness> {
  let harness: ReturnType<typeof createHarness> | undefined;
  beforeEach(() => {
    harness = createHarness();
  });
  afterEach(async () => {
    await harness?.registry.dispose();
  });
  return () => {
    if (harness === undefined) throw new Error('the harness exists only inside a test');
    return harness;
  };
}

export function createHarness(): { registry: WorksheetRegistry; loader: PlatformLoader } {
  const loader = new PlatformLoader((platform) => path.join(DIST_PLATFORMS, `${platform}.js`));
  const registry = new WorksheetRegistry({
    loadDriver: (platform) => loader.load(platform),
    getSecret: async (profile) => {
      const login = Object.values(lab().logins).find((candidate) => candidate.user === (profile as RedshiftProfile).user);
      return { password: login?.password ?? '' };
    },
    logger: silentLogger,
  });
  return { registry, loader };
}

export interface CollectedResult {
  columns: ColumnInfo[];
  rows: CellValue[][];
  notices: ServerNotice[];
  batches: number;
  outcome: StatementOutcome;
}

export function collector(): { observer: RunObserver; results: CollectedResult[] } {
  const results: CollectedResult[] = [];
  const at = (index: number) => {
    results[index] ??= { columns: [], rows: [], notices: [], batches: 0, outcome: { status: 'skipped' } };
    return results[index];
  };
  return {
    results,
    observer: {
      columns: (index, columns) => {
        at(index).columns = [...columns];
      },
      rows: (index, batch) => {
        const result = at(index);
        result.batches++;
        for (const row of batch) {
          result.rows.push([...row]);
        }
      },
      notice: (index, notice) => {
        at(index).notices.push(notice);
      },
      finished: (index, outcome) => {
        at(index).outcome = outcome;
      },
    },
  };
}

/** Runs statements and returns what came back; throws with the error text if any failed. */
export async function runOk(worksheet: Worksheet, ...statements: string[]): Promise<CollectedResult[]> {
  const { observer, results } = collector();
  const outcomes = await worksheet.run(statements.map((text) => ({ text })), observer).outcomes;
  outcomes.forEach((outcome, index) => {
    if (outcome.status !== 'succeeded') {
      const reason = outcome.status === 'failed' ? `${outcome.error.name}: ${outcome.error.message}` : outcome.status;
      throw new Error(`statement ${index + 1} (${statements[index]}) ${reason}`);
    }
  });
  return results;
}

export async function runOne(worksheet: Worksheet, statement: string): Promise<StatementOutcome> {
  const [outcome] = await worksheet.run([{ text: statement }]).outcomes;
  return outcome;
}

/** The distinct values of the first column. */
export function firstColumn(result: CollectedResult): CellValue[] {
  return result.rows.map((row) => row[0]);
}

/** The user names every adapter must round-trip exactly or refuse up front, never splice. */
export const HOSTILE_USER_NAMES: readonly string[] = ["o'brien", 'a"b', "x'); drop table t; --", 'Zoë 山田 🚀 ünïcödé', 'n'.repeat(300), '\\', 'bob@example.com; SELECT 1'];

/** The error of an outcome that must have failed. */
export function failure(outcome: StatementOutcome): Error {
  assert.equal(outcome.status, 'failed', `expected a failure, got ${outcome.status}`);
  return (outcome as { error: Error }).error;
}

/** The customer regions the worksheet's identity may see (the fixture's row filter). */
export async function regionsSeen(worksheet: Worksheet): Promise<string[]> {
  const [result] = await runOk(worksheet, 'SELECT DISTINCT region FROM sales.customers ORDER BY 1');
  return firstColumn(result) as string[];
}

/** Who the server says ran the statement: the login, and the Immuta user the data was read as. */
export async function whoami(worksheet: Worksheet): Promise<{ login: string; effective: string }> {
  const [result] = await runOk(worksheet, 'SELECT login, effective_user FROM immuta.whoami()');
  return { login: String(result.rows[0][0]), effective: String(result.rows[0][1]) };
}

/** What the cancel helpers need of a lab: a query on its own admin connection. */
interface AdminQuery {
  adminQuery<T>(sql: string, params?: unknown[]): Promise<T[]>;
}

/**
 * The backend of the lab PostgreSQL that is running a statement containing `fragment` right now
 * (every lab server hands its statements to PostgreSQL): polls until exactly one does. Cancel
 * tests wait for this instead of sleeping and hoping the statement has reached the server.
 */
export async function seenRunning(fragment: string, server: AdminQuery = lab(), timeoutMs = 20_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await activeWith(server, fragment);
    if (rows.length === 1) return rows[0].pid;
    if (Date.now() > deadline) throw new Error(`no single statement with ${JSON.stringify(fragment)} running at the server within ${timeoutMs} ms (saw ${rows.length})`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Polls until no backend runs a statement containing `fragment` any more: a cancel reached the
 * server. Uncancelled, the tests' statements sleep for 30 s; this gives up after 20.
 */
export async function seenStopped(fragment: string, server: AdminQuery = lab(), timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await activeWith(server, fragment)).length > 0) {
    if (Date.now() > deadline) throw new Error(`a statement with ${JSON.stringify(fragment)} still runs at the server ${timeoutMs} ms later`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function activeWith(server: AdminQuery, fragment: string): Promise<{ pid: number }[]> {
  return server.adminQuery<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE state = 'active' AND strpos(query, $1) > 0 AND pid <> pg_backend_pid()", [fragment]);
}
