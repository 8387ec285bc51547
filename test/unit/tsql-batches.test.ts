import * as assert from 'node:assert/strict';
import { runUnits, tsqlBatches } from '../../src/sql/batches';

/** The batches as [text, repeat], and each text where it stands in the script. */
function batchesOf(script: string): [string, number][] {
  return tsqlBatches(script).map((batch) => {
    assert.equal(script.slice(batch.startOffset, batch.endOffset), batch.text, 'the offsets locate the text');
    return [batch.text, batch.repeat];
  });
}

describe('T-SQL batches (what sqlcmd and SSMS send)', () => {
  it('sends the text between GO lines whole: statements, semicolons and comments as written', () => {
    const script = [
      '-- setup',
      'DECLARE @x int = 1;',
      'SELECT @x  -- the value',
      'GO',
      'SELECT 1; SELECT 2',
      'go',
      '',
      '/* last */ PRINT N\'done\'',
    ].join('\n');
    assert.deepEqual(batchesOf(script), [
      ['-- setup\nDECLARE @x int = 1;\nSELECT @x  -- the value', 1],
      ['SELECT 1; SELECT 2', 1],
      ["/* last */ PRINT N'done'", 1],
    ]);
    assert.deepEqual(tsqlBatches(script).map((batch) => batch.index), [0, 1, 2]);
  });

  it('repeats a batch as GO n says, an indented GO with a comment included', () => {
    const script = 'INSERT INTO t DEFAULT VALUES\n  GO 3 -- three rows\nSELECT count(*) FROM t\nGO\n';
    assert.deepEqual(batchesOf(script), [
      ['INSERT INTO t DEFAULT VALUES', 3],
      ['SELECT count(*) FROM t', 1],
    ]);
  });

  it('runs a batch under GO 0 once rather than never', () => {
    assert.deepEqual(batchesOf('SELECT 1\nGO 0'), [['SELECT 1', 1]]);
  });

  it('leaves out batches of only blanks and comments, keeping the numbering of the others', () => {
    const script = 'GO\n-- nothing here\nGO\n\n\nSELECT 1\r\nGO\r\n/* nor here */\r\nGO 2';
    assert.deepEqual(batchesOf(script), [['SELECT 1', 1]]);
    assert.equal(tsqlBatches(script)[0].index, 2);
  });

  it('never splits at GO inside a string, a comment or a longer word', () => {
    const script = "SELECT 'a\nGO\nb' AS s;\n/*\nGO\n*/\nSELECT 1 AS GOAL\nGOTO done\ngo";
    assert.deepEqual(batchesOf(script), [["SELECT 'a\nGO\nb' AS s;\n/*\nGO\n*/\nSELECT 1 AS GOAL\nGOTO done", 1]]);
  });

  it('gives nothing for a script without statements', () => {
    assert.deepEqual(tsqlBatches(''), []);
    assert.deepEqual(tsqlBatches('  \n-- only a note\nGO\n'), []);
  });

  it('keeps the other dialects statement by statement', () => {
    const script = 'SELECT 1;\n  SELECT 2;\n';
    assert.deepEqual(
      runUnits(script, 'postgres').map((unit) => [unit.text, unit.startOffset, unit.repeat]),
      [
        ['SELECT 1', 0],
        ['SELECT 2', script.indexOf('SELECT 2')],
      ].map(([text, offset]) => [text, offset, 1]),
    );
    assert.deepEqual(
      runUnits('SELECT 1;\nSELECT 2\nGO 2', 'tsql').map((unit) => [unit.text, unit.repeat]),
      [['SELECT 1;\nSELECT 2', 2]],
    );
  });
});
