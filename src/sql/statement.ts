import type { SourcePosition, SourceRange } from './positions';

/**
 * One statement as the scanner found it, kept as plain numbers. Positions, ranges and the text
 * are made on access: a 10 MB script has tens of thousands of statements, and one small object
 * each (instead of seven) keeps splitting linear in practice, not only in theory.
 */
export class ScannedStatement {
  constructor(
    private readonly source: string,
    readonly startOffset: number,
    private readonly startLine: number,
    private readonly startChar: number,
    readonly endOffset: number,
    private readonly endLine: number,
    private readonly endChar: number,
    readonly fullEndOffset: number,
    private readonly fullEndLine: number,
    private readonly fullEndChar: number,
    readonly terminated: boolean,
    /** -1 outside T-SQL. */
    private readonly batchIndex: number,
  ) {}

  get text(): string {
    return this.source.slice(this.startOffset, this.endOffset);
  }

  get range(): SourceRange {
    return { start: this.start(), end: { offset: this.endOffset, line: this.endLine, character: this.endChar } };
  }

  get fullRange(): SourceRange {
    return { start: this.start(), end: { offset: this.fullEndOffset, line: this.fullEndLine, character: this.fullEndChar } };
  }

  get batch(): number | undefined {
    return this.batchIndex < 0 ? undefined : this.batchIndex;
  }

  private start(): SourcePosition {
    return { offset: this.startOffset, line: this.startLine, character: this.startChar };
  }
}
