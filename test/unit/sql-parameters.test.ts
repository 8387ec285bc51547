import assert from 'node:assert/strict';
import type { SqlDialectId } from '../../src/sql/dialects';
import { findParameters, parameterNames } from '../../src/sql/parameters';
import { isSecretParameterName, redactParameterValues } from '../../src/sql/parameter-secrets';

const ALL: readonly SqlDialectId[] = ['postgres', 'tsql', 'snowflake', 'trino', 'spark'];

/** The placeholders found, as written in the text (so offsets and lengths are checked too). */
function found(text: string, dialect: SqlDialectId): string[] {
  return findParameters(text, dialect).map((use) => {
    const written = text.slice(use.offset, use.offset + use.length);
    assert.ok(written === `:${use.name}` || written === `\${${use.name}}`, `use ${JSON.stringify(use)} points at ${written}`);
    return written;
  });
}

describe('query parameters: finding :name and ${name} with the lexer', () => {
  for (const dialect of ALL) {
    describe(dialect, () => {
      it('finds :name and ${name} in code, in text order, repeats included', () => {
        assert.deepEqual(found('SELECT * FROM t WHERE region = :region AND d > ${start_date} OR r2 = :region', dialect), [':region', '${start_date}', ':region']);
        assert.deepEqual(parameterNames(findParameters('SELECT :b, :a, :b', dialect)), ['b', 'a']);
      });

      it('finds one after an operator, a comma, an opening parenthesis or at the start of a line', () => {
        assert.deepEqual(found('SELECT f(:a,:b), 1+:c, -:d\n:e', dialect), [':a', ':b', ':c', ':d', ':e']);
      });

      it('leaves strings and comments alone', () => {
        assert.deepEqual(found("SELECT ':a', 'x ${b}' -- :c\n/* :d ${e} */ FROM t", dialect), []);
      });

      it('leaves `::` casts, `:=`, slices and paths alone', () => {
        assert.deepEqual(found('SELECT a::text, b := 1, c[1:2], c[:n], v:field, f(x):y, "q":z', dialect), []);
      });

      it('leaves a name that starts with a digit, or a lone colon, alone', () => {
        assert.deepEqual(found('SELECT :1, : a, :', dialect), []);
      });

      it('ignores ${name} glued to a word or missing its brace', () => {
        assert.deepEqual(found('SELECT a${b}, ${c, ${}', dialect), []);
      });
    });
  }

  it('postgres: dollar bodies and $1 are not parameters', () => {
    assert.deepEqual(found('SELECT $1, $$ :a ${b} $$, $tag$ :c $tag$ WHERE x = :d', 'postgres'), [':d']);
    assert.deepEqual(found("SELECT E'it\\'s :a' || :b", 'postgres'), [':b']);
  });

  it('postgres: a SQL-standard routine body keeps its own names', () => {
    assert.deepEqual(found('CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT :x; END', 'postgres'), []);
  });

  it('tsql: @variables are never parameters; [quoted] identifiers are not looked into; :: scope is left alone', () => {
    assert.deepEqual(found('DECLARE @r nvarchar(10) = :region; SELECT [a:b], @r, :c FROM t', 'tsql'), [':region', ':c']);
    assert.deepEqual(found('GRANT SELECT ON SCHEMA::sales TO u', 'tsql'), []);
  });

  it('tsql: nothing inside BEGIN ... END; after the block the next statement finds its own', () => {
    assert.deepEqual(found('BEGIN SELECT :a; END; SELECT :b', 'tsql'), [':b']);
  });

  it('snowflake: scripting variables inside BEGIN ... END and DECLARE are left alone', () => {
    const script = 'DECLARE n INT DEFAULT :x; BEGIN SELECT COUNT(*) INTO :n FROM t WHERE r = :r; RETURN :n; END';
    assert.deepEqual(found(script, 'snowflake'), []);
    assert.deepEqual(found(`${script};\nSELECT :region`, 'snowflake'), [':region']);
    assert.deepEqual(found('EXECUTE IMMEDIATE $$ SELECT :a $$', 'snowflake'), []);
    assert.deepEqual(found('SELECT src:customer.name, src:"a b" FROM t WHERE id = :id', 'snowflake'), [':id']);
  });

  it('snowflake: BEGIN TRANSACTION is not a block', () => {
    assert.deepEqual(found('BEGIN TRANSACTION; UPDATE t SET x = :x', 'snowflake'), [':x']);
  });

  it('spark: `quoted` identifiers, "strings" and labels are left alone; compound statements keep their names', () => {
    assert.deepEqual(found('SELECT `a:b`, "c :d", x FROM t WHERE y = ${y}', 'spark'), ['${y}']);
    assert.deepEqual(found('outer: BEGIN SELECT :a; END outer', 'spark'), []);
    assert.deepEqual(found('SELECT raw:store.bicycle, v:[0] FROM t WHERE p = :p', 'spark'), [':p']);
  });

  it('trino: a routine body keeps its names; the query after it does not', () => {
    assert.deepEqual(found('WITH FUNCTION f(x int) RETURNS int BEGIN RETURN :x; END SELECT f(1)', 'trino'), []);
    assert.deepEqual(found("SELECT * FROM t WHERE region = :region AND n = 'a:b'", 'trino'), [':region']);
  });

  it('never throws on unterminated input', () => {
    for (const dialect of ALL) {
      assert.deepEqual(found("SELECT :a, 'open :b", dialect), [':a']);
      assert.deepEqual(found('SELECT :a /* open :b', dialect), [':a']);
      assert.deepEqual(found('SELECT ${', dialect), []);
    }
  });
});

describe('query parameters: values kept outside the editor', () => {
  it('redacts a value whose name says secret, keeps others and NULL', () => {
    assert.deepEqual(redactParameterValues({ region: 'EU', password: 'hunter2', api_key: 'k', apiToken: 't', note: null, pwd: null }), {
      region: 'EU',
      password: '***',
      api_key: '***',
      apiToken: '***',
      note: null,
      pwd: null,
    });
  });

  it('tells secret names from ordinary ones', () => {
    for (const name of ['password', 'PASSWD', 'db_pwd', 'client_secret', 'refreshToken', 'key', 'privateKey', 'sas_token', 'user_password2']) {
      assert.ok(isSecretParameterName(name), name);
    }
    for (const name of ['region', 'start_date', 'monkey', 'keyboard_layout', 'passenger', 'user']) {
      assert.ok(!isSecretParameterName(name), name);
    }
  });
});
