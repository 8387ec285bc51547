import * as assert from 'node:assert/strict';
import * as databricks from '../../src/platforms/databricks/dialect';
import { isPlatformError } from '../../src/platforms/errors';
import {
  impersonationTemplateProblem,
  renderSetStatement,
  statementWithoutUser,
  type ImpersonationRendering,
} from '../../src/platforms/impersonation-template';
import * as redshift from '../../src/platforms/redshift/dialect';
import * as snowflake from '../../src/platforms/snowflake/dialect';
import * as synapse from '../../src/platforms/synapse/dialect';
import * as trino from '../../src/platforms/trino/dialect';
import type { SqlDialectId } from '../../src/sql/dialects';
import { lexSql } from '../../src/sql/lexer';

type Platform = 'redshift' | 'synapse' | 'snowflake' | 'databricks' | 'trino';

const RENDERING: Readonly<Record<Platform, ImpersonationRendering>> = {
  redshift: redshift.IMPERSONATION_RENDERING,
  synapse: synapse.IMPERSONATION_RENDERING,
  snowflake: snowflake.IMPERSONATION_RENDERING,
  databricks: databricks.IMPERSONATION_RENDERING,
  trino: trino.IMPERSONATION_RENDERING,
};

/** The longest name each platform accepts (Synapse: an NVARCHAR(4000) session context value). */
const LIMIT: Readonly<Record<Platform, number>> = { redshift: 1024, synapse: 4000, snowflake: 1024, databricks: 1024, trino: 1024 };

const VALIDATE: Readonly<Record<Platform, (user: string) => string | undefined>> = {
  redshift: redshift.validateUserName,
  synapse: synapse.validateUserName,
  snowflake: snowflake.validateUserName,
  databricks: databricks.validateUserName,
  trino: (user) => trino.validateUserName(user, 'session-property'),
};

/** Names that break naive splicing or replacement; every platform must take each one exactly. */
const HOSTILE = [
  "'",
  "''",
  '"',
  '\\',
  "\\'",
  '$1',
  '$$',
  "$'",
  '$&',
  '$`',
  '--',
  '/*',
  '*/',
  ';',
  '`',
  ']',
  '@user',
  "N'",
  '{user}',
  "x{user}y'{user}'",
  "o'brien",
  'a"b',
  "x'); drop table t; --",
  "bob'; SELECT 1; --",
  'Zoë 山田 ünïcödé',
  '🚀 𝒳 astral 😀',
];

function hostileNames(platform: Platform): string[] {
  const limit = LIMIT[platform];
  return [...HOSTILE, 'n'.repeat(limit), "'\\".repeat(limit / 2), `${'😀'.repeat(limit / 2 - 1)}'x`];
}

function render(platform: Platform, template: string, user: string): { text: string; bindsUser: boolean } {
  return renderSetStatement(template, user, RENDERING[platform]);
}

function configurationError(pattern: RegExp): (error: unknown) => boolean {
  return (error) => {
    assert.ok(isPlatformError(error), `not a PlatformError: ${String(error)}`);
    assert.equal(error.kind, 'configuration');
    assert.match(error.message, pattern);
    return true;
  };
}

/** Decodes the one Spark string literal the renderer writes: only \\ and \' may be escaped. */
function sparkValue(literal: string): string {
  assert.ok(literal.startsWith("'") && literal.endsWith("'"), literal);
  let value = '';
  for (let index = 1; index < literal.length - 1; index++) {
    const char = literal[index];
    if (char === '\\') {
      const next = literal[++index];
      assert.ok(next === '\\' || next === "'", `an unexpected escape \\${next} in ${literal}`);
      value += next;
    } else {
      assert.notEqual(char, "'", `a bare quote ends ${literal} early`);
      value += char;
    }
  }
  return value;
}

/** The kinds of the tokens that are neither blank nor a line break. */
function significant(text: string, dialect: SqlDialectId): string[] {
  return lexSql(text, dialect)
    .filter((token) => token.kind !== 'blank' && token.kind !== 'line-break')
    .map((token) => token.kind);
}

