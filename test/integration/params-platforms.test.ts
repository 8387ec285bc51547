/**
 * Named query parameters bound on the Snowflake, Databricks and Trino labs, through each
 * platform's real driver (the bundled adapters) and lab protocol server. The parameter uses are
 * given by hand, as the lexer would find them. Each lab records what it received and what it
 * sent to PostgreSQL; PostgreSQL's own record of the statement (immuta.query_log.statement is
 * current_query()) shows `$1` when a value was bound and the value itself when it was spliced.
 */
import * as assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { silentLogger } from '../../src/common/logger';
import { isPlatformError } from '../../src/platforms/errors';
import { PlatformLoader } from '../../src/platforms/loader';
import type { CellValue, ConnectionProfile, ConnectionSecret, PlatformSession, ResultSink, StatementParameters } from '../../src/platforms/types';
import type { BoundRecord } from '../lab/bind-markers';
import { startDatabricksLab, type DatabricksLab } from '../lab/databricks-server';
import { startSnowflakeLab, type SnowflakeLab } from '../lab/snowflake-server';
import { startTrinoLab, type TrinoLab } from '../lab/trino-server';
import { databricksProfile } from './databricks-harness';
import { lab } from './shared-lab';
import { snowflakeProfile } from './snowflake-harness';
import { labSecret, trinoProfile } from './trino-harness';
import { DIST_PLATFORMS } from './worksheet-harness';

const BOB = 'bob@example.com';
/** The table a spliced value would drop: owned by the governor login, so a splice could drop it. */
const VICTIM = 'params_victim';
const HOSTILE_VALUES: readonly string[] = ["'; drop table t; --", `x'; drop table ${VICTIM}; --`, "o'brien", "''", '\\', "\\'", 'a\nb\r\nc', 'Zoë 山田 🚀', '$1', ':region', '?', '${region}', '-- not a comment', '/* nor this */'];

interface PlatformCase {
  /** Whether an error's place maps back to the written statement (not inside Trino's EXECUTE IMMEDIATE). */
  readonly placesErrors: boolean;
  /** Checks how the statement with `marker` looked on the wire, from the lab's record of requests. */
  readonly wire: (marker: string) => unknown;
  readonly bound: () => readonly BoundRecord[];
  readonly open: () => Promise<PlatformSession>;
}

/** The uses of `:name` placeholders in `sql`, found by hand (outside this test's string literals). */
function uses(sql: string, values: Readonly<Record<string, string | null>>): StatementParameters {
  const found = [...sql.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)/g)].filter((match) => match[1] in values);
  return { uses: found.map((match) => ({ name: match[1], offset: match.index, length: match[0].length })), values };
}

async function run(session: PlatformSession, sql: string, values: Readonly<Record<string, string | null>>): Promise<CellValue[][]> {
  const rows: CellValue[][] = [];
  const out: ResultSink = {
    columns: () => undefined,
    rows: (batch) => {
      rows.push(...batch.map((row) => [...row]));
    },
    notice: () => undefined,
  };
  await session.execute(sql, out, uses(sql, values));
  return rows;
}

async function loggedStatements(marker: string): Promise<{ statement: string; effective_user: string }[]> {
  return lab().adminQuery<{ statement: string; effective_user: string }>('SELECT statement, effective_user FROM immuta.query_log WHERE strpos(statement, $1) > 0', [marker]);
}

function boundWith(records: readonly BoundRecord[], marker: string): BoundRecord {
  const found = records.filter((record) => record.received.includes(marker));
  assert.equal(found.length, 1, `one bound statement with ${marker} (saw ${found.length})`);
  return found[0];
}

