/**
 * What this identity can see, in the workbench (issue 19): the Database Objects view follows the
 * worksheet's identity. As yourself (governor, acting under no project) the project-only data
 * source fraud.cases is not listed; impersonating bob (acting under Fraud Analytics, which
 * includes Fraud Cases) lists it, completion offers it after `FROM fraud.`, and Select Top 100 on
 * it runs as bob. The expectations come from the lab's fixture (test/lab/fixture.sql).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Locator } from 'playwright-core';
import { ResultsView } from './results-view';
import { scenario, until } from './scenario';
import { impersonateFromStatusBar, openWithConnection, passwordIfAsked } from './steps';
import { ui } from './ui-context';

const FILE = 'objects-demo.sql';

/** The Database Objects view's pane in the Explorer. */
function pane(): Locator {
  return ui().workbench.page.locator('.pane', { has: ui().workbench.page.locator('.pane-header', { hasText: 'Database Objects' }) }).first();
}

/** A row of the tree, by its label (the row's first text). */
function row(label: string): Locator {
  return pane().locator('.monaco-list-row', { has: ui().workbench.page.locator('.label-name', { hasText: new RegExp(`^${label}$`) }) }).first();
}

/** The labels of the tree's rows at `level` (1: the top), as drawn. */
async function labelsAt(level: number): Promise<string[]> {
  return pane().locator(`.monaco-list-row[aria-level="${level}"] .label-name`).allTextContents();
}

/** The header of the Explorer's folder section (the workspace folder "demo"). */
function folderHeader(): Locator {
  return ui().workbench.page.locator('.pane-header', { has: ui().workbench.page.locator('h3.title', { hasText: /^demo$/i }) }).first();
}

/** Collapses (or expands) the folder section, which gives the objects the sidebar's height. */
async function folders(expanded: boolean): Promise<void> {
  const header = folderHeader();
  if ((await header.getAttribute('aria-expanded')) !== String(expanded)) await header.click();
  await until('the folder section', () => header.getAttribute('aria-expanded'), (state) => state === String(expanded));
}

async function expand(label: string): Promise<void> {
  const target = row(label);
  await target.waitFor({ state: 'visible' });
  if ((await target.getAttribute('aria-expanded')) !== 'true') await target.click();
  await until(`${label} expanded`, async () => target.getAttribute('aria-expanded'), (state) => state === 'true');
}

