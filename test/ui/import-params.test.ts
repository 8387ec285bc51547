/**
 * Issue 21 in the workbench. Import Connections: the files the platforms' own tools keep
 * (~/.pg_service.conf with ~/.pgpass, ~/.snowflake/connections.toml, ~/.databrickscfg) are written
 * into the extension host's home folder (the VS Code server's HOME, which the tier points into its
 * own temp folder), the command lists what it found with where it found it, imports the two picked,
 * and a worksheet connects through the imported Redshift service with the password ~/.pgpass gave
 * (no prompt). The import writes to the user settings, which a workspace with its own connections
 * list (the demo's) overrides, so the demo's list is set aside for that step and put back after.
 * Parameters: a statement with `:region` asks for its value before anything reaches
 * the server, runs bound, says the value in the results' stamp, and offers it again on the next run.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Locator } from 'playwright-core';
import { ResultsView } from './results-view';
import { scenario, until } from './scenario';
import { openWithConnection, passwordIfAsked } from './steps';
import { ui } from './ui-context';

const IMPORT_FILE = 'import-demo.sql';
const PARAMS_FILE = 'params-demo.sql';
const PARAMS_SQL = 'SELECT count(*) AS n FROM sales.customers WHERE region = :region';
/** The imported Redshift service (its section name in ~/.pg_service.conf) and Snowflake connection. */
const SERVICE = 'lab-redshift';
const SNOWFLAKE = 'lab';

/** The extension host's home folder: the server's HOME (test/vscode-host/server.ts, isolatedDirs). */
function home(): string {
  return path.join(ui().serverRoot, 'home');
}

/** The user settings file of the server (server.ts writes it under --user-data-dir). */
function userSettingsFile(): string {
  return path.join(ui().serverRoot, 'user-data', 'User', 'settings.json');
}

function workspaceSettingsFile(): string {
  return path.join(ui().workspace, '.vscode', 'settings.json');
}

/** Writes the platforms' own files into the home folder, as their tools would, pointing at the labs. */
function prepareHome(): void {
  const { lab, snowflake } = ui();
  const governor = lab.logins.governor;
  fs.writeFileSync(
    path.join(home(), '.pg_service.conf'),
    ['# services for psql', `[${SERVICE}]`, `host=${lab.host}`, `port=${lab.port}`, `dbname=${lab.database}`, `user=${governor.user}`, 'sslmode=disable', ''].join('\n'),
  );
  // libpq's own escaping of ':' and '\' in a password line.
  const escaped = governor.password.replace(/\\/g, '\\\\').replace(/:/g, '\\:');
  fs.writeFileSync(path.join(home(), '.pgpass'), `${lab.host}:*:*:${governor.user}:${escaped}\n`, { mode: 0o600 });
  fs.mkdirSync(path.join(home(), '.snowflake'), { recursive: true });
  const access = new URL(snowflake.accessUrl);
  fs.writeFileSync(
    path.join(home(), '.snowflake', 'connections.toml'),
    [
      `[${SNOWFLAKE}]`,
      `account = "${snowflake.account}"`,
      `user = "${governor.user}"`,
      `password = "${governor.password.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`,
      `host = "${access.hostname}"`,
      `port = ${access.port}`,
      `protocol = "${access.protocol.replace(':', '')}"`,
      '',
    ].join('\n'),
  );
  // Found and listed, but not picked: it is never connected to.
  fs.writeFileSync(path.join(home(), '.databrickscfg'), ['[lab]', 'host = https://127.0.0.1:9', 'token = dapi-not-picked', 'http_path = /sql/1.0/warehouses/none', ''].join('\n'));
}

function removeHomeFiles(): void {
  for (const name of ['.pg_service.conf', '.pgpass', '.snowflake', '.databrickscfg']) fs.rmSync(path.join(home(), name), { recursive: true, force: true });
}

/** A row of the open quick pick whose text contains `text`. */
function pickRow(text: string): Locator {
  return ui().workbench.page.locator('.quick-input-list .monaco-list-row', { hasText: text }).first();
}

