import * as assert from 'node:assert/strict';
import type { Row } from '../../src/platforms/types';
import { csvCell, exportSourceOf, exportText, markdownTable, stampLines, uniqueKeys } from '../../src/results/export';
import { columnKind, parseWebviewMessage } from '../../src/results/protocol';
import { ResultSet } from '../../src/results/result-set';
import { lineAndColumn } from '../../src/results/run-results';

const COLUMNS = [
  { name: 'id', type: 'int4' },
  { name: 'note', type: 'text' },
  { name: 'id', type: 'int8' },
];
const ROWS: Row[] = [
  [1, 'plain', '10'],
  [2, 'comma, "quote"\nnewline', null],
  [3, 'NULL', '-5'],
];
const STAMP = {
  platform: 'Amazon Redshift',
  profile: 'lab',
  login: 'governor',
  ranAs: 'bob@example.com',
  project: 'Fraud Analytics',
  startedAt: Date.UTC(2026, 10, 29, 12, 0, 0),
  durationMs: 42,
  rowCount: 3,
  queryId: '4711',
};
async function joined(pieces: AsyncIterable<string>): Promise<string> {
  let text = '';
  for await (const piece of pieces) text += piece;
  return text;
}

const source = { columns: COLUMNS, rows: () => ROWS, stamp: STAMP, statement: 'select *\nfrom t' };

describe('results export', () => {
  it('CSV quotes what needs quoting, keeps data as is, and writes NULL as an empty field', async () => {
    const text = (await joined(exportText(source, 'csv', false)));
    assert.equal(text, 'id,note,id\r\n1,plain,10\r\n2,"comma, ""quote""\nnewline",\r\n3,NULL,-5\r\n');
    assert.equal(csvCell('=SUM(A1)'), '=SUM(A1)', 'exported data is not rewritten');
  });

  it('a stamped CSV starts with #-comment provenance lines naming whom it ran as', async () => {
    const lines = (await joined(exportText(source, 'csv', true))).split('\r\n');
    assert.equal(lines[0], '# Immuta Worksheets export');
    assert.ok(lines.includes('# ran as: bob@example.com'));
    assert.ok(lines.includes('# immuta project: Fraud Analytics'));
    assert.ok(lines.includes('# statement: select * from t'), 'the statement is on one line');
    assert.ok(stampLines({ ...STAMP, ranAs: null }, null).includes('# ran as: yourself (governor)'));
  });

  it('JSON is valid, keeps every column (duplicate names get a suffix), with or without the stamp', async () => {
    const plain = JSON.parse((await joined(exportText(source, 'json', false)))) as Record<string, unknown>[];
    assert.deepEqual(plain[1], { id: 2, note: 'comma, "quote"\nnewline', id_2: null });
    const stamped = JSON.parse((await joined(exportText(source, 'json', true)))) as { stamp: { ranAs: string }; rows: unknown[]; columns: unknown[] };
    assert.equal(stamped.stamp.ranAs, 'bob@example.com');
    assert.equal(stamped.rows.length, 3);
    assert.equal(stamped.columns.length, 3);
    const empty = JSON.parse((await joined(exportText({ ...source, rows: () => [] }, 'json', true)))) as { rows: unknown[] };
    assert.deepEqual(empty.rows, []);
    assert.deepEqual(uniqueKeys([{ name: 'a', type: 'x' }, { name: 'a_2', type: 'x' }, { name: 'a', type: 'x' }]), ['a', 'a_2', 'a_3']);
  });

  it('Markdown escapes pipes, HTML and emphasis, tells NULL from the text NULL, and caps rows', async () => {
    const table = await markdownTable([{ name: 'v', type: 'text' }], [['a|b'], ['<img src=x onerror=alert(1)>'], [null], ['NULL'], ['*x*']], 10);
    const lines = table.text.trim().split('\n');
    assert.equal(lines[2], '| a\\|b |');
    assert.equal(lines[3], '| &lt;img src=x onerror=alert(1)> |');
    assert.equal(lines[4], '| *NULL* |');
    assert.equal(lines[5], '| NULL |');
    assert.equal(lines[6], '| \\*x\\* |');
    const capped = await markdownTable([{ name: 'v', type: 'text' }], ROWS.map((row) => [row[0]]), 2);
    assert.equal(capped.rows, 2);
    assert.equal(capped.truncated, true);
  });

  it('a stamped export names the statement with its secrets redacted by the platform\'s rules', async () => {
    const statement = "COPY INTO 's3://b/out/' FROM t CREDENTIALS = (AWS_KEY_ID = 'AKIA9' AWS_SECRET_KEY = 'sk\\'9')";
    const result = new ResultSet('r:0', 0, statement, 100);
    result.started(STAMP, 'snowflake');
    result.setColumns([{ name: 'rows_unloaded', type: 'NUMBER' }]);
    void result.append([[3]]);
    const csv = (await joined(exportText(exportSourceOf(result), 'csv', true)));
    assert.ok(csv.includes("# statement: COPY INTO 's3://b/out/' FROM t CREDENTIALS = (AWS_KEY_ID = '***' AWS_SECRET_KEY = '***')"), csv);
    const json = JSON.parse((await joined(exportText(exportSourceOf(result), 'json', true)))) as { statement: string };
    assert.equal(json.statement, "COPY INTO 's3://b/out/' FROM t CREDENTIALS = (AWS_KEY_ID = '***' AWS_SECRET_KEY = '***')");
    assert.equal(JSON.stringify(json).includes('AKIA9'), false);
    // Before it started, the platform is not known: a statement the dialects read differently is left out.
    const unstarted = new ResultSet('r:1', 1, "ALTER USER u SET PASSWORD = 'a\\' b'", 100);
    assert.equal(exportSourceOf(unstarted).statement, null);
  });
});

describe('results protocol', () => {
  it('classifies column types for sorting and alignment', () => {
    assert.equal(columnKind('int8'), 'number');
    assert.equal(columnKind('NUMERIC(10,2)'), 'number');
    assert.equal(columnKind('bool'), 'boolean');
    assert.equal(columnKind('varchar'), 'text');
    assert.equal(columnKind('timestamptz'), 'text');
  });

  it('rejects malformed webview messages instead of trusting them', () => {
    assert.equal(parseWebviewMessage(null), undefined);
    assert.equal(parseWebviewMessage({ type: 'pull', requestId: 1, resultId: 'r', from: -1, maxRows: 10 }), undefined);
    assert.equal(parseWebviewMessage({ type: 'export', resultId: 'r', format: 'xlsx', withStamp: false, destination: 'file' }), undefined);
    assert.equal(parseWebviewMessage({ type: 'nope' }), undefined);
    assert.deepEqual(parseWebviewMessage({ type: 'pull', requestId: 1, resultId: 'r', from: 0, maxRows: 10 }), { type: 'pull', requestId: 1, resultId: 'r', from: 0, maxRows: 10 });
    assert.deepEqual(parseWebviewMessage({ type: 'viewState', resultId: 'r', topRow: 4000 }), { type: 'viewState', resultId: 'r', topRow: 4000 });
    assert.equal(parseWebviewMessage({ type: 'viewState', resultId: 'r', topRow: -1 }), undefined);
    assert.equal(parseWebviewMessage({ type: 'viewState', topRow: 3 }), undefined);
  });

  it('turns a server error offset into the line and column users see', () => {
    assert.deepEqual(lineAndColumn('select\n  1/0', 10), { line: 2, column: 4 });
    assert.deepEqual(lineAndColumn('x', 0), { line: 1, column: 1 });
  });
});