function behavesAsBound(platform: () => PlatformCase): void {
  let session: PlatformSession;
  before(async () => {
    session = await platform().open();
    await session.impersonation.apply(BOB);
  });
  after(async () => {
    await session?.close();
  });

  it(`:region = 'EU' returns bob's 500 EU rows; 'US' none (his policy); the value was bound, never in the SQL text`, async () => {
    for (const [region, expected] of [['EU', 500], ['US', 0]] as const) {
      const marker = `params-${randomUUID()}`;
      const rows = await run(session, `SELECT id, region FROM sales.customers /* ${marker} */ WHERE region = :region`, { region });
      assert.equal(rows.length, expected, region);
      assert.ok(rows.every((row) => row[1] === region));
      const record = boundWith(platform().bound(), marker);
      assert.deepEqual(record.values, [region]);
      assert.match(record.postgres, /WHERE region = \$1$/);
      assert.ok(!record.postgres.includes(region), `no value in what PostgreSQL parsed: ${record.postgres}`);
      const logged = await loggedStatements(marker);
      assert.ok(logged.length > 0, 'PostgreSQL logged the read');
      for (const entry of logged) {
        assert.equal(entry.effective_user, BOB);
        assert.match(entry.statement, /WHERE region = \$1/);
        assert.ok(!entry.statement.includes(region), `the statement PostgreSQL ran holds no value: ${entry.statement}`);
      }
      platform().wire(marker);
    }
  });

  it('hostile values come back exactly, and a splice-shaped value drops nothing', async () => {
    for (const value of HOSTILE_VALUES) {
      const rows = await run(session, `SELECT CAST(:v AS varchar) AS v, CAST(:v AS varchar) AS again`, { v: value });
      assert.deepEqual(rows, [[value, value]], JSON.stringify(value));
    }
    const marker = `params-${randomUUID()}`;
    const rows = await run(session, `SELECT id FROM sales.customers /* ${marker} */ WHERE region = :region`, { region: `x'; drop table ${VICTIM}; --` });
    assert.deepEqual(rows, []);
    const [victim] = await lab().adminQuery<{ t: string | null; n: string }>(`SELECT to_regclass('public.${VICTIM}')::text AS t, (SELECT count(*) FROM public.${VICTIM})::text AS n`);
    assert.deepEqual(victim, { t: VICTIM, n: '3' }, 'the table and its rows are untouched');
  });

  it('an error after a parameter is placed in the statement as written (or not at all), never shifted by the markers', async () => {
    const sql = 'SELECT :region AS r, ${region} AS again, no_such_column FROM sales.customers';
    const parameters: StatementParameters = {
      uses: [
        { name: 'region', offset: sql.indexOf(':region'), length: ':region'.length },
        { name: 'region', offset: sql.indexOf('${region}'), length: '${region}'.length },
      ],
      values: { region: 'EU' },
    };
    const out: ResultSink = { columns: () => undefined, rows: () => undefined, notice: () => undefined };
    await assert.rejects(session.execute(sql, out, parameters), (error: unknown) => {
      assert.ok(isPlatformError(error), String(error));
      assert.match(error.serverMessage ?? error.message, /no_such_column/);
      assert.deepEqual(error.position, platform().placesErrors ? { offset: sql.indexOf('no_such_column') } : undefined);
      return true;
    });
  });

  it('NULL is bound as SQL NULL: it matches no region and comes back as null', async () => {
    const marker = `params-${randomUUID()}`;
    const rows = await run(session, `SELECT id FROM sales.customers /* ${marker} */ WHERE region = :region`, { region: null });
    assert.deepEqual(rows, []);
    assert.deepEqual(boundWith(platform().bound(), marker).values, [null]);
    assert.deepEqual(await run(session, 'SELECT CAST(:v AS varchar) IS NULL AS is_null, CAST(:v AS varchar) AS v', { v: null }), [[true, null]]);
  });
}

