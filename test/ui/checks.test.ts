/**
 * Policy checks in the Testing view (issue 20): the demo workspace's checks.sql is listed with its
 * checks (a check with several identities has one child per identity), Run Tests runs them all as
 * their identities and every case passes; a check the lab's policy breaks (alice's SSNs are masked,
 * the check says they are in the clear) fails with its expected-vs-actual diff in the peek, and
 * "Open Actual Result" shows what alice saw in the results view, stamped as alice. A typo in an
 * expectation is a problem at its line while it is there. The policies are the lab's fixture
 * (test/lab/fixture.sql); the checks are test/lab/demo-checks.ts.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Locator } from 'playwright-core';
import { CHECKS_DEMO } from '../lab/demo-checks';
import { ResultsView } from './results-view';
import { scenario, until } from './scenario';
import { passwordIfAsked } from './steps';
import { ui } from './ui-context';

const FAILING = 'checks-failing.sql';
const FAILING_CHECK = 'alice sees SSNs in the clear';
const FAILING_TEXT = `-- @connection Lab Redshift (governor)

-- @check ${FAILING_CHECK}
-- @as alice@example.com
-- @expect ssn clear
-- @expect ssn matches '\\d{3}-\\d{2}-\\d{4}'
SELECT id, ssn FROM sales.customers WHERE id <= 12 ORDER BY id;
`;

/** The check names of the demo's checks.sql, in order. */
const DEMO_CHECKS = [...CHECKS_DEMO.matchAll(/^-- @check (.+)$/gm)].map((match) => match[1].trim());
/** Its cases: every check of the demo names its identities (one case each). */
const DEMO_CASES = [...CHECKS_DEMO.matchAll(/^-- @as (.+)$/gm)].reduce((sum, match) => sum + match[1].split(',').length, 0);
const NO_CONNECTION = 'checks-nowhere.sql';
const SNAPSHOT = 'checks-snapshot.sql';
const SNAPSHOT_TEXT = `-- @connection Lab Redshift (governor)

-- @check bob's first customers
-- @as bob@example.com
-- @expect snapshot
SELECT id, region FROM sales.customers WHERE id <= 12 ORDER BY id;
`;

function tree(): Locator {
  return ui().workbench.page.locator('.test-explorer-tree').first();
}

/** A row of the Test Explorer by its label; its aria-label is the label then its state, e.g. "(Passed)". */
function row(label: string, level?: number): Locator {
  const at = level === undefined ? '' : `[aria-level="${level}"]`;
  return tree().locator(`.monaco-list-row${at}[aria-label^="${label.replace(/["\\]/g, '\\$&')} ("]`).first();
}

async function stateOf(label: string, level?: number): Promise<string> {
  return (await row(label, level).getAttribute('aria-label').catch(() => null)) ?? '';
}

async function expand(label: string, level?: number): Promise<void> {
  const target = row(label, level);
  await target.waitFor({ state: 'visible' });
  if ((await target.getAttribute('aria-expanded')) !== 'true') await target.locator('.monaco-tl-twistie').click();
  await until(`${label} expanded`, () => target.getAttribute('aria-expanded'), (state) => state === 'true');
}

/** The labels of the rows at `level` as drawn. */
async function labelsAt(level: number): Promise<string[]> {
  const labels: string[] = [];
  for (const element of await tree().locator(`.monaco-list-row[aria-level="${level}"]`).all()) labels.push(((await element.getAttribute('aria-label').catch(() => null)) ?? '').replace(/ \([^()]*\)$/, ''));
  return labels;
}