describe('impersonation templates: one renderer for every platform', () => {
  describe('renders each way of writing {user}', () => {
    const cases: readonly [Platform, string, string][] = [
      // Redshift: bound as $1, the quotes of '{user}' replaced too.
      ['redshift', 'CALL immuta_procedures.impersonate_user({user})', 'CALL immuta_procedures.impersonate_user($1)'],
      ['redshift', "CALL immuta_procedures.impersonate_user('{user}')", 'CALL immuta_procedures.impersonate_user($1)'],
      ['redshift', "CALL p(E'{user}')", 'CALL p($1)'],
      ['redshift', "CALL p(N'{user}')", 'CALL p($1)'],
      ['redshift', 'CALL p($${user}$$)', 'CALL p($1)'],
      ['redshift', 'CALL p($q${user}$q$)', 'CALL p($1)'],
      ['redshift', "SET V = '{user}'", 'SET V = $1'],
      ['redshift', "CALL p({user}, '{user}') -- as whom", 'CALL p($1, $1) -- as whom'],
      ['redshift', "/* start */\nCALL p('it''s', {user})", "/* start */\nCALL p('it''s', $1)"],
      // Synapse: bound as @user.
      ['synapse', synapse.SET_SQL, "EXEC sys.sp_set_session_context @key = N'immuta_user', @value = @user"],
      ['synapse', "EXEC sys.sp_set_session_context @key = N'immuta_user', @value = '{user}'", "EXEC sys.sp_set_session_context @key = N'immuta_user', @value = @user"],
      ['synapse', "EXEC sys.sp_set_session_context @key = N'immuta_user', @value = N'{user}'", "EXEC sys.sp_set_session_context @key = N'immuta_user', @value = @user"],
      ['synapse', "EXEC p {user}, n'{user}', [x]", 'EXEC p @user, @user, [x]'],
      // Snowflake: a string literal.
      ['snowflake', 'SET IMMUTA_IMP_USER = {user}', "SET IMMUTA_IMP_USER = 'bob'"],
      ['snowflake', "SET IMMUTA_IMP_USER = '{user}'", "SET IMMUTA_IMP_USER = 'bob'"],
      ['snowflake', 'SET V = $${user}$$', "SET V = 'bob'"],
      ['snowflake', "CALL p({user}, '{user}') // twice", "CALL p('bob', 'bob') // twice"],
      // Databricks: back-quoted as the value of SET key = …, a Spark string literal elsewhere.
      ['databricks', 'SET immuta.impersonate.user = {user}', 'SET immuta.impersonate.user = `bob`'],
      ['databricks', "SET immuta.impersonate.user = '{user}'", 'SET immuta.impersonate.user = `bob`'],
      ['databricks', 'SET spark.immuta.as_user="{user}";', 'SET spark.immuta.as_user=`bob`;'],
      ['databricks', '/* who */ SET k = {user}', '/* who */ SET k = `bob`'],
      ['databricks', "SELECT immuta.impersonate('{user}')", "SELECT immuta.impersonate('bob')"],
      ['databricks', 'SELECT f({user}, "{user}")', "SELECT f('bob', 'bob')"],
      ['databricks', 'SET k = {user} AND {user}', "SET k = 'bob' AND 'bob'"],
      // Trino: its one fixed statement.
      ['trino', "SET SESSION immuta.immuta_user = '{user}'", "SET SESSION immuta.immuta_user = 'bob'"],
    ];
    for (const [platform, template, expected] of cases) {
      it(`${platform}: ${template.replace(/\n/g, '\\n')}`, () => {
        const rendered = render(platform, template, 'bob');
        assert.deepEqual(rendered, { text: expected, bindsUser: platform === 'redshift' || platform === 'synapse' });
      });
    }

    it('Trino renders SET SESSION for the profile\u2019s property, delimited where needed', () => {
      assert.equal(trino.setSessionStatement('immuta.immuta_user', "o'brien"), "SET SESSION immuta.immuta_user = 'o''brien'");
      assert.equal(trino.setSessionStatement('Immuta.user-name', 'bob'), 'SET SESSION "Immuta"."user-name" = \'bob\'');
    });

    it('Databricks follows the key of a set template written with or without quotes', () => {
      assert.equal(databricks.keyOf({ set: "SET spark.immuta.as_user = '{user}'" }), 'spark.immuta.as_user');
      assert.equal(databricks.keyOf({ set: '-- ours\nSET spark.immuta.as_user = {user};' }), 'spark.immuta.as_user');
      assert.equal(databricks.keyOf({ set: "SELECT immuta.impersonate('{user}')" }), undefined);
      assert.equal(databricks.keyOf({ set: 'SET k = {user} -- not the whole value' }), undefined);
    });
  });

  describe('refuses a {user} the server would not read as the value, naming the template and what to write', () => {
    const dialects: readonly Platform[] = ['redshift', 'synapse', 'snowflake', 'databricks', 'trino'];
    const everywhere: readonly [string, RegExp][] = [
      ['CALL p(NULL)', /must contain the placeholder \{user\} where the user name goes \(write it bare, \{user\}, or as a string of its own, '\{user\}'\)/],
      ["CALL p('bob')", /must contain the placeholder \{user\}/],
      ['CALL p({USER})', /must contain the placeholder \{user\}/],
      ['CALL p(NULL) -- {user}', /has \{user\} inside a comment \(-- \{user\}\), where no user name is filled in: move it out of the comment/],
      ['/* as {user} */ CALL p({user})', /has \{user\} inside a comment \(\/\* as \{user\} \*\/\)/],
      ["CALL p('x{user}')", /has \{user\} inside the longer string 'x\{user\}'\. The user name must be a value of its own/],
      ["CALL p('{user}@example.com')", /inside the longer string '\{user\}@example\.com'/],
      ["CALL p(' {user} ')", /inside the longer string/],
      ["CALL p('{user}''')", /inside the longer string/],
      ['CALL p(a{user})', /has \{user\} joined to other text \(CALL p\(a\{user\}\)\)/],
      ['CALL p({user}1)', /joined to other text/],
      ['CALL p(${user})', /joined to other text/],
      ["CALL p(X'{user}')", /has \{user\} in a prefixed literal \(X'\{user\}'\), which is not a plain string/],
      ["CALL p(U&'{user}')", /in a prefixed literal \(U&'\{user\}'\)/],
      ["CALL p('{user})", /has a string that is never closed \('\{user\}\)\)/],
      ['CALL p({user}) /* note', /has a comment that is never closed/],
    ];
    for (const platform of dialects) {
      for (const [template, message] of everywhere) {
        it(`${platform}: ${template}`, () => {
          assert.throws(() => render(platform, template, 'bob'), configurationError(message));
          assert.throws(() => render(platform, template, 'bob'), configurationError(new RegExp(`^The impersonation\\.set template "${template.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}" `)));
        });
      }
    }

    const perDialect: readonly [Platform, string, RegExp][] = [
      ['redshift', 'CALL p("{user}")', /writes \{user\} as a quoted name \("\{user\}"\), but a user name is a value/],
      ['synapse', "EXEC p @value = [{user}]", /writes \{user\} as a quoted name \(\[\{user\}\]\)/],
      ['synapse', 'EXEC p @value = "{user}"', /as a quoted name/],
      ['snowflake', 'SET "{user}" = 1', /as a quoted name/],
      ['snowflake', 'SET V = 1 // for {user}', /inside a comment/],
      ['databricks', 'SET k = `{user}`', /writes \{user\} as a quoted name \(`\{user\}`\)/],
      ['databricks', "SELECT f(r'{user}')", /in a prefixed literal \(r'\{user\}'\)/],
      ['databricks', 'SELECT f("x{user}")', /inside the longer string "x\{user\}"/],
      ['trino', 'SET SESSION "{user}" = 1', /as a quoted name/],
      ['trino', "SET SESSION p = N'{user}'", /in a prefixed literal \(N'\{user\}'\)/],
      ['redshift', "CALL p(e'x{user}')", /inside the longer string e'x\{user\}'/],
      ['redshift', 'CALL p($$ {user}$$)', /inside the longer string \$\$ \{user\}\$\$/],
    ];
    for (const [platform, template, message] of perDialect) {
      it(`${platform}: ${template}`, () => {
        assert.throws(() => render(platform, template, 'bob'), configurationError(message));
      });
    }

    it('clear and read-back templates have no user name to fill in', () => {
      assert.equal(statementWithoutUser('CALL p(NULL)', 'clear'), 'CALL p(NULL)');
      assert.throws(() => statementWithoutUser('CALL p({user})', 'clear'), configurationError(/^The impersonation\.clear template "CALL p\(\{user\}\)" contains \{user\}, but no user name is filled in there: only impersonation\.set takes one\.$/));
      assert.throws(() => statementWithoutUser("SELECT '{user}'", 'readBack'), configurationError(/^The impersonation\.readBack template/));
      assert.equal(impersonationTemplateProblem('SELECT x()', 'postgres', 'readBack'), undefined);
    });

    it('a long template is shortened in the message', () => {
      const template = `CALL immuta_procedures.impersonate_user_with_a_long_name(NULL) -- ${'x'.repeat(200)}`;
      assert.throws(() => render('redshift', template, 'bob'), configurationError(/^The impersonation\.set template "CALL immuta_procedures\.impersonate_us…" must contain/));
    });
  });

  describe('hostile user names arrive exactly, bound or quoted, never spliced', () => {
    for (const platform of ['redshift', 'synapse', 'snowflake', 'databricks', 'trino'] as const) {
      it(`${platform}: every hostile name is accepted by the platform\u2019s checks`, () => {
        const refused = hostileNames(platform).filter((name) => VALIDATE[platform](name) !== undefined);
        assert.deepEqual(refused, []);
      });
    }

    it('redshift: $1 in the text and the name left to pg, with the template bare or quoted', () => {
      for (const name of hostileNames('redshift')) {
        for (const template of [redshift.DEFAULT_SET_SQL, "CALL immuta_procedures.impersonate_user('{user}')"]) {
          assert.deepEqual(render('redshift', template, name), { text: 'CALL immuta_procedures.impersonate_user($1)', bindsUser: true });
        }
        assert.deepEqual(render('redshift', "CALL p({user}, '{user}', $${user}$$)", name), { text: 'CALL p($1, $1, $1)', bindsUser: true });
      }
    });

    it('synapse: @user in the text and the name left to mssql, with the template bare or quoted', () => {
      const expected = "EXEC sys.sp_set_session_context @key = N'immuta_user', @value = @user";
      for (const name of hostileNames('synapse')) {
        for (const template of [synapse.SET_SQL, "EXEC sys.sp_set_session_context @key = N'immuta_user', @value = N'{user}'"]) {
          assert.deepEqual(render('synapse', template, name), { text: expected, bindsUser: true });
        }
      }
    });

    it('snowflake: one string literal that reads back as the name, with the template bare or quoted', () => {
      for (const name of hostileNames('snowflake')) {
        const literal = `'${name.split('\\').join('\\\\').split("'").join("''")}'`;
        for (const template of ['SET IMMUTA_IMP_USER = {user}', "SET IMMUTA_IMP_USER = '{user}'"]) {
          const { text, bindsUser } = render('snowflake', template, name);
          assert.equal(text, `SET IMMUTA_IMP_USER = ${literal}`);
          assert.equal(bindsUser, false);
          // Snowflake's own reading (backslash escapes, doubled quotes): the value is the name.
          assert.deepEqual(snowflake.classifyFor(text, 'IMMUTA_IMP_USER'), { kind: 'impersonate', user: name });
          assert.deepEqual(significant(text, 'snowflake'), ['code', 'code', 'code', 'string'], `the name escaped its literal: ${text}`);
        }
        assert.equal(render('snowflake', "CALL p({user}, '{user}')", name).text, `CALL p(${literal}, ${literal})`);
      }
    });

    it('databricks: a back-quoted SET value or a Spark string literal that reads back as the name', () => {
      for (const name of hostileNames('databricks')) {
        const backQuoted = `\`${name.split('`').join('``')}\``;
        for (const template of ['SET immuta.impersonate.user = {user}', "SET immuta.impersonate.user = '{user}'"]) {
          const { text } = render('databricks', template, name);
          assert.equal(text, `SET immuta.impersonate.user = ${backQuoted}`);
          assert.deepEqual(databricks.classifyStatement(text), { kind: 'impersonate', user: name });
        }
        const { text } = render('databricks', "SELECT immuta.impersonate('{user}', {user})", name);
        const strings = lexSql(text, 'spark').filter((token) => token.kind === 'string');
        assert.equal(strings.length, 2, `the name escaped its literal: ${text}`);
        for (const token of strings) assert.equal(sparkValue(text.slice(token.start, token.end)), name);
        assert.equal(text.startsWith('SELECT immuta.impersonate(') && text.endsWith(')'), true);
        assert.deepEqual(significant(text, 'spark'), ['code', 'code', 'string', 'code', 'string', 'code']);
      }
    });

    it('trino: one string literal that Trino reads back as the name', () => {
      for (const name of hostileNames('trino')) {
        const text = trino.setSessionStatement('immuta.immuta_user', name);
        assert.equal(text, `SET SESSION immuta.immuta_user = '${name.split("'").join("''")}'`);
        assert.deepEqual(trino.classifyStatement(text), { kind: 'impersonate', user: name });
      }
    });
  });
});
