import * as assert from 'node:assert/strict';
import { ResultsView } from './results-view';
import { scenario, until } from './scenario';
import { confirmIfAsked, openWithConnection, passwordIfAsked } from './steps';
import { ui } from './ui-context';
import type { Workbench } from './workbench';

const FILE = 'immuta-demo.sql';

/** Runs the statement on the line that contains `text`. */
async function runLine(workbench: Workbench, text: RegExp): Promise<void> {
  await workbench.focusEditor(FILE);
  await workbench.page.keyboard.press('Control+Home');
  await workbench.clickLine(workbench.page.locator('.editor-group-container.active .monaco-editor .view-line', { hasText: text }).first());
  await workbench.page.keyboard.press('Control+Enter');
}

/**
 * The extension knows Immuta, not only SQL: the picker searches the lab's Immuta API as you type,
 * shows each user's project, and the status bar and results stamp warn about project context;
 * a login without IMPERSONATE_USER is told so before anything runs.
 */
scenario('Immuta awareness, in the workbench', 120_000, () => {
  it('searches Immuta users as you type; picking bob warns of his project in the status bar, a notification and the results stamp', async () => {
    const { workbench, immuta } = ui();
    await workbench.runCommand('Immuta: Set Immuta API Key');
    await workbench.answerQuickInput(immuta.keys.governor, undefined, 'Immuta API key for');
    await workbench.waitForNotification('it belongs to governor@example.com, who holds IMPERSONATE_USER');

    await openWithConnection(workbench, FILE, 'Lab Redshift (governor)');
    const searchesBefore = immuta.received.filter((request) => request.path === '/bim/user').length;
    await workbench.statusItem(/^\s*yourself\s*$/).click();
    // The picker is open and has the keyboard before the first key goes in.
    const input = await workbench.openedQuickInput('Run this worksheet as');
    // Typed key by key, quickly: the search waits for a pause in the typing (debounced), so the
    // half-typed "b" is never searched.
    await input.pressSequentially('bo');
    const searched = () => immuta.received.filter((request) => request.path === '/bim/user').slice(searchesBefore);
    await until(
      'the picker to ask Immuta for "bo"',
      async () => searched().map((request) => request.query),
      (queries) => queries.some((query) => query.name === 'bo'),
    );
    assert.ok(!searched().some((request) => request.query.name === 'b'), 'typing was debounced: no search for the half-typed "b"');
    const bob = workbench.page.locator('.quick-input-list .monaco-list-row', { hasText: 'bob@example.com' }).filter({ hasText: 'in project Fraud Analytics' }).first();
    await bob.waitFor({ state: 'visible' });
    await workbench.screenshot('immuta-picker-search');
    await bob.click();
    await confirmIfAsked(workbench, 'bob@example.com', 'bob@example.com');
    await passwordIfAsked(workbench, 'governor', 'as bob@example.com');

    await workbench.statusItem('as bob@example.com · confirmed · project Fraud Analytics').waitFor({ state: 'visible' });
    await workbench.waitForNotification('bob@example.com is working in the Immuta project "Fraud Analytics"');
    await workbench.screenshot('immuta-project-warning');

    await runLine(workbench, /fraud_cases/);
    const results = await ResultsView.of(workbench.page, FILE);
    await results.waitForStatus('1 row');
    const stamp = await results.stampText();
    assert.match(stamp, /as bob@example\.com/);
    assert.match(stamp, /project Fraud Analytics/, `the stamp names the project: ${stamp}`);
    await workbench.screenshot('immuta-project-in-stamp');
  });

  it('with a login lacking IMPERSONATE_USER, warns in the picker and the status bar before anything runs, and explains the refusal', async () => {
    const { workbench, lab } = ui();
    await workbench.focusEditor(FILE);
    await workbench.runCommand('Immuta: Select Connection');
    await workbench.answerQuickInput('Lab Redshift (analyst)', 'Lab Redshift (analyst)');
    await workbench.statusItem('Lab Redshift (analyst) · Redshift').waitFor({ state: 'visible' });
    await workbench.statusItem(/^\s*yourself\s*$/).click();
    await workbench.page.locator('.quick-input-widget .quick-input-title', { hasText: 'analyst@example.com does not hold IMPERSONATE_USER' }).waitFor({ state: 'visible' });
    await workbench.screenshot('immuta-picker-no-permission');
    const before = await lab.adminQuery<{ n: string }>("SELECT count(*) AS n FROM immuta.query_log WHERE login = 'analyst'");
    await workbench.answerQuickInput('bob@example.com', 'bob@example.com');
    await passwordIfAsked(workbench, 'analyst', 'as bob@example.com');
    await workbench.statusItem('as bob@example.com · applied · no IMPERSONATE_USER').waitFor({ state: 'visible' });
    await workbench.screenshot('immuta-status-no-permission');
    const after = await lab.adminQuery<{ n: string }>("SELECT count(*) AS n FROM immuta.query_log WHERE login = 'analyst'");
    assert.equal(after[0]?.n, before[0]?.n, 'the warning came before anything read data');

    await runLine(workbench, /fraud_cases/);
    const results = await ResultsView.of(workbench.page, FILE);
    await results.byTestId('error-advice').waitFor({ state: 'visible' });
    assert.match(await results.byTestId('error-message').innerText(), /does not have the IMPERSONATE_USER permission/, 'the server\u2019s own words stay');
    assert.match(await results.byTestId('error-advice').innerText(), /Ask an Immuta administrator to grant it, or stop impersonating/);
    await workbench.screenshot('immuta-refusal-explained');
  });

  it('forgetting the API key leaves the project context unknown, never "none"', async () => {
    const { workbench } = ui();
    await workbench.runCommand('Immuta: Forget Immuta API Key');
    await workbench.waitForNotification('was removed from VS Code');
    await workbench.focusEditor(FILE);
    const item = workbench.statusItem('as bob@example.com');
    await workbench.page.waitForFunction("![...document.querySelectorAll('.statusbar-item')].some((element) => (element.textContent || '').includes('no IMPERSONATE_USER'))");
    await item.hover();
    const hover = workbench.page.locator('.monaco-hover, .workbench-hover', { hasText: 'Immuta project' }).first();
    await hover.waitFor({ state: 'visible' });
    assert.match(await hover.innerText(), /Immuta project: unknown/);
    assert.doesNotMatch(await hover.innerText(), /Immuta project: none/);
    await workbench.screenshot('immuta-key-forgotten');
    await workbench.page.keyboard.press('Escape');
  });
});