/** Whether a row of a many-pick is checked, as its checkbox (1.100: an input; 1.139: a toggle) or the row says. */
async function isChecked(row: Locator): Promise<string> {
  // The DOM as far as this needs it (this Node project compiles no DOM types).
  interface Node {
    querySelector(selector: string): (Node & { checked?: boolean }) | null;
    getAttribute(name: string): string | null;
    outerHTML: string;
  }
  return row.evaluate((element) => {
    const node = element as unknown as Node;
    const input = node.querySelector('input[type="checkbox"]');
    if (input && typeof input.checked === 'boolean') return String(input.checked);
    const toggle = node.querySelector('[aria-checked]');
    if (toggle) return toggle.getAttribute('aria-checked') ?? 'unknown';
    return node.getAttribute('aria-checked') ?? `unknown: ${node.outerHTML.slice(0, 600)}`;
  });
}

/**
 * Screenshot of an open quick input once it has finished fading in (otherwise the picture shows
 * the editor through it).
 */
async function quickInputScreenshot(name: string): Promise<void> {
  const { workbench } = ui();
  await workbench.page.waitForFunction(
    "(() => { const widget = document.querySelector('.quick-input-widget'); return widget !== null && widget.getAnimations({ subtree: true }).every((animation) => animation.playState !== 'running'); })()",
    undefined,
    { timeout: 5_000 },
  );
  await workbench.screenshot(name);
}

/** The connections listed in user settings, as the server's settings file has them. */
function userConnections(): { name?: string; importedFrom?: string }[] {
  const text = fs.readFileSync(userSettingsFile(), 'utf8');
  const value = (JSON.parse(text) as Record<string, unknown>)['immutaWorksheets.connections'];
  return Array.isArray(value) ? (value as { name?: string; importedFrom?: string }[]) : [];
}

/**
 * The status lines of every results view of `worksheet` now (a view that shows no result yet, as
 * "No results yet", has none).
 */
async function shownStatuses(worksheet: string): Promise<string[]> {
  const statuses: string[] = [];
  for (const frame of ui().workbench.page.frames()) {
    if (frame.isDetached() || !(await frame.title().catch(() => '')).includes(worksheet)) continue;
    statuses.push(...(await frame.locator('[data-testid="status-text"]').allInnerTexts().catch(() => [])));
  }
  return statuses;
}

