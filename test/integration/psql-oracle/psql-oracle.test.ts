/**
 * psql is the judge of where PostgreSQL/Redshift statements end (issue 16): Debian's psql runs a
 * corpus of 300+ statements (test/fixtures/psql-corpus.sql) against a PostgreSQL of its own with
 * statement logging on, the server's log says exactly which texts psql sent, and
 * splitStatements(corpus, 'postgres') must give the same statements, in the same order.
 *
 * The server is a dedicated lab PostgreSQL (test/lab/postgres.ts): the records are cut at a random
 * marker in `log_line_prefix`, a server-wide setting the shared lab must not get; logging itself is
 * switched on for psql's session only (PGOPTIONS, as the superuser).
 */
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { splitStatements } from '../../../src/sql/splitter';
import { startLabPostgres, type LabPostgres } from '../../lab/postgres';
import { PSQL, psqlVersion, runPsqlFile } from './psql';
import { logLinePrefix, sentStatements } from './server-log';
import { describeDifferences, differences, normalisePsql, offsetsIn, splitterTexts, withoutLeadingComments } from './statement-diff';

const CORPUS = path.resolve(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'psql-corpus.sql');
const APPLICATION = 'psql-oracle';
/** psql's session logs every statement it sends, and the text of every one that fails. */
const SESSION_LOGGING = '-c log_statement=all -c log_min_error_statement=error';

describe('psql as the oracle for the PostgreSQL/Redshift splitter', function () {
  this.timeout(120_000);

  describe('reading what psql sent from the server log', () => {
    const marker = '<<m>>';
    const record = (session: string, severity: string, message: string) => `${marker}${APPLICATION}|${session}|${severity}:  ${message.replace(/\n/g, '\n\t')}\n`;

    it('undoes the tab the server puts after each line break, and keeps tabs and CRs of the statement', () => {
      const log = `startup noise\n${record('s1', 'LOG', 'statement: SELECT 1\r\n\t, 2;')}${record('s1', 'LOG', 'statement: ;')}`;
      assert.deepEqual(sentStatements(log, marker, APPLICATION), ['SELECT 1\r\n\t, 2;', ';']);
    });

    it('counts a statement that parsed and then failed once, and a syntax error (logged only as STATEMENT) once', () => {
      const log = [
        record('s1', 'LOG', 'statement: SELECT 1/0;'),
        record('s1', 'ERROR', 'division by zero'),
        record('s1', 'STATEMENT', 'SELECT 1/0;'),
        record('other', 'LOG', 'statement: SELECT 1/0;'),
        record('s1', 'ERROR', 'syntax error at or near "SELEC"'),
        record('s1', 'STATEMENT', 'SELEC 1;'),
        record('s1', 'ERROR', 'syntax error at or near "SELEC"'),
        record('s1', 'STATEMENT', 'SELEC 1;'),
        `${marker}someone-else|s2|LOG:  statement: SELECT 2;\n`,
      ].join('');
      assert.deepEqual(sentStatements(log, marker, APPLICATION), ['SELECT 1/0;', 'SELECT 1/0;', 'SELEC 1;', 'SELEC 1;']);
    });

    it('normalises only what psql adds: leading block comments, empty statements, trailing blanks', () => {
      assert.equal(withoutLeadingComments('/* a /* b */ */ -- c\n  SELECT 1 /* d */;'), 'SELECT 1 /* d */;');
      assert.deepEqual(normalisePsql([';', '/* only */;', 'SELECT 1;', 'SELECT\n\n\n2\n\n  ']), ['SELECT 1;', 'SELECT\n2']);
    });

    it('shows one statement cut in two as one difference', () => {
      const found = differences(['a;', 'b (x; y);', 'c;'], ['a;', 'b (x;', 'y);', 'c;']);
      assert.deepEqual(found, [{ psql: [{ index: 1, text: 'b (x; y);' }], splitter: [{ index: 1, text: 'b (x;' }, { index: 2, text: 'y);' }] }]);
    });
  });

  describe('the corpus, through Debian\u2019s psql and the lab PostgreSQL', () => {
    const marker = `@${randomBytes(12).toString('hex')}@`;
    const chunks: Buffer[] = [];
    let server: LabPostgres | undefined;

    before(async () => {
      server = await startLabPostgres({
        settings: { log_line_prefix: logLinePrefix(marker), log_destination: 'stderr', lc_messages: 'C' },
        onServerStderr: (chunk) => chunks.push(chunk),
      });
    });

    after(async () => {
      await server?.stop();
    });

    /** Waits until the server has logged `text` from a session of its own, so everything before it has been read. */
    async function logReaches(lab: LabPostgres, text: string): Promise<string> {
      const client = new Client({ host: lab.host, port: lab.port, database: lab.database, user: lab.admin.user, password: lab.admin.password, application_name: `${APPLICATION}-end`, options: SESSION_LOGGING });
      await client.connect();
      try {
        await client.query(`SELECT '${text}'`);
      } finally {
        await client.end();
      }
      const deadline = Date.now() + 20_000;
      for (;;) {
        const log = Buffer.concat(chunks).toString('utf8');
        if (log.includes(`statement: SELECT '${text}'`)) return log;
        if (Date.now() > deadline) throw new Error(`The server log never showed the end marker; it ends with:\n${log.slice(-2000)}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }

    it('psql and splitStatements(corpus, \u2019postgres\u2019) agree on every statement: 0 differences', async function () {
      const lab = server;
      assert.ok(lab, 'the dedicated lab PostgreSQL did not start');
      const corpus = readFileSync(CORPUS, 'utf8');
      // The file is stored byte for byte (.gitattributes); an editor that rewrote its line ends would take these cases away.
      assert.ok(corpus.includes('\r\n'), 'the corpus lost its CRLF line ends');
      assert.ok(/\r[^\n]/.test(corpus), 'the corpus lost its lone carriage return');

      assert.ok(existsSync(PSQL), `${PSQL} is missing: install Debian's postgresql-client (npm test does so for the integration tier; see test/support/prerequisites.ts)`);
      const version = await psqlVersion();
      const run = await runPsqlFile(CORPUS, { host: lab.host, port: lab.port, database: lab.database, user: lab.admin.user, password: lab.admin.password, application: APPLICATION, options: SESSION_LOGGING }, 60_000);
      assert.equal(run.exitCode, 0, `psql did not run the whole corpus:\n${run.stderr}`);
      // Not the marker itself: it would cut the sentinel's own record in two.
      const log = await logReaches(lab, `end of corpus ${randomBytes(6).toString('hex')}`);

      const sent = sentStatements(log, marker, APPLICATION);
      const psql = normalisePsql(sent);
      const split = splitStatements(corpus, 'postgres');
      const ours = splitterTexts(corpus, split.statements);
      const found = differences(psql, ours);
      const report = describeDifferences(found, corpus, offsetsIn(corpus, psql), split.statements);
      process.stdout.write(`      ${version}: ${sent.length} messages sent, ${psql.length} statements; splitter: ${ours.length} statements; ${found.length} difference(s)\n`);
      if (found.length > 0) process.stdout.write(`${report}\n`);

      assert.ok(psql.length >= 300, `the corpus must hold at least 300 statements; psql sent ${psql.length}`);
      assert.equal(found.length, 0, `psql and the splitter disagree:\n${report}`);
    });
  });
});
