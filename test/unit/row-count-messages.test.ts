import * as assert from 'node:assert/strict';
import type { ServerNotice } from '../../src/platforms/types';
import { RowCountMessages } from '../../src/platforms/synapse/row-count-messages';

function messages(feed: (counts: RowCountMessages, said: (text: string) => void) => void): string[] {
  const out: string[] = [];
  const counts = new RowCountMessages((notice: ServerNotice) => out.push(notice.message));
  feed(counts, (text) => {
    counts.other();
    out.push(text);
  });
  return out;
}

describe('row counts of a T-SQL request as messages', () => {
  it('says nothing for a lone count of a request that succeeded: its summary says it', () => {
    assert.deepEqual(messages((counts) => {
      counts.count(3);
      counts.end(true);
    }), []);
  });

  it('says every count, in order with the other messages, once a request reports more than one thing', () => {
    assert.deepEqual(messages((counts, said) => {
      counts.count(1);
      counts.count(0);
      said('PRINT half way');
      counts.count(2);
      counts.end(true);
    }), ['(1 row affected)', '(0 rows affected)', 'PRINT half way', '(2 rows affected)']);
    assert.deepEqual(messages((counts) => {
      counts.count(4);
      counts.count(5);
      counts.end(true);
    }), ['(4 rows affected)', '(5 rows affected)']);
  });

  it('says a lone count of a request that failed: the failure hides the summary', () => {
    assert.deepEqual(messages((counts) => {
      counts.count(7);
      counts.end(false);
    }), ['(7 rows affected)']);
  });
});