scenario('Policy checks in the Testing view', 300_000, () => {
  // The flows after these find what they expect: no editors open, the Explorer in the side bar,
  // governor's password not stored yet (the worksheet flows see it asked for once), and none of
  // these checks' reads in the server's query log (flows count who read what).
  let lastLogged = 0;
  before(async () => {
    const [last] = await ui().lab.adminQuery<{ id: string | null }>('SELECT max(id) AS id FROM immuta.query_log');
    lastLogged = Number(last.id ?? 0);
  });
  after(async () => {
    const { workbench, workspace, lab } = ui();
    await lab.adminQuery('DELETE FROM immuta.query_log WHERE id > $1', [lastLogged]);
    await workbench.runCommand('Immuta: Forget Connection Secret');
    await workbench.answerQuickInput('Lab Redshift (governor)', 'Lab Redshift (governor)', 'Forget the stored secret of');
    await workbench.waitForNotification('was removed from VS Code');
    await workbench.clearNotifications();
    await workbench.closeAllEditors();
    fs.rmSync(path.join(workspace, FAILING), { force: true });
    fs.rmSync(path.join(workspace, NO_CONNECTION), { force: true });
    fs.rmSync(path.join(workspace, SNAPSHOT), { force: true });
    fs.rmSync(path.join(workspace, 'checks-snapshot.snapshots.json'), { force: true });
    await workbench.runCommand('View: Show Explorer');
  });

  it('lists checks.sql of the demo workspace with its checks, and a check\u2019s identities under it', async () => {
    const { workbench } = ui();
    await workbench.runCommand('Testing: Focus on Test Explorer View');
    await expand('checks.sql', 1);
    await until('the demo\u2019s checks under checks.sql', () => labelsAt(2), (labels) => DEMO_CHECKS.every((name) => labels.includes(name)));
    await expand('Customers: US users see only US rows', 2);
    await until('the check\u2019s two identities under it', () => labelsAt(3), (labels) => labels.includes('alice@example.com') && labels.includes("o'brien"));
    await workbench.screenshot('checks-listed');
  });

  it('Run Tests runs every case as its identity, and all pass', async () => {
    const { workbench, lab } = ui();
    await workbench.page.locator('.pane-header .action-label[aria-label="Run Tests"], .title-actions .action-label[aria-label="Run Tests"]').first().click();
    await passwordIfAsked(workbench, 'governor', tree().locator('.monaco-list-row[aria-level="1"][aria-label*="checks.sql"]:not([aria-label*="Not yet run"])').first());
    const state = await until('checks.sql settled', () => stateOf('checks.sql', 1), (label) => /\((Passed|Failed|Errored)\)/.test(label), 120_000);
    const summary = (await workbench.page.locator('.result-summary-container').first().textContent()) ?? '';
    await workbench.screenshot('checks-all-passed');
    assert.match(state, /\(Passed\)/, `every case of checks.sql passes: ${state}; summary: ${summary}`);
    // "17/17" then the run's duration, drawn without a space ("17/17827ms").
    assert.match(summary, new RegExp(`^\\s*${DEMO_CASES}/${DEMO_CASES}([\\d.]+\\s*m?s)?\\s*$`), `all ${DEMO_CASES} cases ran and passed: ${summary}`);
    // The statements ran on the server as the identities the checks name.
    const users = await lab.adminQuery<{ effective_user: string }>('SELECT DISTINCT effective_user FROM immuta.query_log');
    const seen = users.map((entry) => entry.effective_user);
    for (const user of ['alice@example.com', 'bob@example.com', 'carol@example.com', 'dave@example.com']) assert.ok(seen.includes(user), `the server read as ${user}: ${seen.join(', ')}`);
  });

  it('a check the policy breaks fails with its expected and actual values in the peek', async () => {
    const { workbench, workspace } = ui();
    fs.writeFileSync(path.join(workspace, FAILING), FAILING_TEXT);
    await workbench.openFile(FAILING);
    // The watcher and the open document list it as soon as it exists.
    await row(FAILING, 1).waitFor({ state: 'visible' });
    await row(FAILING, 1).hover();
    await row(FAILING, 1).locator('.action-label[aria-label="Run Test"]').click();
    await until(`${FAILING} settled`, () => stateOf(FAILING, 1), (label) => /\((Passed|Failed|Errored)\)/.test(label), 60_000);
    assert.match(await stateOf(FAILING, 1), /\(Failed\)/);
    // Each failed expectation shows at its line; the one with a diff reads "actual != expected". A click opens the peek.
    const inline = workbench.page.locator('.editor-group-container.active .test-error-content-widget', { hasText: '!=' }).first();
    await inline.waitFor({ state: 'visible' });
    // One message per failed expectation: "clear" and "matches" both fail for alice.
    await until('both failed expectations at their lines', () => workbench.page.locator('.editor-group-container.active .test-error-content-widget').count(), (count) => count === 2);
    await workbench.screenshot('checks-failure-inline');
    await inline.click();
    const peek = workbench.page.locator('.test-output-peek').first();
    await peek.waitFor({ state: 'visible' });
    const diff = peek.locator('.monaco-diff-editor').first();
    await diff.waitFor({ state: 'visible' });
    const text = (await diff.textContent()) ?? '';
    assert.match(text, /\*\*\*-\*\*-\d{4}/, `the actual side shows alice's masked SSNs: ${text.slice(0, 400)}`);
    await workbench.screenshot('checks-failure-diff');
  });

  it('Open Actual Result shows the rows alice saw in the results view, stamped as alice', async () => {
    const { workbench } = ui();
    // The button our testing/message/content menu puts over the failure's diff.
    await workbench.page.getByText('Open Actual Result', { exact: true }).first().click();
    const results = await ResultsView.of(workbench.page, `${FAILING_CHECK} as alice@example.com`);
    const [us] = await ui().lab.adminQuery<{ n: string }>("SELECT count(*) AS n FROM immuta_raw.customers WHERE region = 'US' AND id <= 12");
    await results.waitForStatus(new RegExp(`^${us.n} rows?`));
    assert.match(await results.stampText(), /as alice@example\.com/);
    await workbench.screenshot('checks-actual-result');
  });

  it('a typo in an expectation is a problem at its line, gone once fixed', async () => {
    const { workbench, workspace } = ui();
    await workbench.focusEditor(FAILING);
    const squiggle = workbench.page.locator('.editor-group-container.active .monaco-editor .squiggly-error').first();
    fs.writeFileSync(path.join(workspace, FAILING), FAILING_TEXT.replace('-- @expect ssn clear', '-- @expect rows >> 0'));
    await squiggle.waitFor({ state: 'visible' });
    // The message itself, at its line and columns, is the editor tier's (test/editor/suite/checks.test.ts).
    // The Problems view is not opened here: VS Code then keeps labelling the panel's toolbar
    // "Problems actions" when the Results view is revealed over it, and later flows look for that label.
    await workbench.screenshot('checks-problem');
    fs.writeFileSync(path.join(workspace, FAILING), FAILING_TEXT);
    await squiggle.waitFor({ state: 'detached' });
  });

  it('a file whose @connection names no configured connection says so in the Testing view', async () => {
    const { workbench, workspace } = ui();
    fs.writeFileSync(path.join(workspace, NO_CONNECTION), FAILING_TEXT.replace('Lab Redshift (governor)', 'Nowhere'));
    await workbench.runCommand('Testing: Focus on Test Explorer View');
    await row(NO_CONNECTION, 1).waitFor({ state: 'visible' });
    await expand(NO_CONNECTION, 1);
    await tree().locator('.monaco-list-row', { hasText: 'The connection "Nowhere"' }).first().waitFor({ state: 'visible' });
    await workbench.screenshot('checks-no-connection');
    fs.rmSync(path.join(workspace, NO_CONNECTION));
    await row(NO_CONNECTION, 1).waitFor({ state: 'detached' });
  });

  it('"Update snapshots" records a snapshot check\u2019s result beside the file; Run then passes against it', async () => {
    const { workbench, workspace } = ui();
    const stored = path.join(workspace, 'checks-snapshot.snapshots.json');
    fs.writeFileSync(path.join(workspace, SNAPSHOT), SNAPSHOT_TEXT);
    await row(SNAPSHOT, 1).waitFor({ state: 'visible' });
    await row(SNAPSHOT, 1).hover();
    await row(SNAPSHOT, 1).locator('.action-label[aria-label="Run Test"]').click();
    const first = await until(`${SNAPSHOT} run without a snapshot`, () => stateOf(SNAPSHOT, 1), (label) => /\((Passed|Failed|Errored)\)/.test(label), 60_000);
    assert.doesNotMatch(first, /\(Passed\)/, 'no snapshot is stored yet: the case cannot pass');
    assert.ok(!fs.existsSync(stored), 'Run writes no snapshot');

    await row(SNAPSHOT, 1).click({ button: 'right' });
    // The menu's item takes the focus on hover; Enter runs it (a click can land while the menu is still opening).
    const item = workbench.page.locator('.context-view .action-label', { hasText: 'Execute Using Profile' }).first();
    await item.hover();
    await until('the menu item focused', async () => item.evaluate((element) => element.closest('.action-item')?.classList.contains('focused') ?? false), (focused) => focused);
    await workbench.page.keyboard.press('Enter');
    await workbench.answerQuickInput('Update snapshots', 'Update snapshots');
    await until(`${SNAPSHOT} passed with its snapshot recorded`, () => stateOf(SNAPSHOT, 1), (label) => /\(Passed\)/.test(label), 60_000);
    const snapshot = fs.readFileSync(stored, 'utf8');
    assert.match(snapshot, /bob's first customers/);
    assert.match(snapshot, /"EU"/, `bob's rows are EU customers: ${snapshot.slice(0, 300)}`);
    assert.doesNotMatch(snapshot, /"US"|"APAC"/, 'and only those');
    await workbench.screenshot('checks-snapshot-updated');

    // Run (the default profile) compares against it now: the statement reaches the server as bob again, and the case passes.
    const ranAsBob = async () => Number((await ui().lab.adminQuery<{ n: string }>("SELECT count(*) AS n FROM immuta.query_log WHERE effective_user = 'bob@example.com' AND statement LIKE '%WHERE id <= 12 ORDER BY id%'"))[0].n);
    const before = await ranAsBob();
    await row(SNAPSHOT, 1).hover();
    await row(SNAPSHOT, 1).locator('.action-label[aria-label="Run Test"]').click();
    await until('the statement run as bob again', ranAsBob, (count) => count > before);
    await until(`${SNAPSHOT} passed against its snapshot`, () => stateOf(SNAPSHOT, 1), (label) => /\((Passed|Failed|Errored)\)/.test(label), 60_000);
    assert.match(await stateOf(SNAPSHOT, 1), /\(Passed\)/);
  });
});
