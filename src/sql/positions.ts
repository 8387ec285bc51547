/**
 * Positions in a SQL document, counted the way VS Code counts them.
 *
 * - `offset` and `character` are in UTF-16 code units (a character outside the
 *   Basic Multilingual Plane, such as an emoji, counts as 2).
 * - Everything is 0-based.
 * - LF, CRLF and a lone CR each end a line; CRLF is a single line break.
 *
 * No `vscode` import: callers convert to `vscode.Position` themselves.
 */

export interface SourcePosition {
  readonly offset: number;
  readonly line: number;
  readonly character: number;
}

/** A range of a document; `end` is exclusive. */
export interface SourceRange {
  readonly start: SourcePosition;
  readonly end: SourcePosition;
}

const LF = 10;
const CR = 13;

/** A position, formatted for people: 1-based line and column. */
export function describePosition(position: SourcePosition): string {
  return `line ${position.line + 1}, column ${position.character + 1}`;
}

/**
 * Maps offsets to positions for one text, with the same line-break rules as
 * the splitter. Building it is one pass over the text; each lookup is a
 * binary search over line starts.
 */
export class LineIndex {
  private readonly lineStarts: number[];
  private readonly length: number;

  constructor(text: string) {
    const starts = [0];
    const n = text.length;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === LF) {
        starts.push(i + 1);
      } else if (c === CR && text.charCodeAt(i + 1) !== LF) {
        starts.push(i + 1);
      }
    }
    this.lineStarts = starts;
    this.length = n;
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }

  /** The position of `offset`, clamped to the text. */
  positionAt(offset: number): SourcePosition {
    const clamped = Math.max(0, Math.min(this.length, Math.floor(offset)));
    const starts = this.lineStarts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (starts[mid] <= clamped) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return { offset: clamped, line: lo, character: clamped - starts[lo] };
  }

  /** The offset of a line/character pair, clamped to the text. */
  offsetAt(line: number, character: number): number {
    if (line < 0) return 0;
    if (line >= this.lineStarts.length) return this.length;
    const start = this.lineStarts[line];
    const next = line + 1 < this.lineStarts.length ? this.lineStarts[line + 1] : this.length;
    return Math.min(start + Math.max(0, character), next);
  }
}
