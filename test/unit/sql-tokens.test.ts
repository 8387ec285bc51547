import assert from 'node:assert/strict';
import type { SqlDialectId } from '../../src/sql/dialects';
import { splitStatements } from '../../src/sql/splitter';
import { sqlTokens } from '../../src/sql/tokens';

const DIALECTS: readonly SqlDialectId[] = ['postgres', 'tsql', 'snowflake', 'trino', 'spark'];

function kinds(text: string, dialect: SqlDialectId): string[] {
  return sqlTokens(text, dialect)
    .filter((token) => token.kind !== 'space')
    .map((token) => `${token.kind}:${text.slice(token.start, token.end)}`);
}

/** Pieces that make strings, comments and quotes of every dialect; each has a `;` somewhere tempting. */
const PIECES: readonly string[] = [
  'select 1',
  ';',
  " 'a;b' ",
  " 'it''s;' ",
  " E'x\\';y' ",
  " 'back\\';slash' ",
  ' "id;x" ',
  ' "str\\";s" ',
  ' [br;]]x] ',
  ' `bt;``x` ',
  ' -- c;omment\n',
  ' // sl;ash\n',
  ' /* b; /* n; */ x; */ ',
  ' $$d;o$$ ',
  ' $t$ $$ ; $t$ ',
  ' $1 ',
  ' a$b ',
  ' e ',
  ' \r\n ',
  " N'n;' ",
  ' x ',
];

/** A deterministic pseudo-random sequence (xorshift), so a failure can be replayed. */
function* pseudoRandom(seed: number): Generator<number> {
  let x = seed;
  for (;;) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    yield (x >>> 0) / 4294967296;
  }
}

describe('sql tokens', () => {
  it('covers every character exactly once, in order', () => {
    const random = pseudoRandom(7);
    for (const dialect of DIALECTS) {
      for (let round = 0; round < 200; round++) {
        const text = Array.from({ length: 12 }, () => PIECES[Math.floor(random.next().value * PIECES.length)]).join('');
        const tokens = sqlTokens(text, dialect);
        let at = 0;
        for (const token of tokens) {
          assert.equal(token.start, at, `${dialect}: ${JSON.stringify(text)}`);
          assert.ok(token.end > token.start);
          at = token.end;
        }
        assert.equal(at, text.length);
      }
    }
  });

  it('agrees with the statement splitter on which ; end a statement (so both read strings and comments alike)', () => {
    const random = pseudoRandom(11);
    for (const dialect of DIALECTS) {
      for (let round = 0; round < 300; round++) {
        const text = Array.from({ length: 10 }, () => PIECES[Math.floor(random.next().value * PIECES.length)]).join('');
        // A `;` ends a statement when some code came since the previous `;` (the splitter drops empty ones).
        const ends: number[] = [];
        let code = false;
        for (const token of sqlTokens(text, dialect)) {
          if (token.kind === 'symbol' && text[token.start] === ';') {
            if (code) ends.push(token.start);
            code = false;
          } else if (token.kind !== 'space' && token.kind !== 'line-comment' && token.kind !== 'block-comment') {
            code = true;
          }
        }
        const fromSplitter = splitStatements(text, dialect)
          .statements.filter((statement) => statement.terminated)
          .map((statement) => statement.fullEndOffset - 1);
        assert.deepEqual(ends, fromSplitter, `${dialect}: ${JSON.stringify(text)}`);
      }
    }
  });

  it('reads each dialect\u2019s quotes, comments and dollar quotes', () => {
    assert.deepEqual(kinds(`a 'x''y' "q" -- c`, 'postgres'), ['word:a', "string:'x''y'", 'quoted-identifier:"q"', 'line-comment:-- c']);
    assert.deepEqual(kinds(`E'a\\'b' x`, 'postgres'), ["string:E'a\\'b'", 'word:x']);
    assert.deepEqual(kinds(`'a\\' x`, 'postgres'), ["string:'a\\'", 'word:x']);
    assert.deepEqual(kinds(`'a\\'b' x`, 'snowflake'), ["string:'a\\'b'", 'word:x']);
    assert.deepEqual(kinds(`$tag$ a $$ b $tag$ $1`, 'postgres'), ['string:$tag$ a $$ b $tag$', 'word:$1']);
    assert.deepEqual(kinds(`$$ a $$ // c`, 'snowflake'), ['string:$$ a $$', 'line-comment:// c']);
    assert.deepEqual(kinds(`[a]]b] N'x'`, 'tsql'), ['quoted-identifier:[a]]b]', 'word:N', "string:'x'"]);
    assert.deepEqual(kinds('"s\\"t" `b`', 'spark'), ['string:"s\\"t"', 'quoted-identifier:`b`']);
    assert.deepEqual(kinds('/* a /* b */ c */ d', 'postgres'), ['block-comment:/* a /* b */ c */', 'word:d']);
    assert.deepEqual(kinds('/* a /* b */ c */ d', 'trino'), ['block-comment:/* a /* b */', 'word:c', 'symbol:*', 'symbol:/', 'word:d']);
  });

  it('gives the body of strings and comments, to the end of the text when never closed', () => {
    const text = "x 'abc";
    const string = sqlTokens(text, 'trino')[2];
    assert.equal(string.closed, false);
    assert.equal(text.slice(string.bodyStart, string.bodyEnd), 'abc');
    const comment = sqlTokens('/* open', 'trino')[0];
    assert.equal(comment.kind, 'block-comment');
    assert.equal(comment.closed, false);
    assert.equal('/* open'.slice(comment.bodyStart, comment.bodyEnd), ' open');
  });
});
