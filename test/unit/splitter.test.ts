import assert from 'node:assert/strict';
import type { SqlDialectId } from '../../src/sql/dialects';
import { LineIndex } from '../../src/sql/positions';
import {
  splitStatements,
  statementAt,
  statementsInRange,
  type SourcePosition,
  type SourceRange,
  type SplitResult,
} from '../../src/sql/splitter';

const DIALECTS: readonly SqlDialectId[] = ['postgres', 'tsql', 'snowflake', 'trino', 'spark'];

/** Position of `offset`, computed naively from the start of the text. */
function refPosition(text: string, offset: number): SourcePosition {
  let line = 0;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    const c = text[i];
    if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) {
      line++;
      lineStart = i + 1;
    }
  }
  return { offset, line, character: offset - lineStart };
}

function P(offset: number, line: number, character: number): SourcePosition {
  return { offset, line, character };
}

function R(start: SourcePosition, end: SourcePosition): SourceRange {
  return { start, end };
}

function isGoLine(line: string): boolean {
  return /^[ \t]*go([ \t]+\d+)?[ \t]*(--.*)?$/i.test(line);
}

/** Splits and checks every invariant that must hold for any input. */
function split(sql: string, dialect: SqlDialectId): SplitResult {
  const result = splitStatements(sql, dialect);
  let previousEnd = 0;
  for (const s of result.statements) {
    assert.equal(sql.slice(s.range.start.offset, s.range.end.offset), s.text, 'text matches its range');
    assert.ok(s.text.length > 0, 'no empty statement');
    assert.ok(!/^[ \t\r\n\f\v]/.test(s.text), `trimmed start: ${JSON.stringify(s.text)}`);
    // Only an unclosed string/comment at the end of the input can end in whitespace: it is inside it.
    if (s.range.end.offset !== sql.length || result.problems.length === 0) {
      assert.ok(!/[ \t\r\n\f\v]$/.test(s.text), `trimmed end: ${JSON.stringify(s.text)}`);
    }
    assert.deepEqual(s.range.start, refPosition(sql, s.range.start.offset), 'range.start position');
    assert.deepEqual(s.range.end, refPosition(sql, s.range.end.offset), 'range.end position');
    assert.deepEqual(s.fullRange.start, s.range.start, 'fullRange starts with range');
    assert.deepEqual(s.fullRange.end, refPosition(sql, s.fullRange.end.offset), 'fullRange.end position');
    assert.ok(s.fullRange.end.offset >= s.range.end.offset);
    assert.ok(s.range.start.offset >= previousEnd, 'statements in order, not overlapping');
    previousEnd = s.fullRange.end.offset;
    if (!s.terminated) {
      assert.deepEqual(s.fullRange, s.range);
    } else if (sql[s.fullRange.end.offset - 1] !== ';') {
      assert.equal(dialect, 'tsql', 'only tsql ends statements without ;');
      const lineOfGo = sql.slice(0, s.fullRange.end.offset).split(/\r\n|\r|\n/).pop() ?? '';
      assert.ok(isGoLine(lineOfGo), `ends at a GO line: ${JSON.stringify(lineOfGo)}`);
    }
    assert.equal(s.batch !== undefined, dialect === 'tsql', 'batch only for tsql');
  }
  for (const p of result.problems) {
    assert.deepEqual(p.range.start, refPosition(sql, p.range.start.offset), 'problem start position');
    assert.ok(p.message.includes(`line ${p.range.start.line + 1}, column ${p.range.start.character + 1}`), p.message);
  }
  return result;
}

function texts(sql: string, dialect: SqlDialectId): string[] {
  return split(sql, dialect).statements.map((s) => s.text);
}

