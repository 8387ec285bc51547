/**
 * Chaos against one platform's lab: N worksheets with different identities each run a stream
 * of audited reads while a killer ends their sessions at random, the way a database does:
 *
 * - a *running* kill terminates the backend of a statement the server is provably running:
 *   every chaos statement passes a per-worksheet advisory lock (shared) after reading its data
 *   source; the killer takes that lock exclusively, waits until pg_locks shows the worksheet's
 *   backend waiting at it, then reads which statement that backend runs, terminates it
 *   (`pg_terminate_backend`) and lets go once it is gone. The statement was received and may
 *   or may not have completed: it must fail, and say so.
 * - an *idle* kill ends the session between two statements (the platform's own way:
 *   `PlatformUnderTest.endSession`), with the worksheet's stream held at that point until the
 *   session is gone. The next statement was never sent to the dead session: it must run, on a
 *   new one, as the same identity, without any failure.
 *
 * Every choice (which worksheet, which kind, after how many statements) comes from a seeded
 * generator, and every wait is for a state (a lock wait seen, a backend gone, statements done),
 * never for time. What the server ran, and as whom, comes from the lab's query log.
 */
import * as assert from 'node:assert/strict';
import type { Client } from 'pg';
import { isPlatformError } from '../../../src/platforms/errors';
import type { RunStamp, StatementOutcome } from '../../../src/worksheets/run-types';
import type { Worksheet } from '../../../src/worksheets/worksheet';
import { createConformanceHarness, immutaUser } from '../conformance/harness';
import type { LoginName, PlatformUnderTest } from '../conformance/platform-under-test';
import { lab } from '../shared-lab';
import { SeededRandom } from './rng';

export interface Role {
  readonly login: LoginName;
  /** The Immuta user to impersonate, or null to run as yourself. */
  readonly impersonate: string | null;
}

/** Who each worksheet is: some yourself (three logins), most impersonating fixture users. */
export const CAST: readonly Role[] = [
  { login: 'governor', impersonate: null },
  { login: 'governor', impersonate: 'bob@example.com' },
  { login: 'governor', impersonate: 'alice@example.com' },
  { login: 'owner', impersonate: null },
  { login: 'governor', impersonate: 'carol@example.com' },
  { login: 'governor', impersonate: 'dave@example.com' },
  { login: 'analyst', impersonate: null },
  { login: 'governor', impersonate: 'bob@example.com' },
];

export interface ChaosOptions {
  readonly seed: number;
  readonly worksheets: number;
  readonly kills: number;
  /** Share of kills that hit a running statement; the rest end an idle session (0 where the platform cannot end one session alone). */
  readonly runningShare: number;
  /** Statements each worksheet runs at least. */
  readonly statementsPerWorksheet: number;
  /** The longest any single wait may take before the run gives up and says what it saw. */
  readonly waitMs: number;
  /** What a killed statement's message must say comes next (the worksheet reconnects; on Trino, nothing changes). */
  readonly nextStep: RegExp;
}

interface Record {
  readonly worksheet: number;
  readonly marker: string;
  readonly outcome: StatementOutcome;
}

export interface Kill {
  readonly kind: 'running' | 'idle';
  readonly worksheet: number;
  /** The statement the server was running (running kills). */
  readonly marker?: string;
}

export interface ChaosReport {
  readonly platform: string;
  readonly seed: number;
  readonly worksheets: number;
  readonly statements: number;
  readonly kills: readonly Kill[];
  readonly failures: readonly { readonly worksheet: number; readonly marker: string; readonly message: string; readonly notSent: boolean }[];
  /** Problems found; empty when the run held every promise. */
  readonly violations: readonly string[];
  readonly ms: number;
}

/** The per-worksheet advisory lock every chaos statement passes (shared) and a running kill holds. */
const GATE_KEY = 0x6c6f73;

function statementFor(marker: string, worksheet: number): string {
  // The aggregate reads (and logs) the data source first; the gate is evaluated as the one row
  // is formed, so a statement held there has been received and is running.
  return `SELECT count(*) AS n, '${marker}' AS marker, (SELECT 1 FROM pg_advisory_xact_lock_shared(${GATE_KEY}, ${worksheet})) AS gate FROM sales.customers`;
}