scenario('Database Objects: what this identity can see', 240_000, () => {
  // The flows after these find the folder section open, as they expect it.
  after(async () => folders(true));

  it('lists the schemas and tables as yourself: the project-only fraud.cases is not there', async () => {
    const { workbench, workspace, immuta } = ui();
    await workbench.runCommand('Immuta: Set Immuta API Key');
    await workbench.answerQuickInput(immuta.keys.governor, undefined, 'Immuta API key for');
    await workbench.waitForNotification('who holds IMPERSONATE_USER');
    await workbench.clearNotifications();
    fs.writeFileSync(path.join(workspace, FILE), '-- objects as the worksheet\u2019s identity sees them\n');
    await openWithConnection(workbench, FILE, 'Lab Redshift (governor)');
    await workbench.runCommand('Focus on Database Objects View');
    await folders(false);
    await passwordIfAsked(workbench, 'governor', row('sales'));
    const schemas = await until('the schemas as yourself', () => labelsAt(1), (labels) => labels.includes('sales'));
    assert.ok(!schemas.includes('fraud'), `governor acts under no project: fraud (only the project-only Fraud Cases) is not listed: ${schemas.join(', ')}`);
    assert.match((await pane().locator('.pane-header').textContent()) ?? '', /as yourself/);
    await expand('sales');
    await row('customers').waitFor({ state: 'visible' });
    await workbench.screenshot('objects-as-yourself');
  });

  it('impersonating bob from the status bar, the view says so and lists fraud.cases with its columns and data source', async () => {
    const { workbench } = ui();
    await workbench.focusEditor(FILE);
    await impersonateFromStatusBar(workbench, /^\s*yourself\s*$/, 'bob@example.com');
    await until('the view titled as bob', async () => (await pane().locator('.pane-header').textContent()) ?? '', (title) => /as bob@example\.com · project Fraud Analytics/.test(title));
    await until('the schemas as bob', () => labelsAt(1), (labels) => labels.includes('fraud'));
    await expand('fraud');
    await expand('cases');
    const [expected] = await ui().lab.adminQuery<{ names: string[] }>(
      "SELECT array_agg(attname::text ORDER BY attnum) AS names FROM pg_attribute WHERE attrelid = 'fraud.cases'::regclass AND attnum > 0 AND NOT attisdropped",
    );
    await until('the columns of fraud.cases, in order', () => labelsAt(3), (labels) => labels.join() === expected.names.join());
    const tooltip = await workbench.hoverText(row('cases'), 'Fraud Cases');
    assert.match(tooltip, /subscribed/i, `the tooltip says whether bob is subscribed: ${tooltip}`);
    await workbench.screenshot('objects-as-bob');
    await workbench.dismissHover();
  });

  it('completion offers bob\u2019s tables after FROM fraud.', async () => {
    const { workbench } = ui();
    await workbench.focusEditor(FILE);
    await workbench.page.keyboard.press('Control+End');
    await workbench.page.keyboard.type('\nSELECT * FROM fraud.');
    await workbench.page.keyboard.press('Control+Space');
    const suggestion = workbench.page.locator('.suggest-widget .monaco-list-row', { hasText: 'cases' }).first();
    await suggestion.waitFor({ state: 'visible' });
    await workbench.screenshot('objects-completion-as-bob');
    await workbench.page.keyboard.press('Escape');
    // Leave the worksheet as it was: the half-typed line goes.
    await workbench.page.keyboard.press('Home');
    await workbench.page.keyboard.press('Shift+End');
    await workbench.page.keyboard.press('Delete');
    await workbench.page.keyboard.press('Backspace');
  });

  it('Select Top 100 on fraud.cases runs in the worksheet, as bob', async () => {
    const { workbench } = ui();
    await row('cases').hover();
    await row('cases').locator('.actions .action-label[aria-label*="Select Top 100"]').click();
    const results = await ResultsView.of(workbench.page, FILE);
    await results.waitForStatus(/^\d+ rows?/, 30_000);
    assert.match(await results.stampText(), /as bob@example\.com/);
    const [count] = await ui().lab.adminQuery<{ n: string }>(
      "SELECT count(*) AS n FROM immuta.query_log WHERE effective_user = 'bob@example.com' AND data_source = 'Fraud Cases' AND statement LIKE '%LIMIT 100%'",
    );
    assert.ok(Number(count.n) >= 1, 'the server read Fraud Cases as bob');
    await workbench.screenshot('objects-select-top-as-bob');
  });

  it('a level the server refuses shows the server\u2019s message on its node, and the rest keeps working', async () => {
    const { workbench, lab } = ui();
    // The server refuses the columns level: the lab takes the logins' SELECT on svv_columns away.
    await lab.adminQuery('REVOKE SELECT ON lab_redshift.svv_columns FROM lab_login');
    try {
      await expand('sales');
      await expand('customers');
      const problem = pane().locator('.monaco-list-row', { hasText: /permission denied for view svv_columns/ }).first();
      await problem.waitFor({ state: 'visible' });
      await workbench.screenshot('objects-level-refused');
    } finally {
      await lab.adminQuery('GRANT SELECT ON lab_redshift.svv_columns TO lab_login');
    }
    // The extension host is fine: Refresh (the view's title button) loads the level now that the server allows it.
    await pane().locator('.pane-header').hover();
    await pane().locator('.pane-header .action-label[aria-label*="Refresh Objects"]').click();
    await row('ssn').waitFor({ state: 'visible' });
    await workbench.statusItem(/as bob@example\.com/).waitFor({ state: 'visible' });
  });
});
