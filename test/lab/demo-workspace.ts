/**
 * The demo workspace that `npm start` (and the UI tier) opens: one `demo.sql` per platform that
 * the lab serves, and connection profiles pointing at the lab. Passwords are not written: the
 * extension asks for them on first connect, as it does for real clusters.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { LabPostgres } from './postgres';
import { wideQuery } from './wide-query';
import { CHECKS_DEMO, CHECKS_DEMO_SNAPSHOT } from './demo-checks';
import { serializeSnapshots } from '../../src/checks/snapshots';

/** Fixed, printed passwords for the demo logins (a throwaway database on loopback). */
export const DEMO_PASSWORDS: Readonly<Record<string, string>> = {
  governor: 'governor-demo',
  analyst: 'analyst-demo',
  owner: 'owner-demo',
};

export interface DemoProfileSummary {
  readonly name: string;
  readonly login: string;
  readonly password: string;
  readonly note: string;
}

const REDSHIFT_DEMO = `-- Immuta Worksheets demo: Amazon Redshift (played by the local lab PostgreSQL).
--
-- 1. Click the database item in the status bar and choose "Lab Redshift (governor)".
--    Its password is printed in the terminal that runs \`npm start\`.
-- 2. Click "yourself" in the status bar and impersonate, for example:
--      alice@example.com   US sales, no project: sees US customers, SSNs masked
--      bob@example.com     EU fraud team, in project "Fraud Analytics": EU customers and fraud cases
--      carol@example.com   APAC, in group pii_readers: APAC customers, SSNs in clear
--      dave@example.com    in project "Marketing Insights": only campaigns
-- 3. Run the statements below and compare what each user sees. The status bar says "confirmed":
--    this connection has an effect probe (SELECT effective_user FROM immuta.whoami()) that
--    answers as the impersonated user after every change.
-- The login "analyst" lacks IMPERSONATE_USER: it can set impersonation, but its first read fails.

SELECT region, count(*) AS customers FROM sales.customers GROUP BY region ORDER BY region;

SELECT id, full_name, email, region, ssn, credit_limit FROM sales.customers ORDER BY id LIMIT 50;

SELECT * FROM fraud.cases ORDER BY 1 LIMIT 50;

SELECT * FROM marketing.campaigns ORDER BY 1 LIMIT 50;

-- The documented statements work too; the worksheet follows them:
CALL immuta_procedures.impersonate_user('bob@example.com');

CALL immuta_procedures.impersonate_user(NULL);
`;

const RESULTS_DEMO = `-- Immuta Worksheets demo: the results view.
--
-- A million rows of ten types stream into the grid. At the row limit (setting
-- immutaWorksheets.results.rowLimit, 100,000 by default) the statement pauses:
-- Fetch more, Fetch all, or Stop reading. Click a header to sort, a cell to see its whole value.

${wideQuery(1_000_000)};

-- Values are shown as text, never as HTML: nothing here runs in the results view.
SELECT '<img src=x onerror=alert(1)>' AS html,
       '</script><script>alert(1)</script>' AS script,
       '<img src=x onerror="document.body.dataset.pwned=1">' AS probe,
       NULL AS real_null,
       'NULL' AS text_null,
       repeat('long text ', 200) AS long_text,
       '{"user": "bob@example.com", "projects": ["Fraud Analytics"], "nested": {"depth": 2}}'::json AS doc;
`;

const TRINO_DEMO = `-- Immuta Worksheets demo: Starburst (Trino), played by the lab's Trino protocol server.
--
-- 1. Choose "Lab Trino (governor)" in the status bar (password printed by \`npm start\`).
-- 2. Impersonate from the status bar, or run the documented statements below: the worksheet
--    follows them and sends the session property with every query.

SET SESSION immuta.immuta_user = 'bob@example.com';

SHOW SESSION LIKE 'immuta.immuta_user';

SELECT region, count(*) AS customers FROM sales.customers GROUP BY region ORDER BY region;

RESET SESSION immuta.immuta_user;

-- "Lab Trino native (governor)" impersonates the Trino way instead: the session user
-- (X-Trino-User) is the impersonated user while you authenticate as yourself.
`;

const SNOWFLAKE_DEMO = `-- Immuta Worksheets demo: Snowflake, played by the lab's Snowflake REST server.
--
-- 1. Choose "Lab Snowflake (governor)" in the status bar (password printed by \`npm start\`).
-- 2. Impersonate from the status bar: the worksheet takes the role IMMUTA_IMPERSONATION first,
--    then sets the variable IMMUTA_IMP_USER (both configurable per connection).
-- 3. The status bar says "applied", with a warning: Immuta publishes no Snowflake statement, so
--    reading the variable back proves only that the session holds it. Run
--    "Immuta: Set Effect Probe..." with the statement below and the answer {user}: the next
--    Verify runs it as bob and the status bar says "confirmed".
--      SELECT effective_user FROM immuta.whoami()

SELECT CURRENT_ROLE();

SELECT region, count(*) AS customers FROM sales.customers GROUP BY region ORDER BY region;

SELECT $IMMUTA_IMP_USER;
`;

