import * as assert from 'node:assert/strict';
import type { SqlDialectId } from '../../src/sql/dialects';
import { lexSql } from '../../src/sql/lexer';

/** `kind:text` of each token that is not blank space. */
function tokens(text: string, dialect: SqlDialectId): string[] {
  return lexSql(text, dialect)
    .filter((token) => token.kind !== 'blank' && token.kind !== 'line-break')
    .map((token) => `${token.kind}${token.closed ? '' : '(unclosed)'}:${text.slice(token.start, token.end)}`);
}

describe('SQL lexer: tokens for "inside a string or a comment" questions', () => {
  it('reads each dialect\u2019s strings, quoted names and comments', () => {
    assert.deepEqual(tokens("CALL p(E'it\\'s', $q$a'b$q$) -- {user}", 'postgres'), ['code:CALL', 'code:p(', "string:E'it\\'s'", 'code:,', "dollar-string:$q$a'b$q$", 'code:)', 'line-comment:-- {user}']);
    assert.deepEqual(tokens("EXEC p N'x', [a]]b], \"c\" /* /* nested */ */", 'tsql'), ['code:EXEC', 'code:p', 'code:N', "string:'x'", 'code:,', 'quoted-identifier:[a]]b]', 'code:,', 'quoted-identifier:"c"', 'block-comment:/* /* nested */ */']);
    assert.deepEqual(tokens("SET V = 'a\\'b' // note", 'snowflake'), ['code:SET', 'code:V', 'code:=', "string:'a\\'b'", 'line-comment:// note']);
    assert.deepEqual(tokens('SET k = `a``b`; SELECT "s\\"t"', 'spark'), ['code:SET', 'code:k', 'code:=', 'quoted-identifier:`a``b`', 'semicolon:;', 'code:SELECT', 'string:"s\\"t"']);
    assert.deepEqual(tokens("SELECT 'it''s' // not a comment", 'trino'), ['code:SELECT', "string:'it''s'", 'code:/', 'code:/', 'code:not', 'code:a', 'code:comment']);
  });

  it('covers the text end to end without overlapping, the E of E\u2019\u2026\u2019 in the string', () => {
    for (const [text, dialect] of [
      ["SELECT E'x', e'y'", 'postgres'],
      ["a;b'c'\r\n\"d\"--e\n/*f*/$$g$$", 'snowflake'],
      ['[x', 'tsql'],
    ] as const) {
      let at = 0;
      for (const token of lexSql(text, dialect)) {
        assert.equal(token.start, at, `${JSON.stringify(text)}: a gap or overlap at ${at}`);
        assert.ok(token.end > token.start);
        at = token.end;
      }
      assert.equal(at, text.length);
    }
    assert.deepEqual(tokens("SELECT E'x'", 'postgres'), ['code:SELECT', "string:E'x'"]);
  });

  it('postgres: a dollar quote or an E string starts where psql starts a new word', () => {
    assert.deepEqual(tokens("SELECT $1$$;$$, $$a$$e'\\'', a$e'x'", 'postgres'), [
      'code:SELECT',
      'code:$1',
      'dollar-string:$$;$$',
      'code:,',
      'dollar-string:$$a$$',
      "string:e'\\''",
      'code:,',
      'code:a',
      'code:$e',
      "string:'x'",
    ]);
  });

  it('marks what is never closed', () => {
    assert.deepEqual(tokens("CALL p('{user})", 'postgres'), ['code:CALL', 'code:p(', "string(unclosed):'{user})"]);
    assert.deepEqual(tokens('x /* y', 'trino'), ['code:x', 'block-comment(unclosed):/* y']);
    assert.deepEqual(tokens('$$ y', 'snowflake'), ['dollar-string(unclosed):$$ y']);
  });
});
