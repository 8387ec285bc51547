import assert from 'node:assert/strict';
import { checkFileConnection, looksLikeCheckFile, parseCheckFile } from '../../src/checks/check-file';
import type { CheckDiagnostic, CheckFile, Expectation } from '../../src/checks/types';
import type { SqlDialectId } from '../../src/sql/dialects';

/** The expectation of `-- @expect <text>` on a check, without its location. */
function expectation(text: string): unknown {
  const file = parseCheckFile(`-- @check c\n-- @expect ${text}\nselect 1;\n`, 'postgres');
  assert.deepEqual(file.diagnostics, [], `no diagnostics for "${text}"`);
  const [parsed] = file.checks[0].expectations;
  const { line, source, ...rest } = parsed;
  assert.equal(line, 1);
  assert.equal(source, text.trim());
  return rest;
}

/** The one diagnostic of `text`, with the part of its line it underlines. */
function onlyDiagnostic(text: string, dialect: SqlDialectId = 'postgres'): CheckDiagnostic & { underlined: string } {
  const file = parseCheckFile(text, dialect);
  assert.equal(file.diagnostics.length, 1, `one diagnostic, got ${JSON.stringify(file.diagnostics, null, 1)}`);
  const diagnostic = file.diagnostics[0];
  const line = text.split(/\r?\n/)[diagnostic.line];
  return { ...diagnostic, underlined: line.slice(diagnostic.startColumn, diagnostic.endColumn) };
}

function names(file: CheckFile): string[] {
  return file.checks.map((check) => check.name);
}

