/**
 * Runs policy checks headless: the Test Explorer and the command-line runner both call this.
 *
 * Every identity gets one database session of its own per connection (a short-lived worksheet),
 * opened fresh for the run and shared by all of that identity's statements; identities run in
 * parallel up to `concurrency`. A session impersonates through the worksheet, which applies,
 * verifies and refuses to run unless it holds the identity (fail closed); on top of that a case
 * is an error, never a pass, when the impersonation is less certain than `minimumAssurance`, or
 * when a result's stamp does not say it ran as the identity.
 */
import { assuranceRank, ASSURANCE_LABEL, type Assurance } from '../platforms/assurance';
import { isPlatformError } from '../platforms/errors';
import { platformInfo } from '../platforms/catalog';
import type { ConnectionProfile, StatementParameters } from '../platforms/types';
import { findParameters, parameterNames } from '../sql/parameters';
import type { RanAs } from '../worksheets/identity';
import type { RunStamp } from '../worksheets/run-types';
import type { Worksheet } from '../worksheets/worksheet';
import { captureStatement } from './capture';
import { evaluateExpectations } from './evaluate';
import { SnapshotStore } from './snapshots';
import { normalIdentity, planChecks, runKey, type CheckCase, type SessionGroup } from './check-plan';
import { YOURSELF_IDENTITY, type CapturedResult, type CaseResult, type CheckDefinition, type CheckFile, type CheckRunSummary, type CheckStamp, type ExpectationOutcome, type SnapshotEntry } from './types';

export interface CheckSuite {
  /** The check file's path (as given; also where its snapshots are found). */
  readonly file: string;
  readonly text: string;
  readonly parsed: CheckFile;
  readonly profile: ConnectionProfile;
}

export interface CheckRunEnvironment {
  /** A short-lived worksheet of its own (registry.create). */
  open(profile: ConnectionProfile): Worksheet;
  /** registry.close(worksheet.id). */
  close(worksheet: Worksheet): Promise<void>;
  /** The identity's current Immuta project (name, null for none, undefined when unknown). */
  projectOf?(identity: string, profile: ConnectionProfile): Promise<string | null | undefined>;
}

export interface CheckRunOptions {
  /** Identities (sessions) running at once. */
  readonly concurrency: number;
  /** Rows read per case unless the check says `@limit`. */
  readonly rowLimit: number;
  /** A case whose impersonation is less certain than this is an error. */
  readonly minimumAssurance: Assurance;
  /** Record each `snapshot` case's result as its new snapshot instead of comparing. */
  readonly updateSnapshots: boolean;
  readonly signal?: AbortSignal;
  /** Only these cases; absent: all. Identities that `same as` needs still run, unreported. */
  readonly only?: (file: string, check: CheckDefinition, identity: string) => boolean;
  readonly onCaseStarted?: (file: string, check: CheckDefinition, identity: string) => void;
  readonly onCaseResult?: (result: CaseResult) => void;
  /** Where snapshots are read and written (default: files beside the check files). */
  readonly snapshots?: SnapshotStore;
}

/** One statement's run as one identity, as the cases read it. */
type RunRecord =
  | { readonly status: 'done'; readonly result: CapturedResult; readonly stamp: CheckStamp; readonly durationMs: number }
  /** Nothing usable ran: no session, the identity not established or not certain enough. */
  | { readonly status: 'error'; readonly message: string; readonly stamp?: CheckStamp; readonly durationMs: number }
  | { readonly status: 'skipped'; readonly message: string };

class Deferred<T> {
  resolve!: (value: T) => void;
  readonly promise = new Promise<T>((resolve) => (this.resolve = resolve));
}

/**
 * The check statement's parameters, bound from its `-- @param` values; refused when a `:name`
 * has none. A connection with `parameters: false` sends the text as written.
 */
function checkParameters(profile: ConnectionProfile, check: CheckDefinition): { readonly parameters?: StatementParameters } | { readonly refused: string } {
  if (profile.parameters === false) return {};
  const uses = findParameters(check.statement.text, platformInfo(profile.platform).sqlDialect);
  if (uses.length === 0) return {};
  const values = check.parameters ?? {};
  const missing = parameterNames(uses).filter((name) => !Object.prototype.hasOwnProperty.call(values, name));
  if (missing.length > 0) {
    return { refused: `The statement uses ${missing.map((name) => `:${name}`).join(', ')} without a value, so it was not sent: give each a value with -- @param ${missing[0]} = '…' above the statement.` };
  }
  return { parameters: { uses, values } };
}