const SYNAPSE_DEMO = `-- Immuta Worksheets demo: Azure Synapse, played by the lab's TDS server (TLS inside TDS).
--
-- 1. Choose "Lab Synapse (governor)" in the status bar (password printed by \`npm start\`).
-- 2. Impersonate bob@example.com: the connection's userMap sends the Synapse user linked to
--    him ("bob"), bound as a parameter of sys.sp_set_session_context.

SELECT region, count(*) AS customers FROM sales.customers GROUP BY region ORDER BY region;

SELECT SESSION_CONTEXT(N'immuta_user') AS immuta_user;
GO
-- GO lines split a script into batches, as in SQL Server tools.
SELECT TOP 5 id, full_name, region FROM sales.customers ORDER BY id;
`;

const DATABRICKS_DEMO = `-- Immuta Worksheets demo: Databricks Spark, played by the lab's Thrift-over-HTTPS server.
--
-- 1. Choose "Lab Databricks (governor)"; the token is printed by \`npm start\`.
-- 2. Impersonate from the status bar. "Lab Databricks Unity Catalog (governor)" shows what a
--    Unity Catalog workspace does: impersonation is not available there, and it says so.

SELECT region, count(*) AS customers FROM sales.customers GROUP BY region ORDER BY region;

SET immuta.impersonate.user;
`;

const IMMUTA_DEMO = `-- Immuta awareness: user search, IMPERSONATE_USER, project context.
--
-- The workspace points immutaWorksheets.immuta.url at the lab's Immuta API. Once:
--   Run "Immuta: Set Immuta API Key" and paste the governor's key (printed by \`npm start\`).
--
-- 1. Choose "Lab Redshift (governor)" in the status bar.
-- 2. Click "yourself" and type "bo": Immuta's users appear with their current project.
--    bob@example.com works in the project Fraud Analytics.
-- 3. Pick bob: the status bar warns "as bob@example.com · project Fraud Analytics", a
--    notification explains it once, and only the project's data sources are visible:
SELECT count(*) AS fraud_cases FROM fraud.cases;
SELECT count(*) AS campaigns FROM marketing.campaigns;
-- 4. Switch this file to "Lab Redshift (analyst)" and click "yourself": the picker says that
--    analyst@example.com does not hold IMPERSONATE_USER before you pick anyone.
`;

/** A fixed token for the demo's Databricks login (a throwaway lab on loopback). */
export const DEMO_DATABRICKS_TOKEN = 'dapi-lab-governor-demo';

/** Lab servers for the other platforms, when the caller started them. */
export interface DemoServers {
  readonly trinoUrl?: string;
  /** The lab's Snowflake access URL and account. */
  readonly snowflake?: { readonly accessUrl: string; readonly account: string };
  /** The lab's TDS server and the PEM of the CA that signed its certificate. */
  readonly synapse?: { readonly port: number; readonly caPem: string };
  /** The lab's Databricks server (its token for governor is DEMO_DATABRICKS_TOKEN). */
  readonly databricks?: { readonly port: number; readonly httpPath: string; readonly caPem: string };
  /** The lab's Immuta REST API (its keys are LAB_IMMUTA_KEYS). */
  readonly immutaUrl?: string;
}

