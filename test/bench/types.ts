/** One figure printed by `npm run bench`. */
export interface BenchFigure {
  /** What was measured, e.g. "splitter throughput, 10 MB script". */
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** The target in words, e.g. ">= 20 MB/s". */
  readonly target?: string;
  /** Whether the target was met; undefined when there is no target. */
  readonly met?: boolean;
}

export interface BenchSuite {
  readonly title: string;
  run(): Promise<BenchFigure[]>;
}
