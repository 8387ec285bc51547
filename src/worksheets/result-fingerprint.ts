/**
 * A SHA-256 digest of one statement's result, computed as it streams, so that a run as another
 * user can be compared with a run of the same statement as yourself without keeping any data.
 *
 * The encoding is unambiguous: a result set starts with `C` and the JSON of its columns'
 * [name, type] pairs; each row follows as its JSON array, rows separated by commas. JSON keeps
 * the JS type of every cell apart (null, 'NULL', '', 1, '1', true, 'true' all differ) and is
 * self-delimiting; the numbers JSON cannot write (NaN, ±Infinity, -0) are written as objects
 * (`{"n":"NaN"}`), which no cell ever is. Rows are encoded one batch at a time, and the encoding
 * does not depend on how the driver split them into batches.
 *
 * The work is capped (FINGERPRINT_BUDGET): past the cap the result is "too large to compare" and
 * further rows cost one comparison per batch.
 */
import { createHash, type Hash } from 'node:crypto';
import type { ColumnInfo, Row } from '../platforms/types';

export interface FingerprintBudget {
  readonly maxRows: number;
  /** UTF-16 code units of encoded text (about bytes for ASCII data). */
  readonly maxChars: number;
}

/**
 * 1,000,000 rows or 64 Mi characters of encoded text, whichever comes first. Measured
 * (`npm run bench -- fingerprint`) at 120-230 MB/s on rows like the wide benchmark's (a shared
 * 2-core machine, SHA-NI), a fingerprint costs 70-140 ms per 100,000 such rows, spread over the
 * stream in slices of one driver batch (1,000 rows, ~1 ms); the cap bounds it at 0.3-0.6 s per
 * statement, a few percent of what streaming that many rows takes anyway. That covers what the
 * results view holds by default (100,000 rows) several times over; past the cap a result is not
 * compared and further rows cost nothing measurable. The row cap bounds narrow results, whose
 * per-row overhead the character count underrates.
 */
export const FINGERPRINT_BUDGET: FingerprintBudget = { maxRows: 1_000_000, maxChars: 64 * 1024 * 1024 };

export type Fingerprint =
  | { readonly kind: 'digest'; readonly digest: string; readonly rows: number }
  /** Past the budget: not compared. */
  | { readonly kind: 'too-large' }
  /** A cell the encoding cannot write (not a CellValue): not compared. */
  | { readonly kind: 'unavailable' };

export class ResultFingerprint {
  private hash: Hash | undefined = createHash('sha256');
  private state: 'no-result-set' | 'hashing' | 'too-large' | 'unavailable' = 'no-result-set';
  private rowsSeen = 0;
  private rowsInSet = 0;
  private chars = 0;

  constructor(private readonly budget: FingerprintBudget = FINGERPRINT_BUDGET) {}

  /** A result set begins (a batch of several statements may return more than one). */
  columns(columns: readonly ColumnInfo[]): void {
    if (!this.begin()) return;
    this.update(`C${JSON.stringify(columns.map((column) => [column.name, column.type]))}`);
    this.rowsInSet = 0;
  }

  rows(batch: readonly Row[]): void {
    if (batch.length === 0 || !this.begin()) return;
    if (this.rowsSeen + batch.length > this.budget.maxRows) {
      this.stop('too-large');
      return;
    }
    let text: string;
    try {
      text = needsTags(batch) ? JSON.stringify(batch, tagNumbers) : JSON.stringify(batch);
    } catch {
      // A value JSON cannot write (a bigint from a driver that broke its contract).
      this.stop('unavailable');
      return;
    }
    // `[r1,r2]` → `r1,r2`, joined to earlier rows with a comma: the same text for any batching.
    if (this.chars + text.length > this.budget.maxChars) {
      this.stop('too-large');
      return;
    }
    this.update(this.rowsInSet > 0 ? ',' : '');
    this.update(text.slice(1, -1));
    this.rowsSeen += batch.length;
    this.rowsInSet += batch.length;
  }

  /** The fingerprint once the statement ended; undefined when it returned no result set. */
  result(): Fingerprint | undefined {
    switch (this.state) {
      case 'no-result-set':
        return undefined;
      case 'too-large':
      case 'unavailable':
        return { kind: this.state };
      case 'hashing': {
        const digest = (this.hash as Hash).digest('hex');
        this.hash = undefined;
        this.state = 'unavailable';
        return { kind: 'digest', digest, rows: this.rowsSeen };
      }
    }
  }

  private begin(): boolean {
    if (this.state === 'no-result-set') this.state = 'hashing';
    return this.state === 'hashing';
  }

  private update(text: string): void {
    if (text.length === 0) return;
    this.chars += text.length;
    (this.hash as Hash).update(text, 'utf8');
  }

  private stop(state: 'too-large' | 'unavailable'): void {
    this.state = state;
    this.hash = undefined;
  }
}

/** True when a batch holds a number JSON would write ambiguously (NaN, ±Infinity as null; -0 as 0). */
function needsTags(batch: readonly Row[]): boolean {
  for (const row of batch) {
    for (const value of row) {
      if (typeof value === 'number' && (value - value !== 0 || (value === 0 && 1 / value < 0))) return true;
    }
  }
  return false;
}

function tagNumbers(_key: string, value: unknown): unknown {
  if (typeof value !== 'number') return value;
  if (Number.isNaN(value)) return { n: 'NaN' };
  if (value === Infinity) return { n: 'Infinity' };
  if (value === -Infinity) return { n: '-Infinity' };
  if (value === 0 && 1 / value < 0) return { n: '-0' };
  return value;
}