export async function runChecks(suites: readonly CheckSuite[], env: CheckRunEnvironment, options: CheckRunOptions): Promise<CheckRunSummary> {
  const started = Date.now();
  const plan = planChecks(suites, options.only);
  const records = new Map<string, Deferred<RunRecord>>();
  for (const group of plan.groups) for (const run of group.runs) records.set(runKey(run.file, run.check, group.identity), new Deferred<RunRecord>());
  const snapshots = options.snapshots ?? new SnapshotStore();
  let sessionsOpened = 0;

  const settle = (file: string, check: CheckDefinition, identity: string, record: RunRecord) => records.get(runKey(file, check, identity))?.resolve(record);

  const runGroup = async (group: SessionGroup): Promise<void> => {
    let index = 0;
    // A statement that changes the session's identity ends that session: the rest get a new one.
    while (index < group.runs.length) {
      if (options.signal?.aborted) break;
      try {
        index = await runInSession(group, index);
      } catch (error) {
        // Never leave a case waiting: whatever broke the session is every remaining case's error.
        const message = `The check session failed: ${error instanceof Error ? error.message : String(error)}`;
        for (; index < group.runs.length; index++) settle(group.runs[index].file, group.runs[index].check, group.identity, { status: 'error', message, durationMs: 0 });
      }
    }
    for (; index < group.runs.length; index++) settle(group.runs[index].file, group.runs[index].check, group.identity, { status: 'skipped', message: 'The run was cancelled.' });
  };

  /** Runs `group.runs` from `from` in one new session; returns the index it stopped before. */
  const runInSession = async (group: SessionGroup, from: number): Promise<number> => {
    const worksheet = env.open(group.profile);
    let index = from;
    let connected = false;
    try {
      const established = await establish(worksheet, group, options.minimumAssurance);
      if (established.status === 'error') {
        for (; index < group.runs.length; index++) settle(group.runs[index].file, group.runs[index].check, group.identity, { status: 'error', message: established.message, durationMs: 0 });
        return index;
      }
      const project = env.projectOf ? await env.projectOf(group.identity, group.profile).catch(() => undefined) : undefined;
      for (; index < group.runs.length; index++) {
        const run = group.runs[index];
        if (options.signal?.aborted) return index;
        if (run.reported) options.onCaseStarted?.(run.file, run.check, group.identity);
        const bound = checkParameters(group.profile, run.check);
        if ('refused' in bound) {
          // Never sent with its placeholders unbound (a server might read `:region` as something else).
          settle(run.file, run.check, group.identity, { status: 'error', message: bound.refused, durationMs: 0 });
          continue;
        }
        const capture = await captureStatement(worksheet, run.check.statement.text, run.check.rowLimit ?? options.rowLimit, options.signal, bound.parameters);
        if (capture.status === 'cancelled') {
          settle(run.file, run.check, group.identity, { status: 'skipped', message: 'The run was cancelled.' });
          continue;
        }
        if (capture.stamp) connected = true;
        const stamp = capture.stamp ? checkStamp(group, capture.stamp, capture.queryId, project) : undefined;
        const mismatch = identityMismatch(worksheet, group.identity, capture.stamp?.ranAs);
        if (mismatch !== undefined) {
          settle(run.file, run.check, group.identity, { status: 'error', message: mismatch, ...(stamp ? { stamp } : {}), durationMs: capture.durationMs });
          return index + 1;
        }
        if (!stamp) {
          // A failure before the statement reached a session (no stamp): the session could not be used.
          const message = capture.result.status === 'failed' ? capture.result.error.message : 'The statement did not run.';
          settle(run.file, run.check, group.identity, { status: 'error', message, durationMs: capture.durationMs });
          continue;
        }
        settle(run.file, run.check, group.identity, { status: 'done', result: capture.result, stamp, durationMs: capture.durationMs });
      }
      return index;
    } finally {
      // Counted as the server sees them: a worksheet refused before it connected opened no session.
      if (connected || worksheet.snapshot().sessionId !== undefined) sessionsOpened++;
      await env.close(worksheet).catch(() => undefined);
    }
  };

  const judge = async (item: CheckCase): Promise<CaseResult> => {
    const own = await (records.get(runKey(item.file, item.check, item.identity)) as Deferred<RunRecord>).promise;
    const base = { file: item.file, check: item.check, identity: item.identity };
    if (own.status === 'skipped') return { ...base, verdict: 'skipped', outcomes: [], error: own.message, durationMs: 0 };
    if (own.status === 'error') return { ...base, verdict: 'error', outcomes: [], error: own.message, ...(own.stamp ? { stamp: own.stamp } : {}), durationMs: own.durationMs };
    const done = { ...base, stamp: own.stamp, result: own.result, durationMs: own.durationMs };
    if (own.result.status === 'failed' && !(isPlatformError(own.result.error) && own.result.error.kind === 'permission')) {
      return { ...done, verdict: 'error', outcomes: [], error: `The statement failed: ${own.result.error.message}` };
    }
    const others = new Map<string, CapturedResult>();
    for (const other of item.comparedWith) {
      const record = await (records.get(runKey(item.file, item.check, other)) as Deferred<RunRecord>).promise;
      if (record.status !== 'done') return { ...done, verdict: 'error', outcomes: [], error: `Could not run the statement as ${other} to compare with: ${record.message}` };
      others.set(other, record.result);
    }
    let snapshot: SnapshotEntry | undefined;
    try {
      if (item.check.expectations.some((expectation) => expectation.kind === 'snapshot')) {
        if (options.updateSnapshots && own.result.status === 'rows') {
          if (own.result.truncated) return { ...done, verdict: 'error', outcomes: [], error: `The result has more rows than the limit (${own.result.rows.length}); a snapshot must hold the whole result: raise it with @limit.` };
          snapshot = { columns: own.result.columns, rows: own.result.rows };
          await snapshots.set(item.file, item.check.name, item.identity, snapshot);
        } else {
          snapshot = await snapshots.get(item.file, item.check.name, item.identity);
        }
      }
    } catch (error) {
      return { ...done, verdict: 'error', outcomes: [], error: error instanceof Error ? error.message : String(error) };
    }
    const outcomes = evaluateExpectations(item.check, item.identity, own.result, {
      resultAs: (identity) => others.get(normalIdentity(identity)),
      snapshot,
    }).map((outcome): ExpectationOutcome => (options.updateSnapshots && outcome.expectation.kind === 'snapshot' && outcome.passed ? { ...outcome, message: 'Snapshot recorded.' } : outcome));
    return { ...done, verdict: outcomes.every((outcome) => outcome.passed) ? 'passed' : 'failed', outcomes };
  };

  const judged = Promise.all(
    plan.cases.map(async (item) => {
      const result = await judge(item);
      options.onCaseResult?.(result);
      return result;
    }),
  );
  const queue = [...plan.groups];
  const workers = Array.from({ length: Math.max(1, Math.min(options.concurrency, queue.length)) }, async () => {
    for (let group = queue.shift(); group !== undefined; group = queue.shift()) await runGroup(group);
  });
  await Promise.all(workers);
  const results = await judged;
  await snapshots.flush();
  const count = (verdict: CaseResult['verdict']) => results.filter((result) => result.verdict === verdict).length;
  return {
    results,
    passed: count('passed'),
    failed: count('failed'),
    errors: count('error'),
    skipped: count('skipped'),
    sessionsOpened,
    durationMs: Date.now() - started,
  };
}

