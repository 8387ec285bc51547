/**
 * Runs a connection's effect probe on a session: one statement whose first value must be the
 * expected answer for the impersonated user. It goes through the session's own `execute`, so it
 * runs exactly as a user's statement would, as the session's identity.
 */
import { isDeepStrictEqual } from 'node:util';
import { expectedProbeAnswer } from '../platforms/assurance';
import type { CellValue, ConnectionProfile, EffectProbe, PlatformSession } from '../platforms/types';

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
