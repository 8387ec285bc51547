import assert from 'node:assert/strict';
import { parseCheckFile } from '../../src/checks/check-file';

describe('Check files: @param values for named parameters', () => {
  it("reads -- @param name = 'text' | number | null onto the check", () => {
    const text = ["-- @check EU only", "-- @param region = 'E''U'", '-- @param n = 5', '-- @param since = NULL', "-- @expect rows >= 0", 'SELECT * FROM t WHERE region = :region AND n < :n AND (:since IS NULL);', ''].join('\n');
    const file = parseCheckFile(text, 'postgres');
    assert.deepEqual(file.diagnostics, []);
    assert.deepEqual(file.checks[0].parameters, { region: "E'U", n: '5', since: null });
  });

  it('a statement without parameters keeps no parameters field', () => {
    const file = parseCheckFile('-- @check c\n-- @expect rows > 0\nSELECT 1;\n', 'postgres');
    assert.equal('parameters' in file.checks[0], false);
  });

  it('a :name without a @param is an error that names the fix, and the check is left out (never run unbound)', () => {
    const file = parseCheckFile("-- @check EU only\n-- @expect rows > 0\nSELECT * FROM t WHERE region = :region AND x = ${other};\n", 'postgres');
    assert.deepEqual(file.checks, []);
    assert.equal(file.diagnostics.length, 1);
    assert.equal(file.diagnostics[0].severity, 'error');
    assert.match(file.diagnostics[0].message, /uses :region, :other without a value: add -- @param region = '…' and -- @param other = '…'/);
  });

  it('an unused @param is a warning; a twice-given one and a malformed one are errors', () => {
    const unused = parseCheckFile("-- @check c\n-- @param regoin = 'EU'\n-- @expect rows > 0\nSELECT 1;\n", 'postgres');
    assert.deepEqual(unused.diagnostics.map((d) => [d.severity, d.message]), [['warning', '@param regoin is not used: the statement has no :regoin.']]);
    assert.equal(unused.checks.length, 1);
    const twice = parseCheckFile("-- @check c\n-- @param r = 'EU'\n-- @param r = 'US'\n-- @expect rows > 0\nSELECT :r;\n", 'postgres');
    assert.match(twice.diagnostics[0].message, /@param r is given twice/);
    for (const bad of ['-- @param', '-- @param r', "-- @param r 'EU'", '-- @param r = EU', "-- @param r = 'EU' extra"]) {
      const file = parseCheckFile(`-- @check c\n${bad}\n-- @expect rows > 0\nSELECT :r;\n`, 'postgres');
      assert.ok(file.diagnostics.some((d) => d.severity === 'error' && d.line === 1), `${bad}: ${JSON.stringify(file.diagnostics)}`);
      assert.deepEqual(file.checks, [], bad);
    }
  });

  it('T-SQL @variables and Snowflake paths need no @param', () => {
    assert.deepEqual(parseCheckFile('-- @check c\n-- @expect rows > 0\nDECLARE @r nvarchar(9) = N\'EU\'; SELECT * FROM t WHERE region = @r\nGO\n', 'tsql').diagnostics, []);
    assert.deepEqual(parseCheckFile('-- @check c\n-- @expect rows > 0\nSELECT v:region FROM t;\n', 'snowflake').diagnostics, []);
  });
});
