/**
 * What one worksheet remembers of its runs as yourself, so that a run as someone else that
 * returns exactly the same result can say so: the visible symptom of an impersonation the
 * platform ignored (a wrong variable or property name). In memory only, never persisted, and
 * only digests: neither data nor statement text is kept (the key is a digest too).
 *
 * Keyed by the connection profile's name and the statement's text as sent, trimmed: the same
 * editor range re-run sends the same text, and only whitespace outside the statement's tokens is
 * trimmed. Whitespace inside is not normalised: inside a string literal it is data, and telling
 * the two apart takes the dialect's lexer for a gain of a few re-typed statements.
 */
import { createHash } from 'node:crypto';
import type { Fingerprint } from './result-fingerprint';
import type { RunStamp, SameAsYourself } from './run-types';

/** An earlier run as yourself whose result the worksheet can compare with. */
export interface YourselfRun {
  readonly digest: string;
  readonly rows: number;
  /** Epoch ms the run as yourself started. */
  readonly at: number;
}

/** The last 200 statements: a day's work in a worksheet, at under 40 KB. */
export const YOURSELF_RUNS_KEPT = 200;

export class YourselfResults {
  /** Insertion order is recency order: the first key is the least recently used. */
  private readonly runs = new Map<string, YourselfRun>();

  constructor(private readonly capacity = YOURSELF_RUNS_KEPT) {}

  get size(): number {
    return this.runs.size;
  }

  /**
   * Takes a statement that succeeded completely: a run as yourself is remembered; a run as
   * someone else is compared. An empty result is never flagged: identical emptiness shows nothing
   * a policy could have restricted differently, so it is no symptom of anything, and a warning on
   * every empty query would teach people to ignore the one that matters.
   */
  settle(stamp: Pick<RunStamp, 'profileName' | 'ranAs' | 'startedAt'>, statement: string, fingerprint: Fingerprint | undefined): SameAsYourself | undefined {
    // No result set (DML, DDL, SET): nothing to compare, and nothing to forget.
    if (fingerprint === undefined) return undefined;
    if (stamp.ranAs.kind === 'yourself') {
      this.remember(stamp.profileName, statement, fingerprint, stamp.startedAt);
      return undefined;
    }
    if (fingerprint.kind !== 'digest' || fingerprint.rows === 0) return undefined;
    const earlier = this.match(stamp.profileName, statement, fingerprint);
    return earlier && { at: earlier.at, rows: fingerprint.rows };
  }

  /**
   * Records a run as yourself. A result too large to fingerprint forgets the statement: its
   * latest result as yourself is then unknown, and an older one is no longer the one to compare.
   */
  remember(profileName: string, statement: string, fingerprint: Fingerprint, at: number): void {
    const key = keyOf(profileName, statement);
    this.runs.delete(key);
    if (fingerprint.kind !== 'digest') return;
    this.runs.set(key, { digest: fingerprint.digest, rows: fingerprint.rows, at });
    if (this.runs.size > this.capacity) {
      const oldest = this.runs.keys().next();
      if (!oldest.done) this.runs.delete(oldest.value);
    }
  }

  /** The run as yourself of this statement whose result was exactly this one, if any. */
  match(profileName: string, statement: string, fingerprint: Fingerprint): YourselfRun | undefined {
    if (fingerprint.kind !== 'digest') return undefined;
    const key = keyOf(profileName, statement);
    const run = this.runs.get(key);
    if (run === undefined) return undefined;
    // Still the statement in use: keep it from being evicted.
    this.runs.delete(key);
    this.runs.set(key, run);
    return run.digest === fingerprint.digest ? run : undefined;
  }

  clear(): void {
    this.runs.clear();
  }
}

function keyOf(profileName: string, statement: string): string {
  return createHash('sha256').update(JSON.stringify([profileName, statement.trim()]), 'utf8').digest('hex');
}