describe('Check files: parsing', () => {
  it('reads a check: name, identities, limit, expectations, statement and where each is', () => {
    const text = [
      '-- @connection Lab Redshift (governor)',
      '',
      '-- @check EU analysts see only EU customers',
      '-- @as bob@example.com, "o\'brien"',
      '-- a plain comment among the annotations',
      '-- @as  "Smith, ""Jay""" , YOURSELF',
      '-- @limit 500',
      '-- @expect rows > 0',
      '-- @expect region in (\'EU\')',
      'SELECT region, ssn',
      '  FROM sales.customers; -- trailing',
      'SELECT 1;',
    ].join('\n');
    const file = parseCheckFile(text, 'postgres');
    assert.deepEqual(file.diagnostics, []);
    assert.deepEqual(file.connection, { name: 'Lab Redshift (governor)', line: 0 });
    assert.equal(file.checks.length, 1, 'the statement without @check is no check');
    const [check] = file.checks;
    assert.equal(check.name, 'EU analysts see only EU customers');
    assert.equal(check.line, 2);
    assert.deepEqual(check.identities, ['bob@example.com', "o'brien", 'Smith, "Jay"', 'yourself']);
    assert.equal(check.rowLimit, 500);
    assert.deepEqual(
      check.expectations.map((e) => [e.kind, e.line, e.source]),
      [
        ['rows', 7, 'rows > 0'],
        ['values-in', 8, "region in ('EU')"],
      ],
    );
    assert.equal(check.statement.text, 'SELECT region, ssn\n  FROM sales.customers');
    assert.deepEqual([check.statement.range.start.line, check.statement.range.start.character], [9, 0]);
    assert.deepEqual([check.statement.range.end.line, check.statement.range.end.character], [10, 22]);
    assert.deepEqual([check.range.start.line, check.range.start.character, check.range.start.offset], [2, 0, text.indexOf('-- @check')]);
    assert.deepEqual(check.range.end, check.statement.range.end);
  });

  it('runs as yourself when no @as is written, and leaves out rowLimit without @limit', () => {
    const [check] = parseCheckFile('-- @check c\n-- @expect some rows\nselect 1', 'trino').checks;
    assert.deepEqual(check.identities, ['yourself']);
    assert.equal('rowLimit' in check, false);
    assert.equal(check.statement.text, 'select 1');
  });

  it('reads every kind of expectation', () => {
    const cases: [string, unknown][] = [
      ['rows = 3', { kind: 'rows', operator: '=', count: 3 }],
      ['ROWS == 3', { kind: 'rows', operator: '=', count: 3 }],
      ['rows != 3', { kind: 'rows', operator: '!=', count: 3 }],
      ['rows <> 3', { kind: 'rows', operator: '!=', count: 3 }],
      ['rows>=10', { kind: 'rows', operator: '>=', count: 10 }],
      ['rows < 1', { kind: 'rows', operator: '<', count: 1 }],
      ['rows <= 1', { kind: 'rows', operator: '<=', count: 1 }],
      ['rows > 0', { kind: 'rows', operator: '>', count: 0 }],
      ['No Rows', { kind: 'rows', operator: '=', count: 0 }],
      ['some rows', { kind: 'rows', operator: '>', count: 0 }],
      ["region in ('EU', 'it''s', 12, 12.50, -3, -0.5, TRUE, false, NULL)", { kind: 'values-in', column: 'region', values: ['EU', "it's", 12, 12.5, -3, -0.5, true, false, null], negated: false }],
      ["region NOT IN ('US')", { kind: 'values-in', column: 'region', values: ['US'], negated: true }],
      ['"Region Name" in (\'EU\')', { kind: 'values-in', column: 'Region Name', values: ['EU'], negated: false }],
      ["rows in ('a')", { kind: 'values-in', column: 'rows', values: ['a'], negated: false }],
      ["email matches '.*@example\\.com'", { kind: 'values-match', column: 'email', pattern: '.*@example\\.com' }],
      ['ssn masked', { kind: 'masked', column: 'ssn' }],
      ['ssn masked as null', { kind: 'masked', column: 'ssn', form: { kind: 'null' } }],
      ['ssn masked as HASH', { kind: 'masked', column: 'ssn', form: { kind: 'hash' } }],
      ['ssn masked as constant', { kind: 'masked', column: 'ssn', form: { kind: 'constant' } }],
      ["ssn masked as constant 'REDACTED'", { kind: 'masked', column: 'ssn', form: { kind: 'constant', value: 'REDACTED' } }],
      ['ssn masked as constant 0', { kind: 'masked', column: 'ssn', form: { kind: 'constant', value: 0 } }],
      ["ssn masked as '\\*{3}-\\*{2}-\\d{4}'", { kind: 'masked', column: 'ssn', form: { kind: 'pattern', pattern: '\\*{3}-\\*{2}-\\d{4}' } }],
      ['Name clear', { kind: 'clear', column: 'Name' }],
      ['name in clear', { kind: 'clear', column: 'name' }],
      ['"Name" unmasked', { kind: 'clear', column: 'Name' }],
      ['denied', { kind: 'denied' }],
      ['same as yourself', { kind: 'same-as', identity: 'yourself' }],
      ['same as bob@example.com', { kind: 'same-as', identity: 'bob@example.com' }],
      ['different from "Smith, Jane"', { kind: 'different-from', identity: 'Smith, Jane' }],
      ['snapshot', { kind: 'snapshot' }],
      ['matches snapshot', { kind: 'snapshot' }],
    ];
    for (const [text, parsed] of cases) assert.deepEqual(expectation(text), parsed, text);
  });

  it('finds annotations only in real comments: never in a string that holds "--"', () => {
    const text = [
      "-- @check strings",
      "-- @expect rows = 1",
      "select '-- @check not a check', 'a",
      "-- @expect denied",
      "b' as two_lines;",
    ].join('\n');
    const file = parseCheckFile(text, 'postgres');
    assert.deepEqual(file.diagnostics, []);
    assert.deepEqual(names(file), ['strings']);
    assert.deepEqual(file.checks[0].expectations.map((e) => e.kind), ['rows']);
    assert.equal(file.checks[0].statement.text, "select '-- @check not a check', 'a\n-- @expect denied\nb' as two_lines");
  });

  it('reads Windows line endings: names, statements and columns without the carriage returns', () => {
    const text = '-- @check crlf\r\n-- @as bob\r\n-- @expect rows ~ 1\r\nselect 1;\r\n-- @check ok\r\n-- @expect no rows\r\nselect 2;\r\n';
    const file = parseCheckFile(text, 'snowflake');
    assert.deepEqual(names(file), ['ok']);
    assert.equal(file.checks[0].statement.text, 'select 2');
    assert.deepEqual([file.checks[0].line, file.checks[0].statement.range.start.line], [4, 6]);
    const [diagnostic] = file.diagnostics;
    assert.deepEqual([diagnostic.line, diagnostic.startColumn, diagnostic.endColumn], [2, 16, 17]);
    const clean = parseCheckFile('-- @check a \r\n-- @as bob \r\n-- @expect some rows\r\nselect 1', 'snowflake');
    assert.equal(clean.checks[0].name, 'a');
    assert.deepEqual(clean.checks[0].identities, ['bob']);
  });

  it('T-SQL: a check runs its whole GO batch, from its first statement', () => {
    const text = [
      '-- @check batch',
      '-- @expect some rows',
      'DECLARE @region nvarchar(10) = N\'EU\'',
      'SELECT * FROM customers WHERE region = @region',
      'GO',
      '-- @check second',
      '-- @expect denied',
      'SELECT secret FROM vault;',
      'go 2',
    ].join('\r\n');
    const file = parseCheckFile(text, 'tsql');
    assert.deepEqual(file.diagnostics, []);
    assert.deepEqual(
      file.checks.map((check) => check.statement.text),
      ["DECLARE @region nvarchar(10) = N'EU'\r\nSELECT * FROM customers WHERE region = @region", 'SELECT secret FROM vault;'],
    );
    assert.deepEqual([file.checks[1].statement.range.start.line, file.checks[1].statement.range.end.line], [7, 7]);
  });

  it('T-SQL: annotations between the statements of one batch are an error, not a second check', () => {
    const text = '-- @check one\n-- @expect some rows\nSELECT 1;\n-- @check two\n-- @expect some rows\nSELECT 2;\nGO\n';
    const file = parseCheckFile(text, 'tsql');
    assert.deepEqual(file.diagnostics.map((d) => [d.line, d.startColumn, d.endColumn]), [[3, 3, 13], [4, 3, 20]]);
    assert.match(file.diagnostics[0].message, /^This @check is inside the batch that starts at line 3: a T-SQL check runs a whole batch/);
    assert.deepEqual(names(parseCheckFile(text, 'tsql')), [], 'the batch holding the error runs no check');
  });

  it('finds the file-level connection and check files cheaply', () => {
    assert.deepEqual(checkFileConnection('-- header\n--   @connection  Lab Trino  \n-- @check a\n'), { name: 'Lab Trino', line: 1 });
    assert.equal(checkFileConnection('-- @check a\n-- @connection late\nselect 1;'), undefined);
    assert.equal(checkFileConnection("select '\n-- @connection in a string\n';"), undefined);
    assert.equal(looksLikeCheckFile('select 1;\n  --@CHECK x\nselect 2;'), true);
    assert.equal(looksLikeCheckFile("select '-- @check inside a string';"), false);
    assert.equal(looksLikeCheckFile('/* -- @check in a block comment */ select 1;'), false);
    assert.equal(looksLikeCheckFile('-- @checking something\nselect 1;'), false);
  });
});