scenario('Import Connections from a prepared home folder', 240_000, () => {
  let workspaceSettings: string | undefined;
  let userSettings: string | undefined;
  before(async () => {
    userSettings = fs.readFileSync(userSettingsFile(), 'utf8');
    await ui().workbench.closeAllEditors();
  });
  // The flows after these find the workspace as it was: its own connections, none in the user
  // settings, no secret of the imported connections stored, no platform files in the home folder.
  after(async () => {
    const { workbench, workspace } = ui();
    await workbench.quiet();
    if (workspaceSettings !== undefined) {
      for (const name of [SERVICE, SNOWFLAKE]) {
        await workbench.runCommand('Immuta: Forget Connection Secret');
        await workbench.answerQuickInput(name, name, 'Forget the stored secret of');
        await workbench.waitForNotification(`The secret of "${name}" was removed`);
      }
      await workbench.clearNotifications();
    }
    await workbench.closeAllEditors();
    if (userSettings !== undefined) fs.writeFileSync(userSettingsFile(), userSettings);
    if (workspaceSettings !== undefined) fs.writeFileSync(workspaceSettingsFile(), workspaceSettings);
    removeHomeFiles();
    fs.rmSync(path.join(workspace, IMPORT_FILE), { force: true });
  });

  it('lists the connections found in the home folder, each with the file and entry it came from', async () => {
    const { workbench } = ui();
    prepareHome();
    await workbench.runCommand('Immuta: Import Connections');
    await workbench.openedQuickInput('Import Connections');
    const sources = {
      [SERVICE]: path.join(home(), '.pg_service.conf'),
      [SNOWFLAKE]: path.join(home(), '.snowflake', 'connections.toml'),
      'lab (2)': path.join(home(), '.databrickscfg'),
    };
    for (const [name, file] of Object.entries(sources)) {
      const row = pickRow(`${file} [`);
      await row.waitFor({ state: 'visible' });
      const text = (await row.innerText()).replace(/\s+/g, ' ');
      assert.ok(text.includes(name), `the row of ${file} names the connection "${name}": ${text}`);
    }
    assert.match((await pickRow('.pg_service.conf').innerText()).replace(/\s+/g, ' '), /Redshift/);
    assert.match((await pickRow('connections.toml').innerText()).replace(/\s+/g, ' '), /Snowflake/);
    assert.match((await pickRow('.databrickscfg').innerText()).replace(/\s+/g, ' '), /Databricks/);
    await quickInputScreenshot('import-found');
  });

  it('imports the two picked into the user settings, without their secrets', async () => {
    const { workbench, lab } = ui();
    // Everything found starts picked: leave out the Databricks one.
    const databricks = pickRow('.databrickscfg');
    assert.equal(await isChecked(databricks), 'true', 'found connections start picked');
    await databricks.click();
    await until('the Databricks row unpicked', () => isChecked(databricks), (state) => state === 'false', 5_000);
    assert.equal(await isChecked(pickRow('.pg_service.conf')), 'true');
    assert.equal(await isChecked(pickRow('connections.toml')), 'true');
    await quickInputScreenshot('import-picked');
    await workbench.page.keyboard.press('Enter');
    // The demo workspace has its own connections list, which replaces the user's: the import says so.
    await workbench.waitForNotification('Imported 2, updated 0. They are in your user settings, but this workspace');
    const imported = await until('the imported connections in the user settings', async () => userConnections(), (list) => list.length === 2);
    assert.deepEqual(imported.map((entry) => entry.name).sort(), [SNOWFLAKE, SERVICE].sort());
    assert.ok(imported.every((entry) => entry.importedFrom !== undefined), 'each says where it came from');
    assert.ok(!fs.readFileSync(userSettingsFile(), 'utf8').includes(lab.logins.governor.password), 'no password in the settings');
    await workbench.screenshot('import-done');
  });

  it('the imported Redshift service is in the status bar\u2019s connection picker and runs SELECT 1 with the ~/.pgpass password, unasked', async () => {
    const { workbench, workspace } = ui();
    // The demo workspace has its own connections, which replace the user's list (VS Code does
    // not merge list settings): set them aside, as a workspace without its own would be.
    workspaceSettings = fs.readFileSync(workspaceSettingsFile(), 'utf8');
    const aside = JSON.parse(workspaceSettings) as Record<string, unknown>;
    delete aside['immutaWorksheets.connections'];
    fs.writeFileSync(workspaceSettingsFile(), `${JSON.stringify(aside, null, 2)}\n`);
    fs.writeFileSync(path.join(workspace, IMPORT_FILE), 'SELECT 1 AS one;\n');
    await workbench.openFile(IMPORT_FILE);
    await workbench.focusEditor(IMPORT_FILE);
    const item = workbench.connectionItem();
    await item.waitFor({ state: 'visible' });
    // The settings change reaches the extension through VS Code's file watcher: open the picker until it lists the import alone.
    await until(
      'the connection picker listing the imported connections',
      async () => {
        await workbench.closeQuickInput();
        await item.click();
        await workbench.openedQuickInput('Choose the connection');
        await pickRow(SERVICE).waitFor({ state: 'visible', timeout: 5_000 }).catch(() => undefined);
        return workbench.page.locator('.quick-input-list .monaco-list-row').allInnerTexts();
      },
      (rows) => rows.some((row) => row.includes(SERVICE)) && rows.some((row) => row.includes('Snowflake')) && !rows.some((row) => row.includes('Lab Redshift (governor)')),
    );
    await quickInputScreenshot('import-picker');
    await workbench.answerQuickInput(SERVICE, SERVICE);
    await workbench.statusItem(`${SERVICE} ·`).waitFor({ state: 'visible' });
    await workbench.focusEditor(IMPORT_FILE);
    await workbench.page.keyboard.press('Control+Enter');
    const view = await ResultsView.of(workbench.page, IMPORT_FILE);
    // Never a password prompt on the way to the result: the import stored the ~/.pgpass password.
    const prompt = workbench.page.locator('.quick-input-widget', { hasText: 'Password for' });
    const status = await until(
      'the result of SELECT 1, with no password prompt',
      async () => ((await prompt.isVisible()) ? 'PASSWORD PROMPT' : await view.statusText().catch(() => '')),
      (text) => text === 'PASSWORD PROMPT' || /^1 row/.test(text) || /error|failed/i.test(text),
      30_000,
    );
    assert.match(status, /^1 row/, 'SELECT 1 ran without asking for a password');
    assert.deepEqual(await view.visibleRows(1), [['1']]);
    await workbench.screenshot('import-select-1');
  });
});