/** Waits for `probe` to return a value; gives up after `ms` saying what it waited for and what it last saw. */
async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined>, seen: () => string = () => ''): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up after ${ms} ms waiting for ${what}${seen() ? `; last seen: ${seen()}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

class Stream {
  count = 0;
  private hold: { readonly reached: () => void; readonly resumed: Promise<void>; readonly resume: () => void } | undefined;

  constructor(
    readonly index: number,
    readonly role: Role,
    readonly worksheet: Worksheet,
  ) {}

  /** Holds the stream before its next statement; resolves once it is held there. */
  pause(): Promise<void> {
    return new Promise<void>((reached) => {
      let resume: () => void = () => undefined;
      const resumed = new Promise<void>((resolve) => (resume = resolve));
      this.hold = { reached, resumed, resume };
    });
  }

  resume(): void {
    const hold = this.hold;
    this.hold = undefined;
    hold?.resume();
  }

  /** Called by the stream between statements. */
  async checkpoint(): Promise<void> {
    const hold = this.hold;
    if (!hold) return;
    hold.reached();
    await hold.resumed;
  }

  expectedUser(): string {
    return this.role.impersonate ?? immutaUser(this.role.login);
  }
}

function expectedFromStamp(stamp: RunStamp, login: LoginName): string {
  return stamp.ranAs.kind === 'impersonating' ? stamp.ranAs.user : immutaUser(login);
}

export async function runChaos(put: PlatformUnderTest, options: ChaosOptions): Promise<ChaosReport> {
  const started = Date.now();
  const run = `chaos-${put.platform}-${options.seed}-${started.toString(36)}`;
  const rng = new SeededRandom(options.seed);
  const harness = createConformanceHarness(put);
  const records: Record[] = [];
  const kills: Kill[] = [];
  const violations: string[] = [];
  let completed = 0;
  let killerDone = false;
  const progressWaiters: { target: number; resolve: () => void }[] = [];
  const admin: Client = await lab().adminClient();
  admin.on('error', () => undefined);
  const query = async <T>(sql: string, params: unknown[]): Promise<T[]> => (await admin.query(sql, params)).rows as T[];

  const streams = Array.from({ length: options.worksheets }, (_, index) => {
    const role = CAST[index % CAST.length];
    return new Stream(index, role, harness.open(role.login));
  });

  try {
    for (const stream of streams) {
      if (stream.role.impersonate !== null) await stream.worksheet.impersonate(stream.role.impersonate);
    }

    const streamLoop = async (stream: Stream) => {
      while (!(killerDone && stream.count >= options.statementsPerWorksheet)) {
        await stream.checkpoint();
        const marker = `${run}-w${stream.index}-s${stream.count}`;
        const [outcome] = await stream.worksheet.run([{ text: statementFor(marker, stream.index) }]).outcomes;
        records.push({ worksheet: stream.index, marker, outcome });
        stream.count++;
        completed++;
        for (const waiter of progressWaiters.filter((candidate) => completed >= candidate.target)) {
          progressWaiters.splice(progressWaiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
    };

    const afterStatements = (n: number) =>
      new Promise<void>((resolve) => {
        const target = completed + n;
        if (completed >= target) resolve();
        else progressWaiters.push({ target, resolve });
      });

    const backendGone = (pid: number) =>
      until(`backend ${pid} to end`, options.waitMs, async () => ((await query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).length === 0 ? true : undefined));

    const killRunning = async (stream: Stream) => {
      const prefix = `${run}-w${stream.index}-`;
      await admin.query('SELECT pg_advisory_lock($1, $2)', [GATE_KEY, stream.index]);
      try {
        // Who waits at the gate comes from the lock manager, and the statement it runs from a
        // later read: one read of pg_stat_activity pairs a snapshot of each backend's query text
        // (taken as the read starts) with its wait event read live, so it can show the previous
        // statement's text beside the next statement's wait at the gate, and the kill would be
        // blamed on a statement that had completed. The waiter cannot move on while the gate is
        // held here, so a read that starts after it was seen waiting shows the statement it runs.
        let waiting: unknown[] = [];
        const pid = await until(
          `a statement of worksheet ${stream.index} held at its gate`,
          options.waitMs,
          async () => {
            waiting = await query<{ pid: number }>(
              "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = $1::int::oid AND objid = $2::int::oid AND objsubid = 2 AND NOT granted",
              [GATE_KEY, stream.index],
            );
            return waiting.length === 1 ? (waiting[0] as { pid: number }).pid : undefined;
          },
          () => JSON.stringify(waiting),
        );
        const [held] = await query<{ query: string; wait_event: string | null }>('SELECT query, wait_event FROM pg_stat_activity WHERE pid = $1', [pid]);
        assert.equal(held?.wait_event, 'advisory', `backend ${pid} no longer waits at the gate of worksheet ${stream.index}: ${JSON.stringify(held)}`);
        const marker = new RegExp(`'(${prefix}s\\d+)'`).exec(held?.query ?? '')?.[1];
        assert.ok(marker, `backend ${pid} waits at the gate of worksheet ${stream.index} running no statement of it: ${held?.query}`);
        const [terminated] = await query<{ ok: boolean }>('SELECT pg_terminate_backend($1) AS ok', [pid]);
        assert.ok(terminated?.ok, `backend ${pid} was not running`);
        kills.push({ kind: 'running', worksheet: stream.index, marker });
        await backendGone(pid);
      } finally {
        await admin.query('SELECT pg_advisory_unlock($1, $2)', [GATE_KEY, stream.index]);
      }
    };

    const killIdle = async (stream: Stream) => {
      await stream.pause();
      try {
        const sessionId = stream.worksheet.snapshot().sessionId;
        // Right after a running kill the worksheet has no session yet: nothing to end.
        if (sessionId === undefined) return;
        await put.endSession(sessionId);
        kills.push({ kind: 'idle', worksheet: stream.index });
      } finally {
        stream.resume();
      }
    };

    const killer = async () => {
      try {
        for (let n = 0; n < options.kills; n++) {
          await afterStatements(rng.int(1, Math.max(1, options.worksheets)));
          const stream = streams[rng.int(0, streams.length - 1)];
          if (rng.next() < options.runningShare) await killRunning(stream);
          else await killIdle(stream);
        }
      } finally {
        killerDone = true;
      }
    };

    await Promise.all([killer(), ...streams.map(streamLoop)]);

    // ---- what the server ran, and as whom ------------------------------------------------
    const byMarker = new Map(records.map((record) => [record.marker, record]));
    const logged = await query<{ login: string; effective_user: string; statement: string }>(
      'SELECT login, effective_user, statement FROM immuta.query_log WHERE strpos(statement, $1) > 0 ORDER BY id',
      [run],
    );
    const logCount = new Map<string, number>();
    for (const row of logged) {
      const marker = new RegExp(`'(${run}-w\\d+-s\\d+)'`).exec(row.statement)?.[1] ?? '?';
      logCount.set(marker, (logCount.get(marker) ?? 0) + 1);
      const record = byMarker.get(marker);
      if (!record) {
        violations.push(`the server logged a read no worksheet ran: ${marker}`);
        continue;
      }
      const stream = streams[record.worksheet];
      if (record.outcome.status !== 'succeeded') {
        violations.push(`${marker} ${record.outcome.status} but the server logged its read as ${row.effective_user}`);
        continue;
      }
      const expected = expectedFromStamp(record.outcome.stamp, stream.role.login);
      if (row.effective_user !== expected) violations.push(`${marker} ran as ${row.effective_user}; its stamp says ${expected}`);
      if (expected !== stream.expectedUser()) violations.push(`${marker} was stamped ${expected}; worksheet ${record.worksheet} shows ${stream.expectedUser()}`);
      if (row.login !== lab().logins[stream.role.login].user) violations.push(`${marker} ran under login ${row.login}`);
    }
    for (const record of records) {
      if (record.outcome.status === 'succeeded' && logCount.get(record.marker) !== 1) {
        violations.push(`${record.marker} succeeded but the server logged ${logCount.get(record.marker) ?? 0} reads of it`);
      }
      if (record.outcome.status === 'cancelled' || record.outcome.status === 'skipped') {
        violations.push(`${record.marker} was ${record.outcome.status}`);
      }
    }

    // ---- failures: only statements the server was running when killed --------------------
    const killed = new Set(kills.flatMap((kill) => (kill.marker ? [kill.marker] : [])));
    const failures = records.flatMap((record) =>
      record.outcome.status === 'failed'
        ? [{ worksheet: record.worksheet, marker: record.marker, message: record.outcome.error.message, notSent: isPlatformError(record.outcome.error) && record.outcome.error.notSent }]
        : [],
    );
    for (const failure of failures) {
      if (!killed.has(failure.marker)) violations.push(`${failure.marker} failed although the server was not running it when a session was killed: ${failure.message}`);
      else if (!/may or may not have completed/.test(failure.message)) violations.push(`${failure.marker} was killed while running but says: ${failure.message}`);
      else if (!options.nextStep.test(failure.message)) violations.push(`${failure.marker} does not say what the worksheet will do: ${failure.message}`);
    }
    for (const marker of killed) {
      if (!failures.some((failure) => failure.marker === marker)) violations.push(`${marker} was killed while running but did not fail`);
    }
    return { platform: put.platform, seed: options.seed, worksheets: options.worksheets, statements: records.length, kills, failures, violations, ms: Date.now() - started };
  } finally {
    killerDone = true;
    for (const stream of streams) stream.resume();
    await harness.dispose();
    await admin.end().catch(() => undefined);
  }
}

export function describeReport(report: ChaosReport): string {
  const running = report.kills.filter((kill) => kill.kind === 'running').length;
  const perKill = report.kills.length === 0 ? 0 : report.failures.length / report.kills.length;
  return (
    `chaos ${report.platform} (seed ${report.seed}): ${report.worksheets} worksheets, ${report.statements} statements, ` +
    `${report.kills.length} kills (${running} running, ${report.kills.length - running} idle), ${report.failures.length} failures, ` +
    `${perKill.toFixed(2)} failures per kill, ${report.ms} ms`
  );
}
