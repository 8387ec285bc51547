/**
 * The comparison worker (a worker_threads entry, bundled as dist/compare-worker.js): parses the
 * sides' chunks as the host posts them, then compares the sides or writes the differing rows'
 * CSV. The host's thread only copies chunk text into messages; parsing and comparing happen here.
 */
import { parentPort } from 'node:worker_threads';
import type { Row } from '../platforms/types';
import { differingRowsCsv } from './comparison-csv';
import { compareSides, type ComparedSide } from './diff';
import { isDiffRequest, type DiffReply, type DiffRequest } from './diff-messages';

const port = parentPort;
if (port === null) throw new Error('compare-worker.js runs only as a worker thread');

type Start = Extract<DiffRequest, { type: 'start' }>;
let job: Start | undefined;
let rows: Row[][] = [];

function reply(message: DiffReply): void {
  port?.postMessage(message);
}

port.on('message', (raw: unknown) => {
  if (!isDiffRequest(raw)) {
    reply({ type: 'failed', message: 'The comparison worker received a message it does not understand.' });
    return;
  }
  try {
    switch (raw.type) {
      case 'start':
        job = raw;
        rows = raw.sides.map(() => []);
        break;
      case 'chunks': {
        const into = rows[raw.side] as Row[] | undefined;
        if (job === undefined || into === undefined) throw new Error('The comparison worker received rows for a side it was not told of.');
        for (const chunk of raw.chunks) {
          const parsed: unknown = JSON.parse(chunk);
          if (!Array.isArray(parsed)) throw new Error(`A chunk of ${job.sides[raw.side].label}'s rows is not an array of rows.`);
          for (const row of parsed as Row[]) into.push(row);
        }
        break;
      }
      case 'end': {
        if (job === undefined) throw new Error('The comparison worker was asked for an answer before it was started.');
        const sides: ComparedSide[] = job.sides.map((side, index) => ({ label: side.label, columns: side.columns, rows: rows[index] }));
        const started = job;
        job = undefined;
        rows = [];
        if (started.job === 'diff') reply({ type: 'diff', diff: compareSides(sides, started.keyColumns) });
        else reply({ type: 'csv', text: differingRowsCsv(sides, started.diff) });
        break;
      }
    }
  } catch (error) {
    job = undefined;
    rows = [];
    reply({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
  }
});
