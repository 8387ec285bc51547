/** Reads the JSON-lines trace the extension writes when IMMUTA_WORKSHEETS_TRACE names a file. */
import * as fs from 'node:fs';

export interface TraceMark {
  readonly name: string;
  /** Epoch ms (host clock) when the host wrote the mark. */
  readonly at: number;
  readonly [field: string]: unknown;
}

export function readTrace(file: string): TraceMark[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as TraceMark);
}

/** Waits until a mark satisfying `match` is in the trace, and returns it. */
export async function waitForMark(file: string, match: (mark: TraceMark) => boolean, timeoutMs: number, after = 0): Promise<TraceMark> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = readTrace(file).find((mark) => mark.at >= after && match(mark));
    if (found) return found;
    if (Date.now() > deadline) {
      const names = readTrace(file).map((mark) => mark.name).slice(-20);
      throw new Error(`no matching trace mark within ${timeoutMs} ms; last marks: ${names.join(', ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