type Establish = { readonly status: 'ok' } | { readonly status: 'error'; readonly message: string };

/** Puts a new session into the group's identity and checks it is certain enough to judge policies by. */
async function establish(worksheet: Worksheet, group: SessionGroup, minimum: Assurance): Promise<Establish> {
  if (group.identity === YOURSELF_IDENTITY) return { status: 'ok' };
  try {
    await worksheet.impersonate(group.identity);
  } catch (error) {
    return { status: 'error', message: `Could not impersonate ${group.identity} on ${group.profile.name}; nothing ran: ${error instanceof Error ? error.message : String(error)}` };
  }
  const state = worksheet.identity;
  if (state.kind !== 'impersonating' || state.user !== group.identity) {
    return { status: 'error', message: `The session does not hold ${group.identity} (it is ${state.kind}); nothing ran.` };
  }
  if (assuranceRank(state.assurance) < assuranceRank(minimum)) {
    return {
      status: 'error',
      message:
        `Impersonation of ${group.identity} on ${group.profile.name} is only ${ASSURANCE_LABEL[state.assurance]}, and checks need ${ASSURANCE_LABEL[minimum]}: ` +
        'a check that passes proves nothing unless the session certainly runs as that user. Give the connection an effect probe (effectProbe) ' +
        'so the worksheet can confirm it, or lower the minimum (setting immutaWorksheets.checks.minimumAssurance, or --minimum-assurance) if you accept the risk. Nothing ran.',
    };
  }
  return { status: 'ok' };
}

/** Why the result cannot count for `identity`, or undefined when it ran as exactly that identity. */
function identityMismatch(worksheet: Worksheet, identity: string, ranAs: RanAs | undefined): string | undefined {
  const state = worksheet.identity;
  const holds = identity === YOURSELF_IDENTITY ? state.kind === 'yourself' : state.kind === 'impersonating' && state.user === identity;
  if (!holds) return `The statement changed the session's impersonation (it is now ${state.kind === 'impersonating' ? state.user : state.kind}); a check must not change whom it runs as. Its result does not count, and the checks after it run in a new session.`;
  if (ranAs === undefined) return undefined;
  const ranAsIdentity = ranAs.kind === 'yourself' ? YOURSELF_IDENTITY : ranAs.user;
  if (ranAsIdentity !== identity) return `The statement ran as ${ranAsIdentity}, not as ${identity}; its result does not count.`;
  return undefined;
}

function checkStamp(group: SessionGroup, stamp: RunStamp, queryId: string | null, project: string | null | undefined): CheckStamp {
  return {
    connection: group.profile.name,
    platform: stamp.platform,
    login: stamp.login,
    identity: stamp.ranAs.kind === 'impersonating' ? stamp.ranAs.user : YOURSELF_IDENTITY,
    ...(stamp.ranAs.kind === 'impersonating' ? { assurance: stamp.ranAs.assurance } : {}),
    ...(project !== undefined ? { project } : {}),
    sessionId: stamp.sessionId,
    queryId,
    startedAt: stamp.startedAt,
  };
}