function timed(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

describe('sql splitter', () => {
  describe('common rules, every dialect', () => {
    for (const dialect of DIALECTS) {
      it(`${dialect}: splits on ; with exact ranges`, () => {
        const sql = 'select 1;\nselect 2;';
        const r = split(sql, dialect);
        assert.equal(r.statements.length, 2);
        const [a, b] = r.statements;
        assert.equal(a.text, 'select 1');
        assert.deepEqual(a.range, R(P(0, 0, 0), P(8, 0, 8)));
        assert.deepEqual(a.fullRange, R(P(0, 0, 0), P(9, 0, 9)));
        assert.equal(a.terminated, true);
        assert.equal(b.text, 'select 2');
        assert.deepEqual(b.range, R(P(10, 1, 0), P(18, 1, 8)));
        assert.deepEqual(b.fullRange, R(P(10, 1, 0), P(19, 1, 9)));
        assert.deepEqual(r.problems, []);
      });

      it(`${dialect}: a last statement without ; runs to the end of input`, () => {
        const sql = 'select 1;\n  select 2  \n';
        const r = split(sql, dialect);
        assert.equal(r.statements.length, 2);
        const last = r.statements[1];
        assert.equal(last.text, 'select 2');
        assert.equal(last.terminated, false);
        assert.deepEqual(last.range, R(P(12, 1, 2), P(20, 1, 10)));
        assert.deepEqual(last.fullRange, last.range);
      });

      it(`${dialect}: drops empty and comment-only statements`, () => {
        const sql = ';; ;\n\t;select 1;;  ; -- only a comment\n; /* only this */ ;\nselect 2;;';
        assert.deepEqual(texts(sql, dialect), ['select 1', 'select 2']);
      });

      it(`${dialect}: empty, blank and comment-only inputs give no statements`, () => {
        for (const sql of ['', '   \n\t  \r\n', '-- c\n/* d */\n', ';', '  ;  ;\n']) {
          const r = split(sql, dialect);
          assert.deepEqual(r.statements, [], JSON.stringify(sql));
          assert.deepEqual(r.problems, [], JSON.stringify(sql));
        }
      });

      it(`${dialect}: keeps comments inside a statement, not the ones before it`, () => {
        const sql = '-- header\n/* block */ select a, -- first\n  b /* second; */ from t -- tail\n;';
        const r = split(sql, dialect);
        assert.equal(r.statements.length, 1);
        const s = r.statements[0];
        assert.equal(s.text, 'select a, -- first\n  b /* second; */ from t -- tail');
        assert.deepEqual(s.range.start, P(22, 1, 12));
        assert.deepEqual(s.fullRange.end, P(sql.length, 3, 1));
      });

      it(`${dialect}: never splits inside a single-quoted string with '' escape`, () => {
        assert.deepEqual(texts("select 'a;b', 'it''s; fine';select 2", dialect), ["select 'a;b', 'it''s; fine'", 'select 2']);
      });

      it(`${dialect}: never splits inside a -- line comment`, () => {
        assert.deepEqual(texts('select 1 -- not; here\n, 2;select 3', dialect), ['select 1 -- not; here\n, 2', 'select 3']);
      });

      it(`${dialect}: never splits inside a /* */ comment`, () => {
        assert.deepEqual(texts('select /* a; b\n c; */ 1; select 2', dialect), ['select /* a; b\n c; */ 1', 'select 2']);
      });

      it(`${dialect}: reports an unterminated string and keeps the rest in the last statement`, () => {
        const sql = "select 1;\nselect 'abc;\nselect 3;";
        const r = split(sql, dialect);
        assert.deepEqual(
          r.statements.map((s) => s.text),
          ['select 1', "select 'abc;\nselect 3;"],
        );
        assert.equal(r.statements[1].terminated, false);
        assert.equal(r.problems.length, 1);
        assert.equal(r.problems[0].kind, 'unterminated-string');
        assert.equal(r.problems[0].message, 'This string starting at line 2, column 8 is never closed.');
        assert.deepEqual(r.problems[0].range, R(P(17, 1, 7), P(18, 1, 8)));
      });

      it(`${dialect}: reports an unterminated block comment`, () => {
        const sql = 'select 1 /* oops;\nselect 2;';
        const r = split(sql, dialect);
        assert.deepEqual(r.statements.map((s) => s.text), [sql]);
        assert.equal(r.problems.length, 1);
        assert.equal(r.problems[0].kind, 'unterminated-comment');
        assert.equal(r.problems[0].message, 'This comment starting at line 1, column 10 is never closed.');
        assert.deepEqual(r.problems[0].range, R(P(9, 0, 9), P(11, 0, 11)));
      });

      it(`${dialect}: a statement with an astral character counts UTF-16 code units`, () => {
        const sql = "select '😀;' as e;select 2";
        const r = split(sql, dialect);
        assert.deepEqual(r.statements.map((s) => s.text), ["select '😀;' as e", 'select 2']);
        assert.deepEqual(r.statements[0].fullRange.end, P(18, 0, 18));
        assert.deepEqual(r.statements[1].range, R(P(18, 0, 18), P(26, 0, 26)));
      });
    }
  });

  describe('postgres', () => {
    const d: SqlDialectId = 'postgres';

    it("E'...' strings honour backslash escapes", () => {
      assert.deepEqual(texts("select E'it\\'s; x'; select 2", d), ["select E'it\\'s; x'", 'select 2']);
    });

    it("lowercase e'...' strings honour backslash escapes", () => {
      assert.deepEqual(texts("select e'a\\\\'; select e'\\'';", d), ["select e'a\\\\'", "select e'\\''"]);
    });

    it('plain strings do not honour backslash escapes', () => {
      assert.deepEqual(texts("select '\\'; select 2", d), ["select '\\'", 'select 2']);
    });

    it("an identifier ending in e before a quote is not an E'' prefix", () => {
      assert.deepEqual(texts("select type'\\'; select 2", d), ["select type'\\'", 'select 2']);
    });

    it("U&'...' strings behave like '' strings", () => {
      assert.deepEqual(texts("select U&'d\\0061t;a', U&'\\'; select 2", d), ["select U&'d\\0061t;a', U&'\\'", 'select 2']);
    });

    it('double-quoted identifiers with "" escape', () => {
      assert.deepEqual(texts('select "a;""b"";" from "t;";select 2', d), ['select "a;""b"";" from "t;"', 'select 2']);
    });

    it('$$ dollar quoting', () => {
      const sql = 'create function f() returns int as $$\nbegin\n  return 1;\nend;\n$$ language plpgsql;\nselect f();';
      const r = split(sql, d);
      assert.deepEqual(r.statements.map((s) => s.text), [
        'create function f() returns int as $$\nbegin\n  return 1;\nend;\n$$ language plpgsql',
        'select f()',
      ]);
      assert.deepEqual(r.statements[0].range.end, P(80, 4, 19));
      assert.deepEqual(r.statements[0].fullRange.end, P(81, 4, 20));
      assert.deepEqual(r.statements[1].range, R(P(82, 5, 0), P(92, 5, 10)));
    });

    it('$tag$ dollar quoting ignores other tags inside', () => {
      const sql = "do $body$ begin perform $$;$$; raise notice 'x;'; end $body$; select 1";
      assert.deepEqual(texts(sql, d), ["do $body$ begin perform $$;$$; raise notice 'x;'; end $body$", 'select 1']);
    });

    it('dollar tags are case-sensitive', () => {
      assert.deepEqual(texts('select $A$ ; $a$ ; $A$; select 2', d), ['select $A$ ; $a$ ; $A$', 'select 2']);
    });

    it('dollar tags may contain digits and non-ASCII letters', () => {
      assert.deepEqual(texts('select $t1é$ ; $t1é$; select 2', d), ['select $t1é$ ; $t1é$', 'select 2']);
    });

    it('$1 is a parameter, not a dollar quote', () => {
      assert.deepEqual(texts('select $1; select $2, $3;', d), ['select $1', 'select $2, $3']);
    });

    it('a tag cannot start with a digit', () => {
      assert.deepEqual(texts('select $1a$; select 2', d), ['select $1a$', 'select 2']);
    });

    it('a $ that continues an identifier does not open a dollar quote', () => {
      assert.deepEqual(texts('select a$$; select b$x$ from t; select 3', d), ['select a$$', 'select b$x$ from t', 'select 3']);
    });

    // What psql 15+ (psqlscan.l) reads in a run of word characters; each case checked against psql
    // itself in test/integration/psql-oracle (test/fixtures/psql-corpus.sql, section 7).
    it('a $$ right after a number, a parameter or a dollar quote opens a dollar quote', () => {
      assert.deepEqual(texts('select $1$$;$$; select 2', d), ['select $1$$;$$', 'select 2']);
      assert.deepEqual(texts('select 1$$;$$; select 2', d), ['select 1$$;$$', 'select 2']);
      assert.deepEqual(texts('select x.1$$;$$ from t; select 2', d), ['select x.1$$;$$ from t', 'select 2']);
      assert.deepEqual(texts('select $a$x$a$$$;$$; select 2', d), ['select $a$x$a$$$;$$', 'select 2']);
    });

    it('a $ after a number that letters continue, or after a name, opens nothing', () => {
      // PostgreSQL 15+ reads `1e5$$`, `1_000$$` and `$1a$$` as one malformed number or parameter.
      for (const word of ['1e5$$', '1_000$$', '$1a$$', '0x1F$$', '1.5e$$', 'é$$', 'a1$$', '_$$']) {
        assert.deepEqual(texts(`select ${word}; select 2`, d), [`select ${word}`, 'select 2'], word);
      }
    });

    it("an E'' string starts wherever a new word may start, not inside a name or a number", () => {
      // E strings: `\'` is an escaped quote, so the ; inside them does not end the statement.
      for (const before of ['$$a$$', '1$', '$1$', '"a"', '1,', ' ']) {
        assert.deepEqual(texts(`select ${before}e'\\';' as x; select 2`, d), [`select ${before}e'\\';' as x`, 'select 2'], before);
      }
      // Not E strings: `\` is an ordinary character, and the ' after it closes the string.
      for (const before of ['a$', '$1', '1', 'type', 'x$E']) {
        assert.deepEqual(texts(`select ${before}e'\\'; select 2`, d), [`select ${before}e'\\'`, 'select 2'], before);
      }
    });

    it('reads a long run of $-joined words in linear time', () => {
      for (const unit of ['a$', '$1', '1$', "x$e''"]) {
        const sql = `select ${unit.repeat(300_000)}; select 2`;
        assert.deepEqual(split(sql, d).statements.length, 2, unit);
      }
    });

    it('nested block comments', () => {
      const sql = '/* a /* b; */ still; comment */ select 1; /* x /* y */ */ select 2;';
      assert.deepEqual(texts(sql, d), ['select 1', 'select 2']);
    });

    it('nested block comment inside a statement is kept whole', () => {
      assert.deepEqual(texts('select /* a /* b */ ; */ 1; select 2', d), ['select /* a /* b */ ; */ 1', 'select 2']);
    });

    it('an unclosed nested comment is reported at its outermost opener', () => {
      const sql = 'select 1;\n  /* a /* b */ select 2;';
      const r = split(sql, d);
      assert.deepEqual(r.statements.map((s) => s.text), ['select 1']);
      assert.equal(r.problems.length, 1);
      assert.equal(r.problems[0].kind, 'unterminated-comment');
      assert.deepEqual(r.problems[0].range, R(P(12, 1, 2), P(14, 1, 4)));
      assert.equal(r.problems[0].message, 'This comment starting at line 2, column 3 is never closed.');
    });

    it('unterminated dollar quote', () => {
      const sql = 'select 1;\ncreate function f() as $fn$ begin; end;';
      const r = split(sql, d);
      assert.deepEqual(r.statements.map((s) => s.text), ['select 1', 'create function f() as $fn$ begin; end;']);
      assert.equal(r.problems.length, 1);
      assert.equal(r.problems[0].kind, 'unterminated-dollar-quote');
      assert.deepEqual(r.problems[0].range, R(P(33, 1, 23), P(37, 1, 27)));
      assert.equal(r.problems[0].message, 'This dollar-quoted string starting at line 2, column 24 is never closed (no closing $fn$).');
    });

    it('unterminated quoted identifier', () => {
      const r = split('select "abc; select 2', d);
      assert.deepEqual(r.statements.map((s) => s.text), ['select "abc; select 2']);
      assert.equal(r.problems[0].kind, 'unterminated-quoted-identifier');
      assert.equal(r.problems[0].message, 'This quoted identifier starting at line 1, column 8 is never closed.');
    });

    it("unterminated E'' string is reported from its E", () => {
      const r = split("select E'it\\'s", d);
      assert.equal(r.problems.length, 1);
      assert.equal(r.problems[0].kind, 'unterminated-string');
      assert.deepEqual(r.problems[0].range, R(P(7, 0, 7), P(9, 0, 9)));
    });

    it('an unterminated string that opens a statement starts it', () => {
      const r = split("select 1;\n'abc", d);
      assert.deepEqual(r.statements.map((s) => s.text), ['select 1', "'abc"]);
      assert.deepEqual(r.statements[1].range, R(P(10, 1, 0), P(14, 1, 4)));
    });

    it('[ is an array subscript, not an identifier', () => {
      assert.deepEqual(texts('select a[1]; select b[2:3]', d), ['select a[1]', 'select b[2:3]']);
    });

    it('// is not a comment', () => {
      assert.deepEqual(texts('select 4 // 2; select 3', d), ['select 4 // 2', 'select 3']);
    });
  });

  describe('tsql', () => {
    const d: SqlDialectId = 'tsql';

    it("N'...' strings", () => {
      assert.deepEqual(texts("select N'a;b', N'it''s;';select 2", d), ["select N'a;b', N'it''s;'", 'select 2']);
    });

    it('backslash is not an escape', () => {
      assert.deepEqual(texts("select 'a\\'; select 2", d), ["select 'a\\'", 'select 2']);
    });

    it('[bracket identifiers] with ]] escape', () => {
      assert.deepEqual(texts('select [a;b]]c;] from [t;];select 2', d), ['select [a;b]]c;] from [t;]', 'select 2']);
    });

    it('"identifiers" with "" escape', () => {
      assert.deepEqual(texts('select "a;""b" from t;select 2', d), ['select "a;""b" from t', 'select 2']);
    });

    it('nested block comments', () => {
      assert.deepEqual(texts('/* a /* b; */ c; */ select 1; select 2', d), ['select 1', 'select 2']);
    });

    it('unterminated bracket identifier', () => {
      const r = split('select 1;\nselect [abc; select 2', d);
      assert.deepEqual(r.statements.map((s) => s.text), ['select 1', 'select [abc; select 2']);
      assert.equal(r.problems.length, 1);
      assert.equal(r.problems[0].kind, 'unterminated-quoted-identifier');
      assert.equal(r.problems[0].message, 'This quoted identifier starting at line 2, column 8 is never closed.');
      assert.deepEqual(r.problems[0].range, R(P(17, 1, 7), P(18, 1, 8)));
    });

    it('GO ends the statement and the batch, with exact ranges', () => {
      const sql = 'select 1\nGO\nselect 2;\nselect 3\ngo\n';
      const r = split(sql, d);
      assert.deepEqual(
        r.statements.map((s) => [s.text, s.batch, s.terminated]),
        [
          ['select 1', 0, true],
          ['select 2', 1, true],
          ['select 3', 1, true],
        ],
      );
      assert.deepEqual(r.statements[0].range, R(P(0, 0, 0), P(8, 0, 8)));
      assert.deepEqual(r.statements[0].fullRange, R(P(0, 0, 0), P(11, 1, 2)));
      assert.deepEqual(r.statements[1].fullRange, R(P(12, 2, 0), P(21, 2, 9)));
      assert.deepEqual(r.statements[2].fullRange, R(P(22, 3, 0), P(33, 4, 2)));
      assert.deepEqual(
        r.batchSeparators?.map((b) => [b.batch, b.count, b.range.start.offset, b.range.end.offset]),
        [
          [0, 1, 9, 11],
          [1, 1, 31, 33],
        ],
      );
    });

    it('GO is case-insensitive and may be indented or followed by spaces', () => {
      const sql = 'select 1\n  gO  \nselect 2\n\tGo\nselect 3';
      assert.deepEqual(
        split(sql, d).statements.map((s) => [s.text, s.batch]),
        [
          ['select 1', 0],
          ['select 2', 1],
          ['select 3', 2],
        ],
      );
    });

    it('GO with a count', () => {
      const sql = 'insert into t default values\nGO 5\nselect 2';
      const r = split(sql, d);
      assert.deepEqual(r.statements.map((s) => [s.text, s.batch]), [
        ['insert into t default values', 0],
        ['select 2', 1],
      ]);
      assert.deepEqual(r.statements[0].fullRange.end, P(33, 1, 4));
      assert.equal(r.batchSeparators?.[0].count, 5);
    });

    it('GO with a trailing -- comment', () => {
      const sql = 'select 1\nGO -- end of batch; really\nselect 2\nGO 2--x';
      const r = split(sql, d);
      assert.deepEqual(r.statements.map((s) => [s.text, s.batch]), [
        ['select 1', 0],
        ['select 2', 1],
      ]);
      assert.deepEqual(r.statements[0].fullRange.end, P(35, 1, 26));
      assert.deepEqual(r.statements[1].fullRange.end, P(sql.length, 3, 7));
      assert.deepEqual(r.batchSeparators?.map((b) => b.count), [1, 2]);
    });

    it('GO after a ; only ends the batch', () => {
      const sql = 'select 1;\nGO\nselect 2;';
      const r = split(sql, d);
      assert.deepEqual(r.statements.map((s) => [s.text, s.batch]), [
        ['select 1', 0],
        ['select 2', 1],
      ]);
      assert.deepEqual(r.statements[0].fullRange.end, P(9, 0, 9));
    });

    it('; separates statements within a batch', () => {
      assert.deepEqual(
        split('select 1; select 2\nGO\nselect 3; select 4', d).statements.map((s) => [s.text, s.batch]),
        [
          ['select 1', 0],
          ['select 2', 0],
          ['select 3', 1],
          ['select 4', 1],
        ],
      );
    });

    it('GO on the first line and repeated GO lines count as batches', () => {
      const r = split('GO\ngo\nselect 1\nGO\nGO', d);
      assert.deepEqual(r.statements.map((s) => [s.text, s.batch]), [['select 1', 2]]);
      assert.equal(r.batchSeparators?.length, 4);
    });

    it('GO inside a string is not a separator', () => {
      assert.deepEqual(texts("select 'a\nGO\nb'\nGO\nselect 2", d), ["select 'a\nGO\nb'", 'select 2']);
    });

    it('GO inside a block comment is not a separator', () => {
      const r = split('select 1 /*\nGO\n*/ + 1\nGO\nselect 2', d);
      assert.deepEqual(r.statements.map((s) => [s.text, s.batch]), [
        ['select 1 /*\nGO\n*/ + 1', 0],
        ['select 2', 1],
      ]);
    });

    it('GO as part of a longer line is not a separator', () => {
      const sql = 'select go from t\nGOTO label\nGO5\nselect 1 GO\n  go x\nGO;';
      assert.deepEqual(texts(sql, d), ['select go from t\nGOTO label\nGO5\nselect 1 GO\n  go x\nGO']);
    });

    it('GO after a line comment line is a separator', () => {
      assert.deepEqual(texts('select 1 -- note\nGO\nselect 2', d), ['select 1 -- note', 'select 2']);
    });

    it('GO with CRLF line ends', () => {
      const sql = 'select 1\r\nGO\r\nselect 2\r\n';
      const r = split(sql, d);
      assert.deepEqual(r.statements.map((s) => [s.text, s.batch]), [
        ['select 1', 0],
        ['select 2', 1],
      ]);
      assert.deepEqual(r.statements[0].fullRange.end, P(12, 1, 2));
      assert.deepEqual(r.statements[1].range, R(P(14, 2, 0), P(22, 2, 8)));
    });

    it('GO with lone CR line ends', () => {
      const r = split('select 1\rGO\rselect 2', d);
      assert.deepEqual(r.statements.map((s) => [s.text, s.batch]), [
        ['select 1', 0],
        ['select 2', 1],
      ]);
      assert.deepEqual(r.statements[1].range.start, P(12, 2, 0));
    });

    it('a cursor on a GO line belongs to the statement it ends', () => {
      const sql = 'select 1\n  GO  \n\nselect 2;\nGO';
      const r = split(sql, d);
      assert.equal(statementAt(r, 10)?.text, 'select 1');
      assert.equal(statementAt(r, 15)?.text, 'select 1');
      assert.equal(statementAt(r, 16), undefined);
      assert.equal(statementAt(r, sql.length), undefined);
    });

    it('other dialects have no GO and no batch', () => {
      const r = split('select 1\nGO\nselect 2', 'postgres');
      assert.deepEqual(r.statements.map((s) => s.text), ['select 1\nGO\nselect 2']);
      assert.equal(r.batchSeparators, undefined);
    });
  });

  describe('snowflake', () => {
    const d: SqlDialectId = 'snowflake';

    it("backslash escapes in '...'", () => {
      assert.deepEqual(texts("select 'it\\'s; x'; select 2", d), ["select 'it\\'s; x'", 'select 2']);
    });

    it("'' escapes in '...'", () => {
      assert.deepEqual(texts("select 'it''s; x'; select 2", d), ["select 'it''s; x'", 'select 2']);
    });

    it('an escaped backslash before the closing quote', () => {
      assert.deepEqual(texts("select 'a\\\\'; select 2", d), ["select 'a\\\\'", 'select 2']);
    });

    it('"identifiers"', () => {
      assert.deepEqual(texts('select "a;b""c" from "T";select 2', d), ['select "a;b""c" from "T"', 'select 2']);
    });

    it('$$ bodies', () => {
      const sql = "create procedure p() returns string language javascript as $$\n  var x = 'a;'; return x;\n$$;\ncall p();";
      assert.deepEqual(texts(sql, d), [
        "create procedure p() returns string language javascript as $$\n  var x = 'a;'; return x;\n$$",
        'call p()',
      ]);
    });

    it('a quote inside $$ does not open a string', () => {
      assert.deepEqual(texts("select $$it's;$$; select 2", d), ["select $$it's;$$", 'select 2']);
    });

    it('$tag$ is not a dollar quote', () => {
      assert.deepEqual(texts('select $a$; select 2', d), ['select $a$', 'select 2']);
    });

    it('$1 column references', () => {
      assert.deepEqual(texts('select $1, $2 from @stage; select 2', d), ['select $1, $2 from @stage', 'select 2']);
    });

    it('// line comments', () => {
      assert.deepEqual(texts('select 1 // not; here\n, 2; // only; a comment\nselect 3', d), ['select 1 // not; here\n, 2', 'select 3']);
    });

    it('block comments do not nest', () => {
      assert.deepEqual(texts('/* a /* b */ select 1; */ select 2', d), ['select 1', '*/ select 2']);
    });

    it('unterminated $$ body', () => {
      const r = split('select 1;\nselect $$abc;', d);
      assert.deepEqual(r.statements.map((s) => s.text), ['select 1', 'select $$abc;']);
      assert.equal(r.problems.length, 1);
      assert.equal(r.problems[0].kind, 'unterminated-dollar-quote');
      assert.deepEqual(r.problems[0].range, R(P(17, 1, 7), P(19, 1, 9)));
    });

    it('unterminated string ending in a backslash', () => {
      const r = split("select 'abc\\", d);
      assert.equal(r.statements.length, 1);
      assert.equal(r.statements[0].text, "select 'abc\\");
      assert.equal(r.problems[0].kind, 'unterminated-string');
    });

    it('a backslash before a line break still counts the line', () => {
      const sql = "select 'a\\\nb';\nselect 2";
      const r = split(sql, d);
      assert.deepEqual(r.statements.map((s) => s.text), ["select 'a\\\nb'", 'select 2']);
      assert.deepEqual(r.statements[1].range.start, P(15, 2, 0));
    });

    it('a backslash before CRLF still counts one line', () => {
      const sql = "select 'a\\\r\nb';\r\nselect 2";
      const r = split(sql, d);
      assert.deepEqual(r.statements[0].range.end, P(14, 1, 2));
      assert.deepEqual(r.statements[1].range.start, P(17, 2, 0));
    });
  });

  describe('trino', () => {
    const d: SqlDialectId = 'trino';

    it("'' escapes; backslash is not an escape", () => {
      assert.deepEqual(texts("select 'it''s;', 'a\\'; select 2", d), ["select 'it''s;', 'a\\'", 'select 2']);
    });

    it('"identifiers" with "" escape', () => {
      assert.deepEqual(texts('select "a;""b" from "c"."t;";select 2', d), ['select "a;""b" from "c"."t;"', 'select 2']);
    });

    it('block comments do not nest', () => {
      assert.deepEqual(texts('/* a /* b */ select 1; */ select 2;', d), ['select 1', '*/ select 2']);
    });

    it('$$ is not special', () => {
      assert.deepEqual(texts('select $$; select 2 $$', d), ['select $$', 'select 2 $$']);
    });

    it('// is not a comment', () => {
      assert.deepEqual(texts('select 1 // 2; select 3', d), ['select 1 // 2', 'select 3']);
    });

    it('[ and ` are not quotes', () => {
      assert.deepEqual(texts('select a[1]; select `x; select 3', d), ['select a[1]', 'select `x', 'select 3']);
    });

    it('unterminated quoted identifier', () => {
      const r = split('select 1;\n\n  select "x;\nselect 2', d);
      assert.deepEqual(r.statements.map((s) => s.text), ['select 1', 'select "x;\nselect 2']);
      assert.equal(r.problems[0].kind, 'unterminated-quoted-identifier');
      assert.deepEqual(r.problems[0].range, R(P(20, 2, 9), P(21, 2, 10)));
      assert.equal(r.problems[0].message, 'This quoted identifier starting at line 3, column 10 is never closed.');
    });
  });

  describe('spark', () => {
    const d: SqlDialectId = 'spark';

    it("'...' with backslash escapes", () => {
      assert.deepEqual(texts("select 'it\\'s; x'; select 2", d), ["select 'it\\'s; x'", 'select 2']);
    });

    it('"..." is a string with backslash escapes', () => {
      assert.deepEqual(texts('select "say \\"hi\\"; ok"; select 2', d), ['select "say \\"hi\\"; ok"', 'select 2']);
    });

    it('an unterminated "..." is reported as a string', () => {
      const r = split('select "abc;', d);
      assert.equal(r.problems.length, 1);
      assert.equal(r.problems[0].kind, 'unterminated-string');
      assert.equal(r.problems[0].message, 'This string starting at line 1, column 8 is never closed.');
    });

    it('`backtick identifiers` with `` escape', () => {
      assert.deepEqual(texts('select `a;``b` from `db`.`t;`; select 2', d), ['select `a;``b` from `db`.`t;`', 'select 2']);
    });

    it('unterminated backtick identifier', () => {
      const r = split('select 1; select `abc; select 2', d);
      assert.deepEqual(r.statements.map((s) => s.text), ['select 1', 'select `abc; select 2']);
      assert.equal(r.problems[0].kind, 'unterminated-quoted-identifier');
      assert.deepEqual(r.problems[0].range, R(P(17, 0, 17), P(18, 0, 18)));
    });

    it('nested block comments', () => {
      assert.deepEqual(texts('/* a /* b; */ c; */ select 1; select 2', d), ['select 1', 'select 2']);
    });

    it('[ and $$ are not special', () => {
      assert.deepEqual(texts('select arr[0]; select $$; select 3', d), ['select arr[0]', 'select $$', 'select 3']);
    });
  });

  describe('line ends', () => {
    it('CRLF: exact lines and characters', () => {
      const sql = 'select 1;\r\n\r\n  select\r\n  2;\r\nselect 3';
      const r = split(sql, 'postgres');
      assert.deepEqual(r.statements.map((s) => s.text), ['select 1', 'select\r\n  2', 'select 3']);
      assert.deepEqual(r.statements[1].range, R(P(15, 2, 2), P(26, 3, 3)));
      assert.deepEqual(r.statements[1].fullRange.end, P(27, 3, 4));
      assert.deepEqual(r.statements[2].range, R(P(29, 4, 0), P(37, 4, 8)));
    });

    it('lone CR: exact lines and characters', () => {
      const sql = 'select 1;\r\rselect\r 2;\rselect 3';
      const r = split(sql, 'trino');
      assert.deepEqual(r.statements.map((s) => s.text), ['select 1', 'select\r 2', 'select 3']);
      assert.deepEqual(r.statements[1].range, R(P(11, 2, 0), P(20, 3, 2)));
      assert.deepEqual(r.statements[2].range, R(P(22, 4, 0), P(30, 4, 8)));
    });

    it('mixed LF, CR and CRLF', () => {
      const sql = 'a;\nb;\rc;\r\nd;\n\re';
      const r = split(sql, 'spark');
      assert.deepEqual(
        r.statements.map((s) => [s.text, s.range.start.line, s.range.start.character, s.range.start.offset]),
        [
          ['a', 0, 0, 0],
          ['b', 1, 0, 3],
          ['c', 2, 0, 6],
          ['d', 3, 0, 10],
          ['e', 5, 0, 14],
        ],
      );
    });

    it('line breaks inside strings, identifiers and comments are counted', () => {
      const sql = "select 'a\r\nb', \"c\rd\" /* e\nf\r\ng */ -- h\r\n;select 2";
      const r = split(sql, 'postgres');
      assert.equal(r.statements.length, 2);
      assert.deepEqual(r.statements[0].range.end, P(38, 4, 9));
      assert.deepEqual(r.statements[0].fullRange.end, P(41, 5, 1));
      assert.deepEqual(r.statements[1].range, R(P(41, 5, 1), P(49, 5, 9)));
    });

    it('line breaks inside dollar quotes and bracket identifiers are counted', () => {
      const pg = split('select $x$\r\n;\r$x$;\nselect 2', 'postgres');
      assert.deepEqual(pg.statements[1].range.start, P(19, 3, 0));
      const ts = split('select [a\r\nb\rc];\nselect 2', 'tsql');
      assert.deepEqual(ts.statements[1].range.start, P(17, 3, 0));
    });

    it('a problem after CRLF lines is reported at the right line', () => {
      const r = split("select 1;\r\nselect 2;\r\n  select 'x", 'trino');
      assert.deepEqual(r.problems[0].range.start, P(31, 2, 9));
      assert.equal(r.problems[0].message, 'This string starting at line 3, column 10 is never closed.');
    });
  });

  describe('unicode', () => {
    it('astral characters before a statement shift UTF-16 offsets by two', () => {
      const sql = '/* 𝔘𝔫𝔦 */ select "𝔠𝔬𝔩";\nselect 1';
      const r = split(sql, 'postgres');
      assert.deepEqual(r.statements.map((s) => s.text), ['select "𝔠𝔬𝔩"', 'select 1']);
      assert.deepEqual(r.statements[0].range, R(P(13, 0, 13), P(28, 0, 28)));
      assert.deepEqual(r.statements[1].range.start, P(30, 1, 0));
    });

    it('non-ASCII letters in identifiers and strings', () => {
      assert.deepEqual(texts("select Ünïcødé, 'ça;va' from tàble; select 2", 'snowflake'), ["select Ünïcødé, 'ça;va' from tàble", 'select 2']);
    });

    it('an emoji right before a ;', () => {
      const r = split('select 1 + 😀;select 2', 'trino');
      assert.deepEqual(r.statements[0].fullRange.end, P(14, 0, 14));
      assert.deepEqual(r.statements[1].range.start, P(14, 0, 14));
    });

    it('an astral character right before a dollar quote does not continue an identifier check wrongly', () => {
      assert.deepEqual(texts('select 😀 $$;$$; select 2', 'postgres'), ['select 😀 $$;$$', 'select 2']);
    });
  });

  describe('statementAt (cursor)', () => {
    const sql = 'select 1;\n\n  select 2;   -- note\nselect\n  3';
    // offsets:  select 1 is 0-8 (; at 8), blank lines 9-12, select 2 is 13-20 (; at 21),
    // spaces 22-24, the comment 25-31, line break 32, select 3 is 33-42.
    const r = splitStatements(sql, 'postgres');

    it('at the start of a statement', () => {
      assert.equal(statementAt(r, 0)?.text, 'select 1');
      assert.equal(statementAt(r, 13)?.text, 'select 2');
    });

    it('in the middle of a statement', () => {
      assert.equal(statementAt(r, 4)?.text, 'select 1');
      assert.equal(statementAt(r, 38)?.text, 'select\n  3');
    });

    it('on the ; and right after it', () => {
      assert.equal(statementAt(r, 8)?.text, 'select 1');
      assert.equal(statementAt(r, 9)?.text, 'select 1');
      assert.equal(statementAt(r, 21)?.text, 'select 2');
      assert.equal(statementAt(r, 22)?.text, 'select 2');
    });

    it('in blank lines between statements: none', () => {
      assert.equal(statementAt(r, 10), undefined);
      assert.equal(statementAt(r, 11), undefined);
      assert.equal(statementAt(r, 12), undefined);
    });

    it('after spaces following a ;: none', () => {
      assert.equal(statementAt(r, 23), undefined);
      assert.equal(statementAt(r, 24), undefined);
    });

    it('on a trailing comment after a ;: none', () => {
      assert.equal(statementAt(r, 25), undefined);
      assert.equal(statementAt(r, 28), undefined);
      assert.equal(statementAt(r, 32), undefined);
      assert.equal(statementAt(r, 33)?.text, 'select\n  3');
    });

    it('at the end of the document without ;', () => {
      assert.equal(statementAt(r, sql.length)?.text, 'select\n  3');
    });

    it('at the end of the document after trailing whitespace: none', () => {
      const t = splitStatements('select 1;\n', 'postgres');
      assert.equal(statementAt(t, 10), undefined);
      const u = splitStatements('select 1  \n', 'postgres');
      assert.equal(statementAt(u, 8)?.text, 'select 1');
      assert.equal(statementAt(u, 9), undefined);
    });

    it('before the first statement, out of range, or in an empty result: none', () => {
      const t = splitStatements('  -- head\n  select 1;', 'postgres');
      assert.equal(statementAt(t, 0), undefined);
      assert.equal(statementAt(t, 5), undefined);
      assert.equal(statementAt(t, 12)?.text, 'select 1');
      assert.equal(statementAt(t, -1), undefined);
      assert.equal(statementAt(t, 1000), undefined);
      assert.equal(statementAt(splitStatements('', 'tsql'), 0), undefined);
    });

    it('between adjacent statements: the one that starts there', () => {
      const t = splitStatements('select 1;select 2;', 'postgres');
      assert.equal(statementAt(t, 9)?.text, 'select 2');
      assert.equal(statementAt(t, 8)?.text, 'select 1');
      assert.equal(statementAt(t, 18)?.text, 'select 2');
    });

    it('works on a large result (binary search)', () => {
      const parts: string[] = [];
      for (let i = 0; i < 2000; i++) parts.push(`select ${i};`);
      const big = parts.join('\n');
      const t = splitStatements(big, 'trino');
      assert.equal(t.statements.length, 2000);
      for (const i of [0, 1, 999, 1500, 1999]) {
        const s = t.statements[i];
        assert.equal(statementAt(t, s.range.start.offset + 2), s);
        assert.equal(statementAt(t, s.fullRange.end.offset), s);
      }
    });
  });

  describe('statementsInRange (selection)', () => {
    const sql = 'select 1;\nselect 2;\n\nselect 3;\nselect 4';
    //           0         10        20 21        31
    const r = splitStatements(sql, 'postgres');
    const textsIn = (a: number, b: number): string[] => statementsInRange(r, a, b).map((s) => s.text);

    it('a selection inside one statement', () => {
      assert.deepEqual(textsIn(12, 15), ['select 2']);
    });

    it('a selection across statements', () => {
      assert.deepEqual(textsIn(3, 25), ['select 1', 'select 2', 'select 3']);
    });

    it('the whole document', () => {
      assert.deepEqual(textsIn(0, sql.length), ['select 1', 'select 2', 'select 3', 'select 4']);
    });

    it('a selection of only whitespace between statements', () => {
      assert.deepEqual(textsIn(19, 21), []);
    });

    it('a selection starting right after a ; leaves that statement out', () => {
      assert.deepEqual(textsIn(9, 15), ['select 2']);
    });

    it('a selection ending where a statement starts leaves it out', () => {
      assert.deepEqual(textsIn(0, 10), ['select 1']);
    });

    it('a reversed selection is normalised', () => {
      assert.deepEqual(textsIn(25, 3), ['select 1', 'select 2', 'select 3']);
    });

    it('an empty selection is a cursor', () => {
      assert.deepEqual(textsIn(9, 9), ['select 1']);
      assert.deepEqual(textsIn(20, 20), []);
      assert.deepEqual(textsIn(sql.length, sql.length), ['select 4']);
    });

    it('a selection of just the ;', () => {
      assert.deepEqual(textsIn(18, 19), ['select 2']);
    });
  });

  describe('robustness and speed', () => {
    const MB = 1024 * 1024;

    it('a 1 MB unterminated string finishes quickly', () => {
      const sql = "select 1; select '" + 'x;'.repeat(MB / 2);
      let r: SplitResult | undefined;
      const ms = timed(() => (r = splitStatements(sql, 'postgres')));
      assert.ok(ms < 1000, `${ms} ms`);
      assert.equal(r?.statements.length, 2);
      assert.equal(r?.statements[1].range.end.offset, sql.length);
      assert.equal(r?.problems[0].kind, 'unterminated-string');
    });

    it('a 1 MB unterminated quoted identifier finishes quickly', () => {
      const lines = Math.floor(MB / 3);
      const sql = 'select [' + 'a;\n'.repeat(lines);
      let r: SplitResult | undefined;
      const ms = timed(() => (r = splitStatements(sql, 'tsql')));
      assert.ok(ms < 1000, `${ms} ms`);
      assert.equal(r?.statements.length, 1);
      assert.equal(r?.statements[0].range.end.line, lines);
      assert.equal(r?.problems[0].kind, 'unterminated-quoted-identifier');
    });

    it('a 1 MB unterminated comment made of nested openers finishes quickly', () => {
      const sql = 'select 1 ' + '/*'.repeat(MB / 2);
      let r: SplitResult | undefined;
      const ms = timed(() => (r = splitStatements(sql, 'spark')));
      assert.ok(ms < 1000, `${ms} ms`);
      assert.equal(r?.statements.length, 1);
      assert.equal(r?.problems.length, 1);
      assert.deepEqual(r?.problems[0].range.start, P(9, 0, 9));
    });

    it('a 1 MB unterminated dollar quote full of near-miss tags finishes quickly', () => {
      const sql = 'select $tag$ ' + '$ta$ $tag '.repeat(MB / 10);
      let r: SplitResult | undefined;
      const ms = timed(() => (r = splitStatements(sql, 'postgres')));
      assert.ok(ms < 1000, `${ms} ms`);
      assert.equal(r?.problems[0].kind, 'unterminated-dollar-quote');
    });

    it('1 MB of $ and quote pairs and would-be GO lines stays linear', () => {
      for (const [sql, dialect] of [
        ['$a '.repeat(MB / 3), 'postgres'],
        ["''".repeat(MB / 2), 'snowflake'],
        ['   G\n'.repeat(MB / 5), 'tsql'],
      ] as const) {
        const ms = timed(() => splitStatements(sql, dialect));
        assert.ok(ms < 1000, `${dialect}: ${ms} ms`);
      }
    });

    it('random inputs keep every invariant in every dialect', () => {
      const alphabet = ["'", '"', ';', '-', '/', '*', '$', 'a', 'E', ' ', '\n', '\r', '[', ']', '`', '\\', 'G', 'O', '1', '😀'];
      let seed = 12345;
      const next = (): number => {
        seed = (seed * 1103515245 + 12345) >>> 0;
        return seed >>> 8;
      };
      for (let round = 0; round < 400; round++) {
        let sql = '';
        const len = next() % 60;
        for (let i = 0; i < len; i++) sql += alphabet[next() % alphabet.length];
        for (const dialect of DIALECTS) {
          const r = split(sql, dialect);
          for (let offset = 0; offset <= sql.length; offset++) {
            const s = statementAt(r, offset);
            if (s !== undefined) assert.ok(s.fullRange.start.offset <= offset && offset <= s.fullRange.end.offset);
            else assert.ok(r.statements.every((t) => offset < t.fullRange.start.offset || offset > t.fullRange.end.offset));
            const to = offset + (next() % 20) + 1;
            assert.deepEqual(
              statementsInRange(r, offset, to),
              r.statements.filter((t) => t.fullRange.start.offset < to && t.fullRange.end.offset > offset),
            );
          }
        }
      }
    });

    it('unknown dialects are rejected', () => {
      assert.throws(() => splitStatements('select 1', 'mysql' as SqlDialectId), /Unknown SQL dialect/);
    });
  });

  describe('LineIndex', () => {
    it('matches the splitter line rules', () => {
      const text = 'a\r\nb\rc\nd😀e';
      const index = new LineIndex(text);
      assert.equal(index.lineCount, 4);
      for (let offset = 0; offset <= text.length; offset++) {
        if (text[offset - 1] === '\r' && text[offset] === '\n') continue;
        assert.deepEqual(index.positionAt(offset), refPosition(text, offset), `offset ${offset}`);
      }
      assert.equal(index.offsetAt(3, 2), 9);
      assert.equal(index.offsetAt(9, 0), text.length);
    });
  });
});