describe('Check files: diagnostics', () => {
  it('says which comparison "rows" needs, under the token that is wrong', () => {
    const d = onlyDiagnostic('-- @check c\n-- @expect rows ~ 3\nselect 1;');
    assert.deepEqual([d.line, d.startColumn, d.endColumn, d.underlined], [1, 16, 17, '~']);
    assert.equal(d.message, 'Expected a comparison after "rows": one of =, !=, >, >=, <, <=.');
    assert.equal(d.severity, 'error');
  });

  it('names what is missing at the end of an expectation', () => {
    const cases: [string, string, RegExp][] = [
      ['rows >', '', /Expected a whole number of rows after "rows >"/],
      ['rows > many', 'many', /Expected a whole number/],
      ['region in', '', /Expected "\(" and a list of values/],
      ["region in ('EU'", '', /Expected "," and another value, or "\)"/],
      ['region in (EU)', 'EU', /Expected a value in the list: a 'quoted string', a number, true, false or null/],
      ["region in ('EU)", "'EU)", /This string is never closed/],
      ['region not (1)', '(', /Expected "in" after "not"/],
      ['ssn masked as blah', 'blah', /Expected how the column is masked after "masked as": null, hash, constant/],
      ['ssn masked like x', 'like', /Expected "as" and a form after "masked"/],
      ['ssn frobbed', 'frobbed', /Expected what to check about column ssn/],
      ['denied loudly', 'loudly', /Expected what to check about column denied/],
      ['some rows please', 'please', /Unexpected "please" after "some rows"/],
      ['same yourself', 'yourself', /Expected "as" and a user name after "same"/],
      ['same as', '', /Expected a user name \(or yourself\) after "same as"/],
    ];
    for (const [written, underlined, message] of cases) {
      const text = `-- @check c\n-- @expect ${written}\nselect 1;`;
      const d = onlyDiagnostic(text);
      assert.equal(d.line, 1, written);
      assert.match(d.message, message, written);
      assert.equal(d.underlined, underlined, `${written}: underlines ${JSON.stringify(underlined)}`);
      assert.ok(d.endColumn > d.startColumn, `${written}: a span to show`);
      assert.ok(d.startColumn >= '-- @expect '.length, `${written}: inside the expectation`);
    }
    const empty = onlyDiagnostic('-- @check c\n-- @expect\nselect 1;');
    assert.deepEqual([empty.line, empty.underlined], [1, '@expect']);
    assert.match(empty.message, /Expected an expectation after "@expect"/);
  });

  it('names the JavaScript error of an invalid regular expression', () => {
    const d = onlyDiagnostic("-- @check c\n-- @expect email matches '(unclosed'\nselect 1;");
    assert.equal(d.underlined, "'(unclosed'");
    assert.match(d.message, /^This regular expression is not valid: .*Unterminated group/);
    const masked = onlyDiagnostic("-- @check c\n-- @expect ssn masked as '[z-a]'\nselect 1;");
    assert.match(masked.message, /not valid: .*Range out of order/);
  });

  it('@connection: only before the first check, only once, with a name', () => {
    const late = onlyDiagnostic('-- @check c\n-- @expect some rows\nselect 1;\n-- @connection Other\n');
    assert.deepEqual([late.line, late.startColumn, late.underlined], [3, 3, '@connection Other']);
    assert.match(late.message, /must come before the first @check/);
    const twice = parseCheckFile('-- @connection A\n-- @connection B\n-- @check c\n-- @expect some rows\nselect 1;', 'postgres');
    assert.deepEqual(twice.connection, { name: 'A', line: 0 });
    assert.deepEqual(twice.diagnostics.map((d) => [d.line, d.message]), [[1, '@connection is given twice: a check file runs on one connection.']]);
    const empty = onlyDiagnostic('-- @connection\n-- @check c\n-- @expect some rows\nselect 1;');
    assert.match(empty.message, /Expected a connection name/);
  });

  it('@check: a name, unique in the file; the second of two is the one reported', () => {
    const text = '-- @check same\n-- @expect some rows\nselect 1;\n-- @check same\n-- @expect no rows\nselect 2;';
    const d = onlyDiagnostic(text);
    assert.deepEqual([d.line, d.startColumn, d.underlined], [3, 10, 'same']);
    assert.match(d.message, /already named "same"/);
    assert.deepEqual(parseCheckFile(text, 'postgres').checks.map((c) => c.statement.text), ['select 1']);
    const unnamed = onlyDiagnostic('-- @check\n-- @expect some rows\nselect 1;');
    assert.deepEqual([unnamed.line, unnamed.startColumn], [0, 3]);
    assert.match(unnamed.message, /Expected a name after "@check"/);
  });

  it('@check: at least one @expect, and a statement after it', () => {
    const none = onlyDiagnostic('-- @check lonely\n-- @as bob\nselect 1;');
    assert.deepEqual([none.line, none.underlined], [0, '@check lonely']);
    assert.match(none.message, /Check "lonely" has no @expect: add at least one/);
    const atEnd = onlyDiagnostic('select 1;\n-- @check last\n-- @expect some rows\n');
    assert.deepEqual([atEnd.line, atEnd.underlined], [1, '@check last']);
    assert.match(atEnd.message, /has no statement: the file ends after its annotations/);
    const shadowed = parseCheckFile('-- @check first\n-- @expect some rows\n\n-- @check second\n-- @expect some rows\nselect 1;', 'postgres');
    assert.deepEqual(shadowed.diagnostics.map((d) => d.line), [0]);
    assert.match(shadowed.diagnostics[0].message, /^Check "first" has no statement: another @check \(line 4\) follows before any statement/);
    assert.deepEqual(names(shadowed), ['second']);
  });

  it('@as, @expect and @limit belong to a @check above them', () => {
    const d = onlyDiagnostic('-- @expect some rows\nselect 1;');
    assert.deepEqual([d.line, d.startColumn, d.underlined], [0, 3, '@expect some rows']);
    assert.match(d.message, /@expect belongs to a check: write it below a @check/);
    const afterStatement = parseCheckFile('-- @check c\n-- @expect some rows\nselect 1;\n-- @as bob\nselect 2;', 'postgres');
    assert.deepEqual(afterStatement.diagnostics.map((x) => x.line), [3]);
    assert.deepEqual(names(afterStatement), ['c']);
  });

  it('@as: a warning for a user listed twice, who then runs once; errors for empty or badly quoted names', () => {
    const file = parseCheckFile('-- @check c\n-- @as bob, yourself\n-- @as "bob"\n-- @expect some rows\nselect 1;', 'postgres');
    assert.deepEqual(file.diagnostics.map((d) => [d.severity, d.line, d.startColumn, d.endColumn]), [['warning', 2, 7, 12]]);
    assert.deepEqual(file.checks[0].identities, ['bob', 'yourself']);
    const empty = onlyDiagnostic('-- @check c\n-- @as bob, , carol\n-- @expect some rows\nselect 1;');
    assert.match(empty.message, /Expected a user name/);
    assert.equal(empty.startColumn, '-- @as bob,'.length);
    const quoted = onlyDiagnostic('-- @check c\n-- @as "bob\n-- @expect some rows\nselect 1;');
    assert.match(quoted.message, /never closed/);
    const stray = onlyDiagnostic('-- @check c\n-- @as bo"b\n-- @expect some rows\nselect 1;');
    assert.match(stray.message, /must be quoted as a whole/);
  });

  it('@limit: a whole number from 1 to 1,000,000, once', () => {
    for (const [written, message] of [
      ['0', /from 1 to 1,000,000/],
      ['1000001', /from 1 to 1,000,000/],
      ['ten', /Expected a whole number of rows after "@limit"/],
      ['', /Expected a whole number/],
    ] as const) {
      const d = onlyDiagnostic(`-- @check c\n-- @limit ${written}\n-- @expect some rows\nselect 1;`);
      assert.equal(d.line, 1);
      assert.match(d.message, message, written);
      if (written !== '') assert.equal(d.underlined, written);
    }
    const twice = onlyDiagnostic('-- @check c\n-- @limit 5\n-- @limit 6\n-- @expect some rows\nselect 1;');
    assert.deepEqual([twice.line, twice.underlined], [2, '6']);
    assert.deepEqual(parseCheckFile('-- @check c\n-- @limit 1000000\n-- @expect some rows\nselect 1;', 'postgres').checks[0].rowLimit, 1_000_000);
  });

  it('lists the known annotations for an unknown one', () => {
    const d = onlyDiagnostic('-- @check c\n-- @expects rows > 0\n-- @expect some rows\nselect 1;');
    assert.deepEqual([d.line, d.startColumn, d.endColumn, d.underlined], [1, 3, 11, '@expects']);
    assert.equal(d.message, 'Unknown annotation "@expects": expected one of @connection, @check, @as, @expect, @limit, @param.');
  });

  it('reports a statement that cannot be split (an unterminated string) and runs no check for it', () => {
    const text = "-- @check c\n-- @expect some rows\nselect 'never closed from t;\n";
    const d = onlyDiagnostic(text);
    assert.deepEqual([d.line, d.startColumn, d.underlined], [2, 7, "'"]);
    assert.match(d.message, /string starting at line 3, column 8 is never closed/);
    assert.deepEqual(parseCheckFile(text, 'postgres').checks, []);
  });

  it('reports annotations inside a statement (a missing ";" above them) instead of dropping a check silently', () => {
    const text = '-- @check a\n-- @expect some rows\nselect 1\n\n-- @check b\n-- @expect no rows\nselect 2;';
    const file = parseCheckFile(text, 'postgres');
    assert.deepEqual(file.diagnostics.map((d) => [d.line, d.startColumn]), [[4, 3], [5, 3]]);
    assert.match(file.diagnostics[0].message, /inside the statement that starts at line 3, so it is not read: is a ";" missing/);
    assert.deepEqual(file.checks, []);
  });

  it('keeps the other checks of a file when one is broken', () => {
    const text = '-- @check good\n-- @expect some rows\nselect 1;\n-- @check bad\n-- @expect rows ~ 1\nselect 2;\n-- @check also good\n-- @expect denied\nselect 3;';
    const file = parseCheckFile(text, 'postgres');
    assert.deepEqual(names(file), ['good', 'also good']);
    assert.deepEqual(file.diagnostics.map((d) => d.line), [4]);
  });

  it('gives every expectation its own line and the text as written', () => {
    const file = parseCheckFile('-- @check c\n--@expect   rows   >=   2   \n-- @expect  denied\nselect 1;', 'spark');
    const expectations: readonly Expectation[] = file.checks[0].expectations;
    assert.deepEqual(expectations.map((e) => [e.line, e.source]), [[1, 'rows   >=   2'], [2, 'denied']]);
  });
});
