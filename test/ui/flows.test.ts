import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEMO_PASSWORDS } from '../lab/demo-workspace';
import { ResultsView } from './results-view';
import { scenario, until } from './scenario';
import { activeStatements, answerIdentityPicker, impersonateFromStatusBar, newWorksheet } from './steps';
import { ui } from './ui-context';

interface ServerRead {
  readonly backend_pid: number;
  readonly effective_user: string;
  readonly impersonating: boolean;
}

/** Reads of a data source as the fixture's query log recorded them (who, on which backend), oldest first. */
function readsOf(dataSource: string): Promise<ServerRead[]> {
  return ui().lab.adminQuery<ServerRead>('SELECT backend_pid, effective_user, impersonating FROM immuta.query_log WHERE data_source = $1 ORDER BY id', [dataSource]);
}

/** The reads of a data source once there are at least `count` of them. */
function awaitReads(dataSource: string, count: number): Promise<ServerRead[]> {
  return until(`${count} reads of ${dataSource} in the query log`, () => readsOf(dataSource), (reads) => reads.length >= count);
}

async function sessionsOf(login: string): Promise<{ application_name: string; usename: string }[]> {
  return ui().lab.adminQuery("SELECT application_name, usename FROM pg_stat_activity WHERE usename = $1 AND application_name = 'Immuta Worksheets demo'", [login]);
}