export async function writeDemoWorkspace(folder: string, lab: LabPostgres, servers: DemoServers = {}): Promise<DemoProfileSummary[]> {
  await fs.mkdir(path.join(folder, '.vscode'), { recursive: true });
  const logins = [
    { login: 'governor', note: 'holds IMPERSONATE_USER; sees every region' },
    { login: 'analyst', note: 'no IMPERSONATE_USER: impersonation fails at the first read' },
    { login: 'owner', note: 'a data owner with IMPERSONATE_USER' },
  ] as const;
  const profiles = logins.map(({ login }) => ({
    name: `Lab Redshift (${login})`,
    platform: 'redshift',
    host: lab.host,
    port: lab.port,
    database: lab.database,
    user: lab.logins[login].user,
    tls: { mode: 'disable' },
    applicationName: 'Immuta Worksheets demo',
    // The Immuta user behind each login, for the IMPERSONATE_USER check (the API key is governor's).
    immutaUser: `${login}@example.com`,
    // The governor's connection shows a confirmed impersonation: the lab's whoami() answers with the
    // Immuta user the session's reads run as, which only the fixture's policy decision produces.
    ...(login === 'governor' ? { effectProbe: { statement: 'SELECT effective_user FROM immuta.whoami()', expect: '{user}' } } : {}),
  }));
  const others: Record<string, unknown>[] = [];
  const summaries: DemoProfileSummary[] = [];
  if (servers.trinoUrl !== undefined) {
    others.push({ name: 'Lab Trino (governor)', platform: 'trino', server: servers.trinoUrl, user: lab.logins.governor.user, auth: 'basic', catalog: 'lab' });
    others.push({ name: 'Lab Trino native (governor)', platform: 'trino', server: servers.trinoUrl, user: lab.logins.governor.user, auth: 'basic', catalog: 'lab', impersonationMode: 'native' });
    summaries.push({ name: 'Lab Trino (governor)', login: lab.logins.governor.user, password: lab.logins.governor.password, note: 'Trino protocol; SET SESSION impersonation' });
    summaries.push({ name: 'Lab Trino native (governor)', login: lab.logins.governor.user, password: lab.logins.governor.password, note: 'Trino protocol; native (X-Trino-User)' });
  }
  if (servers.synapse !== undefined) {
    await fs.mkdir(path.join(folder, '.vscode'), { recursive: true });
    await fs.writeFile(path.join(folder, '.vscode', 'synapse-lab-ca.crt'), servers.synapse.caPem);
    const userMap = Object.fromEntries(['alice', 'bob', 'carol', 'dave'].map((name) => [`${name}@example.com`, name]));
    others.push({ name: 'Lab Synapse (governor)', platform: 'synapse', server: '127.0.0.1', port: servers.synapse.port, database: lab.database, user: lab.logins.governor.user, caFile: '.vscode/synapse-lab-ca.crt', userMap });
    summaries.push({ name: 'Lab Synapse (governor)', login: lab.logins.governor.user, password: lab.logins.governor.password, note: 'TDS 7.4 with TLS; session context' });
  }
  if (servers.databricks !== undefined) {
    await fs.mkdir(path.join(folder, '.vscode'), { recursive: true });
    await fs.writeFile(path.join(folder, '.vscode', 'databricks-lab-ca.crt'), servers.databricks.caPem);
    const common = { platform: 'databricks', host: '127.0.0.1', port: servers.databricks.port, httpPath: servers.databricks.httpPath, tls: { caFile: '.vscode/databricks-lab-ca.crt' } };
    others.push({ name: 'Lab Databricks (governor)', ...common });
    others.push({ name: 'Lab Databricks Unity Catalog (governor)', ...common, unityCatalog: true });
    summaries.push({ name: 'Lab Databricks (governor)', login: 'token', password: DEMO_DATABRICKS_TOKEN, note: 'Thrift over HTTPS; SET session key' });
    summaries.push({ name: 'Lab Databricks Unity Catalog (governor)', login: 'token', password: DEMO_DATABRICKS_TOKEN, note: 'Unity Catalog: no impersonation' });
  }
  if (servers.snowflake !== undefined) {
    others.push({ name: 'Lab Snowflake (governor)', platform: 'snowflake', account: servers.snowflake.account, accessUrl: servers.snowflake.accessUrl, user: lab.logins.governor.user, role: 'SYSADMIN' });
    summaries.push({ name: 'Lab Snowflake (governor)', login: lab.logins.governor.user, password: lab.logins.governor.password, note: 'Snowflake REST; role, then variable' });
  }
  const settings = {
    'immutaWorksheets.connections': [...profiles, ...others],
    ...(servers.immutaUrl !== undefined ? { 'immutaWorksheets.immuta.url': servers.immutaUrl } : {}),
    'files.exclude': { '.vscode': true },
    'workbench.startupEditor': 'none',
    'security.workspace.trust.enabled': false,
  };
  await fs.writeFile(path.join(folder, '.vscode', 'settings.json'), `${JSON.stringify(settings, null, 2)}\n`);
  await fs.writeFile(path.join(folder, 'redshift-demo.sql'), REDSHIFT_DEMO);
  await fs.writeFile(path.join(folder, 'results-demo.sql'), RESULTS_DEMO);
  await fs.writeFile(path.join(folder, 'checks.sql'), CHECKS_DEMO);
  const { name, identity, entry } = CHECKS_DEMO_SNAPSHOT;
  await fs.writeFile(path.join(folder, 'checks.snapshots.json'), serializeSnapshots(new Map([[name, new Map([[identity, entry]])]])));
  if (servers.trinoUrl !== undefined) await fs.writeFile(path.join(folder, 'trino-demo.sql'), TRINO_DEMO);
  if (servers.snowflake !== undefined) await fs.writeFile(path.join(folder, 'snowflake-demo.sql'), SNOWFLAKE_DEMO);
  if (servers.synapse !== undefined) await fs.writeFile(path.join(folder, 'synapse-demo.sql'), SYNAPSE_DEMO);
  if (servers.databricks !== undefined) await fs.writeFile(path.join(folder, 'databricks-demo.sql'), DATABRICKS_DEMO);
  if (servers.immutaUrl !== undefined) await fs.writeFile(path.join(folder, 'immuta-demo.sql'), IMMUTA_DEMO);
  return [...logins.map(({ login, note }) => ({ name: `Lab Redshift (${login})`, login: lab.logins[login].user, password: lab.logins[login].password, note })), ...summaries];
}