describe('Query parameters bound on the Snowflake, Databricks and Trino labs', function () {
  const loader = new PlatformLoader((platform) => path.join(DIST_PLATFORMS, `${platform}.js`));
  const open = async (profile: ConnectionProfile, secret: ConnectionSecret) => (await loader.load(profile.platform)).open(profile, secret, { logger: silentLogger });

  before(async () => {
    const governor = lab().logins.governor.user;
    await lab().adminQuery(`DROP TABLE IF EXISTS public.${VICTIM}; CREATE TABLE public.${VICTIM} (id int); INSERT INTO public.${VICTIM} VALUES (1), (2), (3); ALTER TABLE public.${VICTIM} OWNER TO ${governor}`);
  });
  after(async () => {
    await lab().adminQuery(`DROP TABLE IF EXISTS public.${VICTIM}`);
  });

  describe('Snowflake: `:1` markers, the values as the query request\'s bindings', () => {
    let server: SnowflakeLab;
    before(async () => {
      server = await startSnowflakeLab(lab());
    });
    after(async () => {
      await server?.close();
    });
    behavesAsBound(() => ({
      placesErrors: true,
      bound: () => server.bound,
      open: () => open(snowflakeProfile(server, 'governor'), { password: lab().logins.governor.password }),
      wire: (marker) => {
        const requests = server.received.filter((request) => request.path === '/queries/v1/query-request' && String((request.body as { sqlText?: unknown }).sqlText).includes(marker));
        assert.equal(requests.length, 1);
        const body = requests[0].body as { sqlText: string; bindings: Record<string, { type: string; value: string | null }> };
        assert.match(body.sqlText, /WHERE region = :1$/);
        assert.deepEqual(Object.keys(body.bindings), ['1']);
        assert.equal(body.bindings['1'].type, 'TEXT');
        assert.match(String(body.bindings['1'].value), /^(EU|US)$/);
        return body;
      },
    }));

    it('sends a NULL as a null binding', async () => {
      const session = await open(snowflakeProfile(server, 'governor'), { password: lab().logins.governor.password });
      try {
        const marker = `params-${randomUUID()}`;
        await run(session, `SELECT 1 AS one /* ${marker} */ WHERE CAST(:v AS varchar) IS NULL`, { v: null });
        const request = server.received.find((candidate) => String((candidate.body as { sqlText?: unknown }).sqlText).includes(marker));
        assert.deepEqual((request?.body as { bindings?: unknown }).bindings, { 1: { type: 'TEXT', value: null } });
      } finally {
        await session.close();
      }
    });
  });

  describe('Databricks: Spark `:name` markers, the values as TSparkParameters', () => {
    let server: DatabricksLab;
    before(async () => {
      server = await startDatabricksLab(lab());
    });
    after(async () => {
      await server?.close();
    });
    behavesAsBound(() => ({
      placesErrors: true,
      bound: () => server.bound,
      open: () => open(databricksProfile(server, 'governor'), { token: server.tokenFor('governor') }),
      wire: (marker) => {
        const calls = server.received.filter((call) => call.call === 'ExecuteStatement' && call.statement?.includes(marker));
        assert.equal(calls.length, 1);
        assert.match(calls[0].statement ?? '', /WHERE region = :region$/);
        assert.equal(calls[0].parameters?.length, 1);
        assert.equal(calls[0].parameters?.[0].name, 'region');
        assert.equal(calls[0].parameters?.[0].type, 'STRING');
        assert.match(String(calls[0].parameters?.[0].value), /^(EU|US)$/);
        return calls[0];
      },
    }));

    it('a server below protocol V8 (which takes no parameters) gets nothing: the adapter refuses', async () => {
      const old = await startDatabricksLab(lab(), { protocolVersion: 42247 });
      try {
        const session = await open(databricksProfile(old, 'governor'), { token: old.tokenFor('governor') });
        try {
          const marker = `params-${randomUUID()}`;
          await assert.rejects(
            run(session, `SELECT id FROM sales.customers /* ${marker} */ WHERE region = :region`, { region: 'EU' }),
            (error: unknown) => isPlatformError(error) && error.kind === 'configuration' && /protocol version 7/.test(error.message),
          );
          assert.deepEqual(old.received.filter((call) => call.statement?.includes(marker)), []);
        } finally {
          await session.close();
        }
      } finally {
        await old.close();
      }
    });
  });

  describe('Trino: EXECUTE IMMEDIATE \'… ?\' USING <literal>', () => {
    let server: TrinoLab;
    before(async () => {
      server = await startTrinoLab(lab());
    });
    after(async () => {
      await server?.close();
    });
    behavesAsBound(() => ({
      placesErrors: false,
      bound: () => server.bound,
      open: () => {
        const profile = trinoProfile(server, 'governor');
        return open(profile, labSecret(server, profile));
      },
      wire: (marker) => {
        const posts = server.statements().filter((request) => request.body.includes(marker));
        assert.equal(posts.length, 1);
        assert.match(posts[0].body, /^EXECUTE IMMEDIATE 'SELECT id, region FROM sales\.customers \/\* params-[0-9a-f-]+ \*\/ WHERE region = \?' USING '(EU|US)'$/);
        return posts[0];
      },
    }));

    it('a Trino older than 418 (no EXECUTE IMMEDIATE): a plain refusal, nothing ran, nothing spliced', async () => {
      const old = await startTrinoLab(lab(), { withoutExecuteImmediate: true });
      try {
        const profile = trinoProfile(old, 'governor');
        const session = await open(profile, labSecret(old, profile));
        try {
          const marker = `params-${randomUUID()}`;
          await assert.rejects(
            run(session, `SELECT id FROM sales.customers /* ${marker} */ WHERE region = :region`, { region: 'EU' }),
            (error: unknown) => isPlatformError(error) && error.kind === 'configuration' && /Trino 418/.test(error.message) && error.position === undefined,
          );
          assert.deepEqual(old.bound, []);
          assert.deepEqual(await loggedStatements(marker), [], 'nothing reached PostgreSQL');
          assert.ok(old.statements().every((request) => !request.body.includes("'EU'") || request.body.startsWith('EXECUTE IMMEDIATE')));
        } finally {
          await session.close();
        }
      } finally {
        await old.close();
      }
    });
  });
});