scenario('Query parameters: asked before the run, remembered for the next', 180_000, () => {
  const CONNECTION = 'Lab Redshift (governor)';
  let lastLogged = 0;
  /** The server's audit rows of this statement (it logs `$1`: the value goes bound). */
  const logged = async () =>
    Number((await ui().lab.adminQuery<{ n: string }>("SELECT count(*) AS n FROM immuta.query_log WHERE id > $1 AND statement LIKE '%region = $1%'", [lastLogged]))[0].n);
  before(async () => {
    const [last] = await ui().lab.adminQuery<{ id: string | null }>('SELECT max(id) AS id FROM immuta.query_log');
    lastLogged = Number(last.id ?? 0);
    fs.writeFileSync(path.join(ui().workspace, PARAMS_FILE), `${PARAMS_SQL};\n`);
  });
  // As the checks flow leaves it: governor's password not stored, no reads of these runs logged.
  after(async () => {
    const { workbench, workspace, lab } = ui();
    await workbench.quiet();
    await lab.adminQuery('DELETE FROM immuta.query_log WHERE id > $1', [lastLogged]);
    await workbench.runCommand('Immuta: Forget Connection Secret');
    await workbench.answerQuickInput(CONNECTION, CONNECTION, 'Forget the stored secret of');
    await workbench.waitForNotification('was removed from VS Code');
    await workbench.clearNotifications();
    await workbench.closeAllEditors();
    fs.rmSync(path.join(workspace, PARAMS_FILE), { force: true });
    await workbench.runCommand('View: Show Explorer');
  });

  let expected = '';
  /** The audit rows after the first run. */
  let firstRun = 0;
  it('asks for :region before anything reaches the server', async () => {
    const { workbench, lab } = ui();
    const [eu] = await lab.adminQuery<{ n: string }>("SELECT count(*) AS n FROM immuta_raw.customers WHERE region = 'EU'");
    expected = String(eu.n);
    await openWithConnection(workbench, PARAMS_FILE, CONNECTION);
    await workbench.focusEditor(PARAMS_FILE);
    await workbench.page.keyboard.press('Control+Enter');
    const box = await workbench.openedQuickInput('Query parameter :region');
    assert.equal(await box.inputValue(), '', 'nothing remembered for this file yet');
    // While the box is open: no statement on the server, none logged, no results view for it.
    const running = await lab.adminQuery<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE query LIKE '%region = $1%' AND pid <> pg_backend_pid()");
    assert.deepEqual(running, [], 'no session has seen the statement');
    assert.equal(await logged(), 0, 'the server logged no read of it');
    assert.deepEqual(await shownStatuses(PARAMS_FILE), [], 'no result of it in any results view');
    await box.fill('EU');
    await quickInputScreenshot('params-prompt');
  });

  it('runs bound with EU: governor\u2019s count of EU customers, the stamp saying region=\u2019EU\u2019', async () => {
    const { workbench } = ui();
    await workbench.page.keyboard.press('Enter');
    const view = await ResultsView.of(workbench.page, PARAMS_FILE);
    await passwordIfAsked(workbench, 'governor', view.frame.locator('[data-testid="status-text"]').filter({ hasText: /^1 row/ }).first());
    assert.deepEqual(await view.visibleRows(1), [[expected]]);
    assert.match(await view.stampText(), /with region='EU'/);
    firstRun = await logged();
    assert.ok(firstRun > 0, 'the server read it, bound');
    await workbench.screenshot('params-result');
  });

  it('the next run offers EU again; Enter runs it with the same result', async () => {
    const { workbench } = ui();
    await workbench.focusEditor(PARAMS_FILE);
    await workbench.page.keyboard.press('Control+Enter');
    const box = await workbench.openedQuickInput('Query parameter :region');
    await until('the box offering the last value', () => box.inputValue(), (value) => value === 'EU', 5_000);
    assert.equal(await logged(), firstRun, 'the second run waits for the answer too');
    await quickInputScreenshot('params-remembered');
    await workbench.page.keyboard.press('Enter');
    await until('the second run read on the server', logged, (count) => count > firstRun);
    const view = await ResultsView.of(workbench.page, PARAMS_FILE);
    await view.waitForStatus(/^1 row/);
    assert.deepEqual(await view.visibleRows(1), [[expected]]);
    assert.match(await view.stampText(), /with region='EU'/);
    await workbench.screenshot('params-result-again');
  });
});