/** One person's session on Redshift: each step starts where the one before left the workbench. */
scenario('worksheets in the workbench, as a person uses them', 120_000, () => {
  it('activates on a SQL file and shows the connection and identity items', async () => {
    const { workbench } = ui();
    await workbench.openFile('redshift-demo.sql');
    await workbench.statusItem('Select connection').waitFor({ state: 'visible' });
    await workbench.statusItem(/^\s*yourself\s*$/).waitFor({ state: 'visible' });
    await workbench.screenshot('sql-file-open-status-bar');
  });

  it('selects a connection through the command palette', async () => {
    const { workbench } = ui();
    await workbench.runCommand('Immuta: Select Connection');
    await workbench.screenshot('connection-picker');
    await workbench.answerQuickInput('Lab Redshift (governor)', 'Lab Redshift (governor)');
    await workbench.statusItem('Lab Redshift (governor) · Redshift').waitFor({ state: 'visible' });
    await workbench.screenshot('connection-selected');
  });

  it('impersonates a user from the status bar, asking for the password once', async () => {
    const { workbench, lab } = ui();
    assert.deepEqual(await sessionsOf(lab.logins.governor.user), [], 'no session before the first use');
    await workbench.statusItem(/^\s*yourself\s*$/).click();
    await workbench.openedQuickInput('Run this worksheet as');
    await workbench.screenshot('identity-picker');
    await answerIdentityPicker(workbench, 'alice@example.com', 'Impersonate "alice@example.com"');
    // The connection opens on this first use: VS Code asks for the password (kept in secret storage).
    await workbench.page.locator('.quick-input-widget', { hasText: 'Password for governor' }).waitFor({ state: 'visible' });
    await workbench.screenshot('password-prompt');
    await workbench.answerQuickInput(DEMO_PASSWORDS.governor);
    await workbench.statusItem('as alice@example.com').waitFor({ state: 'visible' });
    await workbench.screenshot('impersonating-alice');
    assert.equal((await sessionsOf(lab.logins.governor.user)).length, 1, 'one dedicated session for the worksheet');
  });

  it('switches to another user and back to yourself without asking again', async () => {
    const { workbench, lab } = ui();
    await workbench.statusItem('as alice@example.com').click();
    await workbench.openedQuickInput('Run this worksheet as');
    await answerIdentityPicker(workbench, 'bob@example.com', 'Impersonate "bob@example.com"');
    await workbench.statusItem('as bob@example.com').waitFor({ state: 'visible' });
    await workbench.statusItem('as bob@example.com').click();
    await workbench.openedQuickInput('Run this worksheet as');
    await workbench.page.locator('.quick-input-list .monaco-list-row', { hasText: 'alice@example.com' }).first().waitFor({ state: 'visible' });
    await workbench.screenshot('picker-with-recent-users');
    await workbench.answerQuickInput('stop', 'Stop impersonating');
    await workbench.statusItem(/^\s*yourself\s*$/).waitFor({ state: 'visible' });
    await workbench.screenshot('back-to-yourself');
    assert.equal((await sessionsOf(lab.logins.governor.user)).length, 1, 'still the same single session');
  });

  it('runs the statement under the cursor with Ctrl+Enter, as the impersonated user', async () => {
    const { workbench } = ui();
    await workbench.statusItem(/^\s*yourself\s*$/).click();
    await workbench.openedQuickInput('Run this worksheet as');
    await answerIdentityPicker(workbench, 'bob@example.com', 'bob@example.com');
    await workbench.statusItem('as bob@example.com').waitFor({ state: 'visible' });
    // Click into the first statement (SELECT region, count(*) ... GROUP BY region) and run it.
    await workbench.clickLine(workbench.page.locator('.monaco-editor .view-line', { hasText: 'GROUP BY region' }).first());
    await workbench.page.keyboard.press('Control+Enter');
    // The results open beside the editor, stamped with whom the statement ran as.
    const results = await ResultsView.of(workbench.page, 'redshift-demo.sql');
    await results.waitForStatus('1 row');
    assert.match(await results.stampText(), /as bob@example\.com/);
    assert.deepEqual(await results.visibleRows(), [['EU', '500']], 'bob sees the 500 EU customers and no other region');
    await workbench.screenshot('ran-as-bob');
  });

  it('runs a statement from its CodeLens, which names the user', async () => {
    const { workbench } = ui();
    const lenses = workbench.page.locator('.codelens-decoration a', { hasText: 'Run as bob@example.com' });
    await lenses.first().waitFor({ state: 'visible' });
    await workbench.screenshot('codelens-run-as-bob');
    // The third statement: SELECT * FROM fraud.cases, visible to bob inside "Fraud Analytics".
    await lenses.nth(2).click();
    const results = await ResultsView.of(workbench.page, 'redshift-demo.sql');
    await results.waitForStatus('50 rows');
    assert.match(await results.stampText(), /as bob@example\.com/);
    await workbench.screenshot('codelens-ran-fraud-cases');
    const reads = await readsOf('Fraud Cases');
    assert.deepEqual(reads.map((read) => read.effective_user), ['bob@example.com']);
  });

  it('stops impersonating from the picker, and the next run returns your own rows', async () => {
    const { workbench } = ui();
    await workbench.statusItem('as bob@example.com').click();
    await workbench.openedQuickInput('Run this worksheet as');
    await answerIdentityPicker(workbench, 'stop', 'Stop impersonating');
    await workbench.statusItem(/^\s*yourself\s*$/).waitFor({ state: 'visible' });
    await workbench.clickLine(workbench.page.locator('.monaco-editor .view-line', { hasText: 'GROUP BY region' }).first());
    await workbench.page.keyboard.press('Control+Enter');
    const results = await ResultsView.of(workbench.page, 'redshift-demo.sql');
    await results.waitForStatus('3 rows');
    assert.deepEqual(await results.visibleRows(3), [['APAC', '500'], ['EU', '500'], ['US', '500']], 'all regions again');
    assert.match(await results.stampText(), /as yourself \(governor\)/);
    await workbench.screenshot('stopped-own-rows');
  });

  it('opens a second worksheet that starts as yourself and returns your own rows', async () => {
    const { workbench } = ui();
    await newWorksheet(workbench, 'Lab Redshift (governor)');
    await workbench.statusItem(/^\s*yourself\s*$/).waitFor({ state: 'visible' });
    await workbench.page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click();
    await workbench.page.keyboard.type('SELECT DISTINCT region FROM sales.customers ORDER BY 1;');
    await workbench.page.keyboard.press('Control+Enter');
    // Its own results: the Results view now shows this worksheet's (results-panel.test.ts shows
    // the first worksheet's come back when it is active again).
    const results = await ResultsView.of(workbench.page, 'Untitled');
    await results.waitForStatus('3 rows');
    assert.deepEqual(await results.visibleRows(3), [['APAC'], ['EU'], ['US']], 'the governor sees every region');
    await workbench.resultsTab('Untitled').waitFor({ state: 'visible' });
    await workbench.screenshot('second-tab-as-yourself');
    const last = (await readsOf('Customers')).at(-1);
    assert.deepEqual(last && { effective_user: last.effective_user, impersonating: last.impersonating }, { effective_user: 'governor@example.com', impersonating: false }, 'the server saw the read as the governor');
  });

  it('cancels pg_sleep(30) from the editor title button, and the editor is free again at once', async () => {
    const { workbench } = ui();
    await workbench.page.keyboard.press('Enter');
    await workbench.page.keyboard.type('SELECT pg_sleep(30);');
    await workbench.page.keyboard.press('Control+Enter');
    const cancel = workbench.page.locator('.editor-actions .action-item a[aria-label*="Cancel Running Statement"]').first();
    await cancel.waitFor({ state: 'visible' });
    await workbench.screenshot('running-with-cancel-button');
    const results = await ResultsView.of(workbench.page, 'Untitled');
    await results.waitForStatus('Running');
    // Cancel what the server is running, not what the editor believes it sent.
    const [running] = await until('pg_sleep(30) running at the server', () => activeStatements('pg_sleep(30)'), (rows) => rows.length === 1);
    await cancel.click();
    await results.waitForStatus('Cancelled');
    await workbench.page.locator('.editor-actions .action-item a[aria-label*="Run Statement or Selection"]').first().waitFor({ state: 'visible' });
    // The server stopped it (the statement would otherwise run on for 30 s) and the session lives on.
    const after = await ui().lab.adminQuery<{ state: string }>('SELECT state FROM pg_stat_activity WHERE pid = $1', [running.pid]);
    assert.deepEqual(after, [{ state: 'idle' }], 'the backend is idle again, its session kept');
    await workbench.screenshot('cancelled');
  });

  it('saving an untitled impersonating worksheet keeps its session and its impersonation', async () => {
    const { workbench, workspace } = ui();
    await newWorksheet(workbench, 'Lab Redshift (governor)');
    await workbench.page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click();
    await workbench.page.keyboard.type('SELECT count(*) FROM sales.customers;');
    await workbench.statusItem(/^\s*yourself\s*$/).click();
    await workbench.openedQuickInput('Run this worksheet as');
    await answerIdentityPicker(workbench, 'carol@example.com', 'carol@example.com');
    await workbench.statusItem('as carol@example.com').waitFor({ state: 'visible' });
    const earlier = (await readsOf('Customers')).length;
    await workbench.clickLine(workbench.page.locator('.monaco-editor .view-line', { hasText: 'count(*)' }).first());
    await workbench.page.keyboard.press('Control+Enter');
    const before = (await awaitReads('Customers', earlier + 1)).at(-1);
    assert.equal(before?.effective_user, 'carol@example.com');

    // Save As: VS Code's own dialog (a quick input here) with a path in the workspace.
    await workbench.page.keyboard.press('Control+Shift+S');
    await workbench.quickInput().waitFor({ state: 'visible' });
    await workbench.screenshot('save-as-dialog');
    const target = path.join(workspace, 'saved-worksheet.sql');
    // The dialog fills in its proposal after it opens: answer once it has, or the proposal wins.
    await workbench.answerSaveDialog(/\.sql$/, target);
    await workbench.editorTab('saved-worksheet.sql', { active: true }).waitFor({ state: 'visible' });
    assert.ok(fs.existsSync(target));
    await workbench.statusItem('as carol@example.com').waitFor({ state: 'visible' });
    await workbench.screenshot('saved-as-keeps-carol');
    await workbench.clickLine(workbench.page.locator('.monaco-editor .view-line', { hasText: 'count(*)' }).first());
    await workbench.page.keyboard.press('Control+Enter');
    const reads = await awaitReads('Customers', earlier + 2);
    assert.deepEqual(reads.at(-1), before && { ...before, effective_user: 'carol@example.com' }, 'same backend, still carol');
    assert.equal(reads.filter((read) => read.backend_pid === before?.backend_pid).length, 2, 'both reads ran on the one session');
  });

  it('closing the last tab of a worksheet closes its session (the server sees it go)', async () => {
    const { workbench, lab } = ui();
    const read = (await readsOf('Customers')).at(-1);
    const alive = async () => (await lab.adminQuery('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [read?.backend_pid])).length === 1;
    assert.equal(await alive(), true);
    await workbench.page.keyboard.press('Control+W');
    await workbench.editorTab('saved-worksheet.sql').waitFor({ state: 'detached' });
    // Its results view closes with it.
    await workbench.resultsTab('saved-worksheet.sql').waitFor({ state: 'detached' });
    await until('the backend to end', alive, (isAlive) => !isAlive);
  });

  it('an empty impersonating worksheet saved as a file, and an empty file opened right after, both start as yourself', async () => {
    const { workbench, workspace, lab } = ui();
    // Every new document starts empty: empty text is no evidence that a file is the save-as of an
    // impersonating worksheet, however close in time the two are.
    const fresh = path.join(workspace, 'fresh-empty.sql');
    fs.writeFileSync(fresh, '');
    const freshRow = workbench.page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'fresh-empty.sql' });
    await freshRow.waitFor({ state: 'visible' });
    const sessionsBefore = await lab.adminQuery<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE usename = 'governor'");
    await newWorksheet(workbench, 'Lab Redshift (governor)');
    await impersonateFromStatusBar(workbench, /^\s*yourself\s*$/, 'carol@example.com');
    const carolSession = (await lab.adminQuery<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE usename = 'governor'")).find(
      (row) => !sessionsBefore.some((before) => before.pid === row.pid),
    );
    assert.ok(carolSession, 'the untitled worksheet opened a session of its own');

    await workbench.focusActiveEditor();
    await workbench.page.keyboard.press('Control+Shift+S');
    const target = path.join(workspace, 'empty-saved.sql');
    await workbench.answerSaveDialog(/\.sql$/, target);
    await workbench.editorTab('empty-saved.sql', { active: true }).waitFor({ state: 'visible' });
    // At once, while the untitled worksheet is still closing: an empty file, opened from the explorer.
    await freshRow.click();
    await workbench.editorTab('fresh-empty.sql', { active: true }).waitFor({ state: 'visible' });
    await workbench.statusItem(/^\s*yourself\s*$/).waitFor({ state: 'visible' });
    assert.equal(await workbench.statusItem('as carol@example.com').count(), 0, 'the new empty file does not run as carol');
    await workbench.screenshot('empty-file-starts-as-yourself');
    await workbench.editorTab('empty-saved.sql').click();
    await workbench.editorTab('empty-saved.sql', { active: true }).waitFor({ state: 'visible' });
    await workbench.statusItem(/^\s*yourself\s*$/).waitFor({ state: 'visible' });
    assert.equal(await workbench.statusItem('as carol@example.com').count(), 0, 'the empty save-as does not run as carol either');
    // Nobody took carol's session over, so it closes with the untitled worksheet: nothing leaks.
    await until(`the backend ${carolSession.pid} of the closed worksheet to end`, () => lab.adminQuery('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [carolSession.pid]), (rows) => rows.length === 0);
    await workbench.page.keyboard.press('Control+W');
    await workbench.editorTab('empty-saved.sql').waitFor({ state: 'detached' });
    await workbench.focusEditor('fresh-empty.sql');
    await workbench.page.keyboard.press('Control+W');
    await workbench.editorTab('fresh-empty.sql').waitFor({ state: 'detached' });
  });

  it('renaming a worksheet file in the explorer keeps its session and impersonation', async () => {
    const { workbench } = ui();
    await workbench.editorTab('redshift-demo.sql').click();
    await workbench.editorTab('redshift-demo.sql', { active: true }).waitFor({ state: 'visible' });
    await workbench.statusItem(/^\s*yourself\s*$/).click();
    await workbench.openedQuickInput('Run this worksheet as');
    await answerIdentityPicker(workbench, 'dave@example.com', 'Impersonate "dave@example.com"');
    await workbench.statusItem('as dave@example.com').waitFor({ state: 'visible' });
    const runCampaigns = async (count: number) => {
      await workbench.clickLine(workbench.page.locator('.monaco-editor .view-line', { hasText: 'marketing.campaigns' }).first());
      await workbench.page.keyboard.press('Control+Enter');
      return awaitReads('Campaigns', count);
    };
    await runCampaigns(1);
    await workbench.page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'redshift-demo.sql' }).click();
    await workbench.page.keyboard.press('F2');
    const rename = workbench.page.locator('.explorer-folders-view .monaco-inputbox input');
    await rename.waitFor({ state: 'visible' });
    await rename.fill('renamed-demo.sql');
    await workbench.page.keyboard.press('Enter');
    await workbench.editorTab('renamed-demo.sql').click();
    await workbench.resultsTab('renamed-demo.sql').waitFor({ state: 'visible' });
    await workbench.statusItem('as dave@example.com').waitFor({ state: 'visible' });
    await workbench.screenshot('renamed-keeps-dave');
    const reads = await runCampaigns(2);
    assert.equal(reads.length, 2);
    assert.deepEqual(reads[1], { ...reads[0], effective_user: 'dave@example.com' }, 'same session, still dave');
  });

  it('a split view of a worksheet shares its session and impersonation', async () => {
    const { workbench } = ui();
    await workbench.runCommand('View: Split Editor');
    await workbench.page.locator('.editor-group-container').nth(1).waitFor({ state: 'visible' });
    await workbench.statusItem('as dave@example.com').waitFor({ state: 'visible' });
    await workbench.clickLine(workbench.page.locator('.editor-group-container').nth(1).locator('.view-line', { hasText: 'marketing.campaigns' }).first());
    await workbench.page.keyboard.press('Control+Enter');
    const reads = await awaitReads('Campaigns', 3);
    assert.equal(reads.length, 3);
    assert.deepEqual(reads[2], { ...reads[0], effective_user: 'dave@example.com' }, 'the split ran on the same session, as dave');
    await workbench.screenshot('split-view-shares-dave');
    // Close the split itself: "Close Editor Group" acts on whichever group is active, and the results
    // view taking focus can leave the first group active (with an untitled worksheet that asks to be saved).
    const split = workbench.page.locator('.editor-group-container').nth(1);
    await split.locator('.tabs-container .tab', { hasText: 'renamed-demo.sql' }).click();
    await until('the split view\u2019s group active', () => split.getAttribute('class'), (classes) => (classes ?? '').split(/\s+/).includes('active'));
    await workbench.page.keyboard.press('Control+W');
    await until('one editor of renamed-demo.sql left', () => workbench.editorTab('renamed-demo.sql').count(), (count) => count === 1);
  });

  it('tests a connection from the palette, asking for its password once', async () => {
    const { workbench } = ui();
    await workbench.runCommand('Immuta: Test Connection');
    await workbench.answerQuickInput('Lab Redshift (owner)', 'Lab Redshift (owner)');
    await workbench.page.locator('.quick-input-widget', { hasText: 'Password for owner' }).waitFor({ state: 'visible' });
    await workbench.answerQuickInput(DEMO_PASSWORDS.owner);
    await workbench.waitForNotification('Connected to "Lab Redshift (owner)" as owner');
    await workbench.screenshot('test-connection-ok');
  });

  it('adds a connection through the walkthrough and saves it in the workspace settings', async () => {
    const { workbench, lab, workspace } = ui();
    await workbench.page.keyboard.press('Escape');
    await workbench.runCommand('Immuta: Add Connection');
    await workbench.answerQuickInput('Amazon Redshift', 'Amazon Redshift', '(1/…)');
    await workbench.answerQuickInput('Added in the UI', undefined, '(2/9)');
    await workbench.answerQuickInput('127.0.0.1', undefined, '(3/9)');
    await workbench.answerQuickInput(String(lab.port), undefined, '(4/9)');
    await workbench.answerQuickInput('lab', undefined, '(5/9)');
    await workbench.page.locator('.quick-input-widget .quick-input-title', { hasText: '(6/9)' }).waitFor({ state: 'visible' });
    await workbench.screenshot('add-connection-login-step');
    await workbench.answerQuickInput('analyst', undefined, '(6/9)');
    await workbench.answerQuickInput('disable', 'disable', '(7/9): TLS');
    // The optional effect probe; giving one adds the step for its expected answer.
    await workbench.page.locator('.quick-input-widget .quick-input-title', { hasText: '(8/9): effect probe' }).waitFor({ state: 'visible' });
    await workbench.screenshot('add-connection-effect-probe-step');
    await workbench.answerQuickInput('SELECT effective_user FROM immuta.whoami()', undefined, '(8/9): effect probe');
    await workbench.answerQuickInput('{user}', undefined, '(9/10): probe answer');
    await workbench.answerQuickInput('Workspace settings', 'Workspace settings', '(10/10): save to');
    await workbench.waitForNotification('Connection "Added in the UI" was added.');
    await workbench.screenshot('connection-added');
    const settings = JSON.parse(fs.readFileSync(path.join(workspace, '.vscode', 'settings.json'), 'utf8')) as Record<string, { name: string; port: number; user: string; effectProbe?: unknown }[]>;
    const added = settings['immutaWorksheets.connections'].find((entry) => entry.name === 'Added in the UI');
    assert.deepEqual(added && { port: added.port, user: added.user, effectProbe: added.effectProbe }, {
      port: lab.port,
      user: 'analyst',
      effectProbe: { statement: 'SELECT effective_user FROM immuta.whoami()', expect: '{user}' },
    });
    assert.ok(!JSON.stringify(settings).includes('password'), 'no password field in settings');
  });
});
