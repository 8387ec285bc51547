/**
 * The sort worker (a worker_threads entry, bundled as dist/sort-worker.js): gathers one column's
 * cells from the chunks the host posts in batches, sorts, and posts back the permutation. The
 * host's thread only copies chunk text into messages; parsing and sorting happen here.
 */
import { parentPort } from 'node:worker_threads';
import { readColumn, RowBoundsSink } from './chunk-column';
import { isSortRequest, type SortReply } from './sort-messages';
import { SortKeyBuilder } from './sort-order';

const port = parentPort;
if (port === null) throw new Error('sort-worker.js runs only as a worker thread');

let builder: SortKeyBuilder | undefined;
let bounds = new RowBoundsSink();
let column = 0;
let chunksRead = 0;
let rowsRead = 0;

function reply(message: SortReply, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(message, transfer);
}

port.on('message', (raw: unknown) => {
  if (!isSortRequest(raw)) {
    reply({ type: 'failed', message: 'The sort worker received a message it does not understand.' });
    return;
  }
  try {
    switch (raw.type) {
      case 'start':
        builder = new SortKeyBuilder(raw.kind);
        bounds = new RowBoundsSink();
        column = raw.column;
        chunksRead = 0;
        rowsRead = 0;
        break;
      case 'chunks': {
        if (builder === undefined) throw new Error('The sort worker received rows before it was started.');
        const keys = builder;
        for (const chunk of raw.chunks) rowsRead += readColumn(chunk, chunksRead++, column, (value) => keys.add(value), bounds);
        reply({ type: 'progress', rows: rowsRead });
        break;
      }
      case 'end': {
        if (builder === undefined) throw new Error('The sort worker was asked to sort before it was started.');
        const order = builder.order(raw.direction);
        builder = undefined;
        const rowBounds = bounds.take();
        bounds = new RowBoundsSink();
        reply({ type: 'sorted', order, bounds: rowBounds }, [order.buffer as ArrayBuffer, rowBounds.buffer as ArrayBuffer]);
        break;
      }
    }
  } catch (error) {
    builder = undefined;
    reply({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
  }
});
