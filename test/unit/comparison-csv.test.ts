import * as assert from 'node:assert/strict';
import { differingRowsCsv } from '../../src/compare/comparison-csv';
import { compareSides, type ComparedSide } from '../../src/compare/diff';

describe('CSV of the differing rows (Compare as…)', () => {
  it('writes one line per differing key and side: who, the key, whether it sees the row, then every column', () => {
    const yourself: ComparedSide = { label: 'yourself', columns: ['id', 'name', 'ssn'], rows: [[1, 'Ann', '123-45-6789'], [2, 'Ben, Jr.', '987-65-4321'], [3, 'Cy', '555-55-5555']] };
    const alice: ComparedSide = { label: 'alice@example.com', columns: ['id', 'name', 'ssn'], rows: [[1, 'Ann', '***-**-6789'], [3, 'Cy', '555-55-5555']] };
    const csv = differingRowsCsv([yourself, alice], compareSides([yourself, alice]));
    assert.equal(
      csv,
      [
        'identity,key,sees_row,id,name,ssn',
        'yourself,1,true,1,Ann,123-45-6789',
        'alice@example.com,1,true,1,Ann,***-**-6789',
        'yourself,2,true,2,"Ben, Jr.",987-65-4321',
        'alice@example.com,2,false',
        '',
      ].join('\r\n'),
      'id 3 is the same for both: not a differing row',
    );
  });

  it('guards against formulas, leaves a column a side lacks empty, and writes whole-row keys as JSON', () => {
    const a: ComparedSide = { label: 'a', columns: ['note', 'n', 'extra'], rows: [['=HYPERLINK("x")', 1, true]] };
    const b: ComparedSide = { label: '@b', columns: ['note', 'n'], rows: [['plain', 2]] };
    const diff = compareSides([a, b]);
    assert.equal(diff.key.kind, 'row');
    assert.deepEqual(differingRowsCsv([a, b], diff).split('\r\n'), [
      'identity,key,sees_row,note,n,extra',
      `a,"[""=HYPERLINK(\\""x\\"")"",1]",true,"'=HYPERLINK(""x"")",1,true`,
      `'@b,"[""=HYPERLINK(\\""x\\"")"",1]",false`,
      'a,"[""plain"",2]",false',
      "'@b,\"[\"\"plain\"\",2]\",true,plain,2,",
      '',
    ]);
  });
});
