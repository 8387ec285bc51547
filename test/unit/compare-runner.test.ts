import * as assert from 'node:assert/strict';
import { comparedSide, runComparison, YOURSELF, type ComparisonSide } from '../../src/compare/comparison-runner';
import type { ConnectionProfile, Row } from '../../src/platforms/types';
import type { RunObserver, RunStamp, StatementOutcome } from '../../src/worksheets/run-types';
import type { Worksheet } from '../../src/worksheets/worksheet';

const STAMP = { platform: 'fake' } as unknown as RunStamp;
const batch = (from: number, count: number): Row[] => Array.from({ length: count }, (_, i) => [from + i, `name ${from + i}`]);

/** A worksheet whose statement returns `batches` as its first result set, then a second result set. */
function fakeWorksheet(batches: Row[][], cancels: string[]): Worksheet {
  const fake = {
    impersonate: async () => undefined,
    run: (_statements: unknown, observer: RunObserver) => {
      let cancelled = false;
      const outcomes = (async (): Promise<StatementOutcome[]> => {
        await Promise.resolve();
        observer.columns?.(0, [{ name: 'id', type: 'int4' }, { name: 'name', type: 'text' }] as never);
        for (const rows of batches) {
          if (cancelled) return [{ status: 'cancelled', stamp: STAMP }];
          await observer.rows?.(0, rows);
        }
        observer.columns?.(0, [{ name: 'other', type: 'text' }] as never);
        await observer.rows?.(0, [['second result set']]);
        return [cancelled ? { status: 'cancelled', stamp: STAMP } : ({ status: 'succeeded', stamp: STAMP, summary: {} } as unknown as StatementOutcome)];
      })();
      return {
        outcomes,
        cancel: () => {
          cancelled = true;
          cancels.push('cancel');
        },
      };
    },
  };
  return fake as unknown as Worksheet;
}

async function runOneSide(batches: Row[][], rowLimit: number, cancels: string[] = []): Promise<ComparisonSide> {
  const [side] = await runComparison({ open: () => fakeWorksheet(batches, cancels), close: async () => undefined }, {} as ConnectionProfile, 'SELECT', [YOURSELF], { rowLimit, concurrency: 1 });
  return side;
}

describe('a side of a comparison keeps its rows as JSON text (Compare as…)', () => {
  it('keeps one chunk per batch of the first result set, and the rows read back as they came', async () => {
    const side = await runOneSide([batch(1, 4), batch(5, 4), batch(9, 4)], 100);
    assert.equal(side.status, 'succeeded');
    if (side.status !== 'succeeded') return;
    assert.deepEqual({ chunks: side.chunks.length, rowCount: side.rowCount, truncated: side.truncated, columns: side.columns }, { chunks: 3, rowCount: 12, truncated: false, columns: ['id', 'name'] });
    assert.deepEqual(comparedSide(side).rows, batch(1, 12), 'the second result set is not kept');
  });

  it('stops at the row limit inside a batch, and cancels the rest', async () => {
    const cancels: string[] = [];
    const side = await runOneSide([batch(1, 4), batch(5, 4), batch(9, 4)], 6, cancels);
    assert.equal(side.status, 'succeeded');
    if (side.status !== 'succeeded') return;
    assert.deepEqual({ rowCount: side.rowCount, truncated: side.truncated, cancels: cancels.length }, { rowCount: 6, truncated: true, cancels: 1 });
    assert.deepEqual(comparedSide(side).rows, batch(1, 6));
  });
});
