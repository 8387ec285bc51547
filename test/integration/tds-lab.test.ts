/**
 * The lab's TDS server checked with a second, independent client: FreeTDS `tsql` (Debian/Ubuntu
 * package `freetds-bin`). If the lab only worked with tedious, a shared misreading of MS-TDS
 * could hide in both; FreeTDS is a separate implementation.
 */
import * as assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startTdsLab, type TdsLab } from '../lab/tds-server';
import { makeTlsFiles } from '../lab/tls';
import { lab } from './shared-lab';

interface TsqlRun {
  readonly stdout: string;
  readonly stderr: string;
}

function findTsql(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v tsql'], { encoding: 'utf8' });
  const path = found.stdout.trim();
  return found.status === 0 && path !== '' ? path : undefined;
}

/** `quiet` false: with tsql's prompts and its "(n rows affected)" footers. */
function tsql(binary: string, server: TdsLab, user: string, password: string, script: string, conf = '/dev/null', quiet = true): Promise<TsqlRun> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      binary,
      ['-H', server.host, '-p', String(server.port), '-U', user, '-P', password, '-D', lab().database, ...(quiet ? ['-o', 'q'] : [])],
      // TDS 7.4, as the adapter speaks; no freetds.conf is read for -H/-p connections.
      { env: { ...process.env, TDSVER: '7.4', FREETDSCONF: conf }, timeout: 20000 },
      (error, stdout, stderr) => {
        if (error && (error as { killed?: boolean }).killed) reject(new Error(`tsql timed out: ${stderr}`));
        else resolve({ stdout, stderr });
      },
    );
    child.stdin?.end(script);
  });
}

describe('the lab TDS server, checked with FreeTDS tsql (an independent client)', function () {
  let server: TdsLab;
  let binary: string;

  before(async function () {
    const found = findTsql();
    // Not a skip: a machine without the second client cannot vouch for the lab.
    assert.ok(found, 'FreeTDS tsql is not installed: install the Debian/Ubuntu package freetds-bin (apt-get install -y freetds-bin).');
    binary = found;
    server = await startTdsLab(lab());
  });

  after(async () => {
    await server?.close();
  });

  it('logs in with a password and returns the rows of a query', async () => {
    const { stdout, stderr } = await tsql(binary, server, 'governor', lab().logins.governor.password, 'SELECT region, count(*) AS n FROM sales.customers GROUP BY region ORDER BY region\ngo\nexit\n');
    for (const region of ['APAC', 'EU', 'US']) {
      assert.match(stdout, new RegExp(`${region}\\s+500`), `no ${region} row in ${JSON.stringify(stdout)} (stderr ${JSON.stringify(stderr)})`);
    }
    const logins = server.received.filter((entry) => entry.kind === 'login');
    assert.equal(logins.at(-1)?.kind === 'login' && logins.at(-1)?.user, 'governor');
    assert.ok(server.received.some((entry) => entry.kind === 'batch' && entry.text.includes('GROUP BY region')));
  });

  it('answers a wrong password as SQL Server does: error 18456, Login failed', async () => {
    const { stdout, stderr } = await tsql(binary, server, 'governor', 'wrong-password', 'SELECT 1\ngo\nexit\n');
    assert.match(`${stdout}\n${stderr}`, /Login failed for user 'governor'/);
  });

  it('speaks TLS inside TDS to a client that requires encryption and verifies the certificate', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tds-freetds-'));
    const files = await makeTlsFiles(dir, { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 });
    const secure = await startTdsLab(lab(), { tls: { key: await fs.readFile(files.keyFile, 'utf8'), cert: await fs.readFile(files.certFile, 'utf8') } });
    try {
      const conf = path.join(dir, 'freetds.conf');
      await fs.writeFile(conf, `[global]\n\ttds version = 7.4\n\tencryption = require\n\tca file = ${path.join(dir, 'lab-ca.crt')}\n`);
      const { stdout, stderr } = await tsql(binary, secure, 'governor', lab().logins.governor.password, 'SELECT count(*) AS n FROM sales.customers\ngo\nexit\n', conf);
      assert.match(stdout, /\b1500\b/, `no count over TLS: ${stdout} ${stderr}`);
      assert.deepEqual(secure.received.map((entry) => entry.kind).slice(0, 3), ['prelogin', 'tls', 'login'], 'LOGIN7 came inside TLS');
    } finally {
      await secure.close();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('agrees on a batch of several statements: one request, each result set with its row count, PRINT as a message, errors on their line of the batch', async () => {
    const first = ["DECLARE @who nvarchar(20) = N'lab';", 'SELECT @who AS who;', "PRINT 'between the result sets';", 'SELECT region, count(*) AS n FROM sales.customers GROUP BY region ORDER BY region;'].join('\n');
    const second = ['SELECT 1 AS one;', 'SELECT no_such_column FROM sales.customers;'].join('\n');
    const before = server.received.length;
    const { stdout, stderr } = await tsql(binary, server, 'governor', lab().logins.governor.password, `${first}\ngo\n${second}\ngo\nexit\n`, '/dev/null', false);
    // Both result sets of the first batch, in order, each ended by its own row count (a DONE with COUNT).
    assert.match(stdout, /who\nlab\n\(1 row affected\)\nregion\tn\nAPAC\t500\nEU\t500\nUS\t500\n\(3 rows affected\)/, `tsql printed ${JSON.stringify(stdout)}`);
    assert.match(stdout, /one\n1\n\(1 row affected\)/);
    // PRINT came as an INFO token; the error of line 2 of the second batch says line 2.
    assert.match(stderr, /^between the result sets$/m);
    assert.match(stderr, /Msg 207 \(severity 16, state 1\) from immuta-lab-synapse Line 2:/);
    const batches = server.received.slice(before).flatMap((entry) => (entry.kind === 'batch' ? [entry.text.trimEnd()] : []));
    assert.deepEqual(batches, [first, second], 'one request per batch, each whole');
  });

  it('keeps the session context per connection: immuta_user set to a Synapse user impersonates its Immuta user', async () => {
    const script = [
      "EXEC sys.sp_set_session_context @key = N'immuta_user', @value = N'bob'",
      'go',
      "SELECT SESSION_CONTEXT(N'immuta_user') AS who",
      'go',
      'SELECT DISTINCT region FROM sales.customers',
      'go',
      'exit',
      '',
    ].join('\n');
    const { stdout, stderr } = await tsql(binary, server, 'governor', lab().logins.governor.password, script);
    assert.match(stdout, /\bbob\b/, `SESSION_CONTEXT did not answer bob: ${stdout} ${stderr}`);
    assert.match(stdout, /\bEU\b/);
    assert.doesNotMatch(stdout, /\b(US|APAC)\b/, 'bob sees EU customers only');
  });
});
