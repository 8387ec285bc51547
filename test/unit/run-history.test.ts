import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PlatformError } from '../../src/platforms/errors';
import { historyItemView } from '../../src/ui/history-items';
import { RunHistory, historyEntryFor, type HistoryChange, type HistoryContext, type NewHistoryEntry, type RunHistoryFileOptions } from '../../src/worksheets/run-history';
import type { RunStamp } from '../../src/worksheets/run-types';

function entry(overrides: Partial<NewHistoryEntry> = {}): NewHistoryEntry {
  return {
    worksheet: 'sales.sql',
    worksheetKey: 'file:///work/sales.sql',
    profile: 'Redshift prod',
    platform: 'redshift',
    login: 'analyst',
    ranAs: null,
    statement: 'select 1',
    startedAt: 1_700_000_000_000,
    durationMs: 12,
    rows: 1,
    outcome: 'succeeded',
    ...overrides,
  };
}

describe('RunHistory', () => {
  let dir: string;
  let file: string;
  const histories: RunHistory[] = [];

  const open = (options: Partial<RunHistoryFileOptions> = {}): RunHistory => {
    const history = RunHistory.open({ file, ...options });
    histories.push(history);
    return history;
  };

  beforeEach(async () => {
    dir = await fs.mkdtemp(join(tmpdir(), 'run-history-test-'));
    file = join(dir, 'history', 'runs.jsonl');
  });

  afterEach(async () => {
    for (const history of histories.splice(0)) {
      await history.flush();
      history.dispose();
    }
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('records entries with an id, lists them newest first and keeps them across a reload', async () => {
    const history = open();
    const first = history.record(entry({ statement: 'select 1', startedAt: 1 }));
    const second = history.record(entry({ statement: 'select 2', startedAt: 2, ranAs: 'bob', outcome: 'failed', rows: null, durationMs: null, error: 'permission denied' }));
    assert.match(first.id, /^[0-9a-f-]{36}$/);
    assert.notEqual(first.id, second.id);
    assert.deepEqual(
      history.entries().map((e) => e.statement),
      ['select 2', 'select 1'],
    );
    await history.flush();

    const reloaded = open();
    assert.deepEqual(await reloaded.ready, { loaded: 2, corrupt: 0, tornTail: false });
    assert.deepEqual(reloaded.entries(), [second, first]);
    assert.equal(reloaded.entries()[0].error, 'permission denied');
  });

  it('stores only the fields of a HistoryEntry, whatever else the caller passes', async () => {
    const history = open();
    const withExtra = { ...entry(), password: 'hunter2' } as NewHistoryEntry;
    const recorded = history.record(withExtra);
    assert.equal('password' in recorded, false);
    await history.flush();
    assert.equal((await fs.readFile(file, 'utf8')).includes('hunter2'), false);
  });

  describe('search', () => {
    let history: RunHistory;

    beforeEach(() => {
      history = open();
      history.record(entry({ statement: 'SELECT * FROM orders', ranAs: 'bob', startedAt: 1 }));
      history.record(entry({ statement: 'select name\nfrom customers', ranAs: null, startedAt: 2, outcome: 'failed', error: 'relation does not exist' }));
      history.record(entry({ statement: 'delete from orders', ranAs: 'alice', profile: 'Snowflake dev', startedAt: 3, outcome: 'cancelled' }));
      history.record(entry({ statement: null, ranAs: 'bob', worksheet: 'Untitled-1', worksheetKey: 'untitled:Untitled-1', startedAt: 4 }));
    });

    const statements = (found: readonly { statement: string | null }[]) => found.map((e) => e.statement);

    it('an empty or blank query returns everything, newest first', () => {
      assert.deepEqual(statements(history.search('')), [null, 'delete from orders', 'select name\nfrom customers', 'SELECT * FROM orders']);
      assert.deepEqual(statements(history.search('   ')), statements(history.search('')));
    });

    it('matches case-insensitively, anywhere in the statement including later lines', () => {
      assert.deepEqual(statements(history.search('ORDERS')), ['delete from orders', 'SELECT * FROM orders']);
      assert.deepEqual(statements(history.search('Customers')), ['select name\nfrom customers']);
    });

    it('needs every word to match, each in any field', () => {
      assert.deepEqual(statements(history.search('bob orders')), ['SELECT * FROM orders']);
      assert.deepEqual(statements(history.search('orders snowflake cancelled')), ['delete from orders']);
      assert.deepEqual(statements(history.search('orders nobody')), []);
    });

    it('matches the user it ran as, "yourself" for none, the login, profile, worksheet and outcome', () => {
      assert.equal(history.search('alice').length, 1);
      assert.deepEqual(statements(history.search('yourself')), ['select name\nfrom customers']);
      assert.equal(history.search('analyst').length, 4);
      assert.equal(history.search('snowflake').length, 1);
      assert.deepEqual(statements(history.search('untitled')), [null]);
      assert.deepEqual(statements(history.search('failed')), ['select name\nfrom customers']);
      assert.equal(history.search('succeeded').length, 2);
    });

    it('limits to one worksheet when asked', () => {
      assert.equal(history.search('', { worksheetKey: 'file:///work/sales.sql' }).length, 3);
      assert.deepEqual(statements(history.search('bob', { worksheetKey: 'untitled:Untitled-1' })), [null]);
      assert.deepEqual(history.search('orders', { worksheetKey: 'untitled:Untitled-1' }), []);
    });
  });

  describe('retention of statements run as another user', () => {
    it('never writes the statement when the hook says no, and keeps your own', async () => {
      const history = open({ retainImpersonatedText: () => false });
      const impersonated = history.record(entry({ statement: 'select secret_marker_7f3 from payroll', ranAs: 'bob' }));
      const own = history.record(entry({ statement: 'select own_marker_2c1', ranAs: null }));
      assert.equal(impersonated.statement, null);
      assert.equal(impersonated.ranAs, 'bob');
      assert.equal(own.statement, 'select own_marker_2c1');
      await history.flush();

      const raw = await fs.readFile(file, 'utf8');
      assert.equal(raw.includes('secret_marker_7f3'), false);
      assert.equal(raw.includes('payroll'), false);
      assert.equal(raw.includes('own_marker_2c1'), true);
      const reloaded = open();
      await reloaded.ready;
      assert.deepEqual(
        reloaded.entries().map((e) => e.statement),
        ['select own_marker_2c1', null],
      );
      assert.deepEqual(history.search('payroll'), [], 'a statement not retained is not searchable either');
    });

    it('asks the hook at every record, so a changed setting applies to the next run', () => {
      let retain = true;
      const history = open({ retainImpersonatedText: () => retain });
      assert.equal(history.record(entry({ ranAs: 'bob', statement: 'select 1' })).statement, 'select 1');
      retain = false;
      assert.equal(history.record(entry({ ranAs: 'bob', statement: 'select 2' })).statement, null);
    });

    it('retains everything without a hook', () => {
      const history = open();
      assert.equal(history.record(entry({ ranAs: 'bob', statement: 'select 1' })).statement, 'select 1');
    });
  });

  describe('secrets in statements', () => {
    const SECRET = 'wJalrXUtnFEMI/K7MDENG';
    const KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
    const COPY = `COPY sales FROM 's3://acme/sales/'\n  CREDENTIALS 'aws_access_key_id=${KEY_ID};aws_secret_access_key=${SECRET}'\n  IAM_ROLE 'arn:aws:iam::0123:role/Load' CSV`;
    const context: HistoryContext = { worksheet: 'load.sql', worksheetKey: 'file:///work/load.sql', profile: 'Redshift prod', platform: 'redshift', login: 'analyst', ranAs: null, startedAt: 5 };
    const yourself: RunStamp = { platform: 'redshift', profileName: 'Redshift prod', login: 'analyst', sessionId: '1', ranAs: { kind: 'yourself' }, startedAt: 10 };

    it('a COPY ... CREDENTIALS run as yourself is stored, listed, searched and shown with the secret redacted', async () => {
      const history = open();
      const succeeded = historyEntryFor(context, COPY, { status: 'succeeded', stamp: yourself, summary: { rowCount: 12, command: 'COPY', hasResultSet: false, durationMs: 40, queryId: null } });
      // Servers quote statements in their errors: the secret must not come back that way.
      const failed = historyEntryFor(context, COPY, { status: 'failed', stamp: yourself, error: new PlatformError('server', `syntax error at or near "${SECRET}"`) });
      assert.ok(succeeded && failed);
      history.record(succeeded);
      history.record(failed);
      await history.flush();

      const raw = await fs.readFile(file, 'utf8');
      assert.equal(raw.includes(SECRET), false, 'the secret never reaches the file');
      assert.equal(raw.includes(KEY_ID), false, 'nor the key id');
      assert.ok(raw.includes("CREDENTIALS '***'"), raw);
      assert.ok(raw.includes("IAM_ROLE 'arn:aws:iam::0123:role/Load'"), 'the role is no secret and is kept');

      const expected = COPY.replace(/CREDENTIALS '[^']*'/, "CREDENTIALS '***'");
      assert.deepEqual(history.entries().map((e) => e.statement), [expected, expected]);
      assert.equal(history.entries()[0].error, 'syntax error at or near "***"');
      assert.deepEqual(history.search('credentials').map((e) => e.ranAs), [null, null]);
      assert.deepEqual(history.search(SECRET.slice(0, 8)), [], 'the secret cannot be found by searching');

      const shown = history.search('copy sales').map(historyItemView);
      assert.equal(shown[1].label, "COPY sales FROM 's3://acme/sales/'");
      assert.match(shown[1].description, /^as yourself · succeeded · 12 rows/);
      assert.equal(shown[0].detail.includes(SECRET), false);
      assert.ok(shown[0].detail.endsWith('syntax error at or near "***"'), shown[0].detail);

      const reloaded = open();
      await reloaded.ready;
      assert.deepEqual(reloaded.entries().map((e) => e.statement), [expected, expected]);
    });

    it("with statementText 'none' stores statement: null for every run, and still scrubs the error", async () => {
      let setting: 'redacted' | 'none' = 'none';
      const history = open({ statementText: () => setting });
      const own = history.record(entry({ statement: COPY, outcome: 'failed', rows: null, durationMs: null, error: `bad key ${SECRET}` }));
      const impersonated = history.record(entry({ statement: 'select marker_a91 from payroll', ranAs: 'bob' }));
      assert.equal(own.statement, null);
      assert.equal(own.error, 'bad key ***');
      assert.equal(impersonated.statement, null);
      await history.flush();
      const lines = (await fs.readFile(file, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
      assert.deepEqual(lines.map((line) => line.statement), [null, null]);
      assert.equal(JSON.stringify(lines).includes('marker_a91'), false);
      assert.equal(historyItemView(own).label, '(statement not retained)');
      assert.equal(historyItemView(own).copyable, false);
      setting = 'redacted';
      assert.equal(history.record(entry({ statement: 'select 1' })).statement, 'select 1', 'read at every record');
    });

    it('redacts entries an earlier version wrote with their secrets, as they are read', async () => {
      await fs.mkdir(join(dir, 'history'), { recursive: true });
      const old = { id: 'old-1', ...entry({ statement: "CREATE USER bob PASSWORD 'hunter2-old'", outcome: 'failed', rows: null, durationMs: null, error: 'near hunter2-old' }) };
      await fs.writeFile(file, `${JSON.stringify(old)}\n`);
      const history = open();
      await history.ready;
      assert.deepEqual(history.entries().map((e) => [e.statement, e.error]), [["CREATE USER bob PASSWORD '***'", 'near ***']]);
      assert.deepEqual(history.search('hunter2'), []);
    });

    it('redacts by the platform\'s own lexical rules, and keeps no text an unknown platform cannot agree on', () => {
      const history = open();
      // In Snowflake a backslash escapes the quote, so the secret runs to the last quote.
      const snowflake = history.record(entry({ platform: 'snowflake', statement: "ALTER USER u SET PASSWORD = 'a\\' b' COMMENT = 'x'" }));
      assert.equal(snowflake.statement, "ALTER USER u SET PASSWORD = '***' COMMENT = 'x'");
      const unknown = history.record(entry({ platform: 'mystery', statement: "CREATE USER u PASSWORD 'a\\' b'" }));
      assert.equal(unknown.statement, null);
      assert.equal(history.record(entry({ platform: '', statement: 'select 1' })).statement, 'select 1');
    });
  });

  it('cuts very long statements', () => {
    const history = open({ maxStatementChars: 10 });
    assert.equal(history.record(entry({ statement: 'select 1234567890' })).statement, 'select 123');
  });

  it('announces recorded entries and clearing', async () => {
    const history = open();
    const changes: HistoryChange['kind'][] = [];
    history.onDidChange((change) => changes.push(change.kind));
    history.record(entry());
    assert.equal(await history.clear(), true);
    assert.deepEqual(changes, ['recorded', 'cleared']);
  });

  it('clear empties the history and its file', async () => {
    const history = open();
    history.record(entry());
    history.record(entry());
    assert.equal(await history.clear(), true);
    assert.deepEqual(history.entries(), []);
    await history.flush();
    assert.equal(await fs.readFile(file, 'utf8'), '');
    const reloaded = open();
    await reloaded.ready;
    assert.deepEqual(reloaded.entries(), []);
  });

  it('keeps the newest maxEntries', async () => {
    const history = open({ maxEntries: 3 });
    for (let i = 0; i < 10; i++) {
      history.record(entry({ statement: `select ${i}` }));
    }
    assert.deepEqual(
      history.entries().map((e) => e.statement),
      ['select 9', 'select 8', 'select 7'],
    );
    await history.flush();
    const reloaded = open({ maxEntries: 3 });
    await reloaded.ready;
    assert.equal(reloaded.entries().length, 3);
  });

  it('skips lines that do not have the shape of an entry', async () => {
    const good = open();
    good.record(entry({ statement: 'select 1' }));
    await good.flush();
    await fs.appendFile(file, `${JSON.stringify({ ...entry(), id: 'x', outcome: 'exploded' })}\n${JSON.stringify({ id: 'y' })}\n`);
    const reloaded = open();
    assert.deepEqual(await reloaded.ready, { loaded: 1, corrupt: 2, tornTail: false });
    assert.deepEqual(
      reloaded.entries().map((e) => e.statement),
      ['select 1'],
    );
  });
});

describe('historyEntryFor', () => {
  const context: HistoryContext = {
    worksheet: 'sales.sql',
    worksheetKey: 'file:///work/sales.sql',
    profile: 'Redshift prod',
    platform: 'redshift',
    login: 'analyst',
    ranAs: 'bob',
    startedAt: 5,
  };
  const stamp: RunStamp = {
    platform: 'redshift',
    profileName: 'Redshift stamped',
    login: 'analyst2',
    sessionId: '4711',
    ranAs: { kind: 'impersonating', user: 'carol', assurance: 'read-back' },
    startedAt: 10,
  };

  it('takes where and as whom it ran from the stamp of a success', () => {
    const made = historyEntryFor(context, 'select 1', {
      status: 'succeeded',
      stamp,
      summary: { rowCount: 3, command: 'SELECT', hasResultSet: true, durationMs: 42, queryId: null },
    });
    assert.deepEqual(made, {
      worksheet: 'sales.sql',
      worksheetKey: 'file:///work/sales.sql',
      profile: 'Redshift stamped',
      platform: 'redshift',
      login: 'analyst2',
      ranAs: 'carol',
      assurance: 'read-back',
      statement: 'select 1',
      startedAt: 10,
      durationMs: 42,
      rows: 3,
      outcome: 'succeeded',
    });
  });

  it('falls back to the context when a failure has no stamp, and keeps the error message', () => {
    const made = historyEntryFor(context, 'select 1', { status: 'failed', error: new PlatformError('permission', 'permission denied for table payroll') });
    assert.equal(made?.ranAs, 'bob');
    assert.equal(made?.startedAt, 5);
    assert.equal(made?.outcome, 'failed');
    assert.equal(made?.error, 'permission denied for table payroll');
    assert.equal(made?.rows, null);
  });

  it('records "yourself" as null and skips statements that never ran', () => {
    const made = historyEntryFor(context, 'select 1', { status: 'cancelled', stamp: { ...stamp, ranAs: { kind: 'yourself' } } });
    assert.equal(made?.ranAs, null);
    assert.equal(made?.outcome, 'cancelled');
    assert.equal(historyEntryFor(context, 'select 1', { status: 'skipped' }), undefined);
  });
});
