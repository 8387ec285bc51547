/**
 * Runs a connection's effect probe on a session: one statement whose first value must be the
 * expected answer for the impersonated user. It goes through the session's own `execute`, so it
 * runs exactly as a user's statement would, as the session's identity. Also the assessment of the
 * level a session reached (applied, read back, confirmed) that the identity keeper acts on.
 */
import { isDeepStrictEqual } from 'node:util';
import { assuranceFacts, expectedProbeAnswer, type Assurance } from '../platforms/assurance';
import type { CellValue, ConnectionProfile, EffectProbe, PlatformSession } from '../platforms/types';
import { WorksheetError } from './errors';

export type ProbeAnswer =
  /** One row; `actual` is its first value as text, null for SQL NULL. */
  | { readonly kind: 'answered'; readonly expected: string; readonly actual: string | null }
  | { readonly kind: 'no-rows'; readonly expected: string }
  /** More than one row: a probe must single out one user, or its first row proves nothing. */
  | { readonly kind: 'many-rows'; readonly expected: string; readonly rows: number }
  | { readonly kind: 'failed'; readonly expected: string; readonly error: unknown };

/** What a probe said, in words for a message: `"bob@example.com"`, `no rows`, `NULL`. */
export function describeProbeAnswer(answer: ProbeAnswer): string {
  switch (answer.kind) {
    case 'answered':
      return answer.actual === null ? 'NULL' : JSON.stringify(answer.actual);
    case 'no-rows':
      return 'no rows';
    case 'many-rows':
      return `${answer.rows} rows (it must return one)`;
    case 'failed':
      return `an error (${answer.error instanceof Error ? answer.error.message : String(answer.error)})`;
  }
}

export function probeAgrees(answer: ProbeAnswer): boolean {
  return answer.kind === 'answered' && answer.actual === answer.expected;
}

function cellText(value: CellValue | undefined): string | null {
  return value === null || value === undefined ? null : String(value);
}

/** Runs the probe; never throws (a failure is an answer the caller refuses). */
export async function runEffectProbe(session: PlatformSession, probe: EffectProbe, user: string): Promise<ProbeAnswer> {
  const expected = expectedProbeAnswer(probe, user);
  let first: readonly CellValue[] | undefined;
  let rows = 0;
  try {
    await session.execute(probe.statement, {
      columns: () => undefined,
      rows: (batch) => {
        first ??= batch[0];
        rows += batch.length;
      },
      notice: () => undefined,
    });
  } catch (error) {
    return { kind: 'failed', expected, error };
  }
  if (first === undefined) return { kind: 'no-rows', expected };
  if (rows > 1) return { kind: 'many-rows', expected, rows };
  return { kind: 'answered', expected, actual: cellText(first[0]) };
}

/**
 * Whether `next` is `previous` with another effect probe (or none) and nothing else changed:
 * same name, platform, endpoint, login and impersonation. Only then may a live session keep
 * serving the worksheet; any other edit needs a new session.
 */
export function differsOnlyInProbe(previous: ConnectionProfile, next: ConnectionProfile): boolean {
  const withoutProbe = (profile: ConnectionProfile) => Object.entries(profile).filter(([key]) => key !== 'effectProbe');
  return isDeepStrictEqual(Object.fromEntries(withoutProbe(previous)), Object.fromEntries(withoutProbe(next)));
}

/** What a probe said and what it should have, in words: the cause of a `probe-disagrees` error. */
export interface ProbeMismatch {
  readonly expected: string;
  readonly answer: string;
}

export type Assessment =
  | { readonly ok: true; readonly assurance: Assurance }
  /** The probe disagreed: `reason` for the unknown identity, `error` (kind `probe-disagrees`) to throw. */
  | { readonly ok: false; readonly reason: string; readonly error: WorksheetError };

/**
 * The level a session meant to run as `user` has reached: read back only where the read-back
 * matched and is where Immuta reads it, confirmed only when the connection's probe agrees.
 */
export async function assess(session: PlatformSession, profile: ConnectionProfile, user: string, readBackMatched: boolean): Promise<Assessment> {
  const facts = assuranceFacts(profile);
  const level: Assurance = readBackMatched && facts.readBackDocumented ? 'read-back' : 'applied';
  if (facts.probe === undefined) return { ok: true, assurance: level };
  const answer = await runEffectProbe(session, facts.probe, user);
  if (probeAgrees(answer)) return { ok: true, assurance: 'confirmed' };
  const said = describeProbeAnswer(answer);
  const expected = JSON.stringify(answer.expected);
  const mismatch: ProbeMismatch = { expected: answer.expected, answer: said };
  return {
    ok: false,
    reason: `the effect probe answered ${said} where ${expected} was expected`,
    error: new WorksheetError(
      'probe-disagrees',
      `Nothing was run: impersonation of ${user} is not confirmed. The connection\u2019s effect probe answered ${said}, but ${expected} was expected, so statements would not run as ${user}. ` +
        'Check the impersonation statement this connection uses (Immuta may read another variable or key) and the probe, then Verify or choose the user again.',
      { cause: mismatch },
    ),
  };
}

/** Verify's answer for a `probe-disagrees` error about `user`; undefined for any other error. */
export function probeDisagreement(error: unknown, user: string | null | undefined): { readonly kind: 'probe-disagrees'; readonly user: string; readonly expected: string; readonly answer: string } | undefined {
  if (!(error instanceof WorksheetError) || error.kind !== 'probe-disagrees' || typeof user !== 'string') return undefined;
  const mismatch = error.cause as ProbeMismatch;
  return { kind: 'probe-disagrees', user, expected: mismatch.expected, answer: mismatch.answer };
}

/** The audit log's words for a level. */
export function assuranceDetail(assurance: Assurance): string {
  switch (assurance) {
    case 'confirmed':
      return 'confirmed by the effect probe';
    case 'read-back':
      return 'read back from where Immuta reads it';
    case 'applied':
      return 'applied; not read back from where Immuta reads it, not confirmed by a probe';
  }
}
