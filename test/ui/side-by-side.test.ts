/**
 * Compare as… in the workbench: from the statement's CodeLens, pick identities (yourself is
 * offered checked; three users are added by name), read the summary and the differences in the
 * comparison tab, jump to the rows where ssn differs, and export the Markdown summary for a
 * ticket. The expectations come from the lab's fixture (test/lab/fixture.sql), counted on the raw
 * table: alice sees region US, bob EU (and works in the Fraud Analytics project), carol APAC;
 * ssn is masked except for pii_readers (carol).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { scenario, until } from './scenario';
import { confirmIfAsked, openWithConnection, passwordIfAsked } from './steps';
import { ui } from './ui-context';

const FILE = 'compare-customers.sql';
const STATEMENT = 'SELECT id, full_name, region, ssn FROM sales.customers ORDER BY id;';
const USERS = ['alice@example.com', 'bob@example.com', 'carol@example.com'];

/** The comparison tab's page (VS Code nests each webview's page in frames). */
async function comparisonFrame(page: Page, timeoutMs = 30_000): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of page.frames()) {
      if (frame === page.mainFrame() || frame.isDetached()) continue;
      if ((await frame.locator('[data-testid="summary"]').count().catch(() => 0)) > 0) return frame;
    }
    if (Date.now() > deadline) throw new Error('no comparison tab appeared');
    await page.waitForTimeout(100);
  }
}

async function rawCount(region?: string): Promise<number> {
  const rows = await ui().lab.adminQuery<{ n: string }>(
    region === undefined ? 'SELECT count(*) AS n FROM immuta_raw.customers' : 'SELECT count(*) AS n FROM immuta_raw.customers WHERE region = $1',
    region === undefined ? [] : [region],
  );
  return Number(rows[0].n);
}

const count = (n: number) => n.toLocaleString('en-US');

scenario('Compare as… side by side', 240_000, () => {
  let frame: Frame;

  it('from the CodeLens: yourself is offered, three users are added by name, and the comparison opens in a tab', async () => {
    const { workbench, workspace, immuta } = ui();
    // The API key lets the comparison name each identity's Immuta project.
    await workbench.runCommand('Immuta: Set Immuta API Key');
    await workbench.answerQuickInput(immuta.keys.governor, undefined, 'Immuta API key for');
    await workbench.waitForNotification('who holds IMPERSONATE_USER');
    await workbench.clearNotifications();

    fs.writeFileSync(path.join(workspace, FILE), `${STATEMENT}\n`);
    await openWithConnection(workbench, FILE, 'Lab Redshift (governor)');
    // Under load the lens can be drawn before the line below it: wait for both.
    await until('the Compare as… CodeLens above the statement', () => workbench.codeLenses(/Compare as/), (found) => found.length === 1 && found[0].line === STATEMENT);
    await workbench.screenshot('compare-codelens');
    await workbench.clickCodeLens(/Compare as/, STATEMENT);

    const input = await workbench.openedQuickInput(/Compare as…/);
    const checked = workbench.page.locator('.quick-input-list .monaco-list-row[aria-checked="true"]');
    await until('yourself checked in the picker', async () => (await checked.allTextContents()).join(' | '), (text) => text.includes('yourself'));
    for (const user of USERS) {
      // Known race (see the closing note of issues 18/19): under heavy load a name added at the
      // moment Immuta's search answers can be dropped as the list is redrawn; a person adds it
      // again, and so does this flow, at most twice more.
      for (let attempt = 1; ; attempt++) {
        await input.fill(user);
        await workbench.page.locator('.quick-input-list .monaco-list-row', { hasText: user }).first().waitFor({ state: 'visible' });
        await input.press('Enter');
        try {
          await until(`${user} checked`, async () => (await checked.allTextContents()).join(' | '), (text) => text.includes(user), attempt < 3 ? 5_000 : 20_000);
          break;
        } catch (error) {
          if (attempt >= 3) throw error;
        }
      }
    }
    assert.match((await workbench.page.locator('.quick-input-widget .quick-input-title').first().textContent()) ?? '', /4 chosen: yourself, alice@example\.com, bob@example\.com, carol@example\.com/);
    await workbench.screenshot('compare-picker-four-identities');
    await input.press('Enter');
    // The sides share the connection's password: asked once (if it is not stored yet), before any runs.
    await passwordIfAsked(workbench, 'governor', workbench.editorTab('Compare: SELECT id, full_name'));
    frame = await comparisonFrame(workbench.page);
    await frame.locator('body[data-state="done"]').waitFor({ state: 'attached', timeout: 60_000 });
  });

  it('leads with one line per identity: its rows against yourself, ssn masked or in the clear, and bob\u2019s project', async () => {
    const { workbench } = ui();
    const lines = await frame.locator('[data-testid="summary-line"]').allTextContents();
    const [all, us, eu, apac] = [await rawCount(), await rawCount('US'), await rawCount('EU'), await rawCount('APAC')];
    assert.equal(lines.length, 4, lines.join('\n'));
    assert.equal(lines[0], `yourself: ${count(all)} rows · ssn masked`, 'yourself (governor) sees every row, ssn masked');
    assert.equal(lines[1], `alice@example.com: ${count(us)} rows (−${count(all - us)} vs yourself) · ssn masked`);
    assert.equal(lines[2], `bob@example.com: ${count(eu)} rows (−${count(all - eu)} vs yourself) · ssn masked · project Fraud Analytics`);
    assert.equal(lines[3], `carol@example.com: ${count(apac)} rows (−${count(all - apac)} vs yourself) · ssn in the clear`);
    // Each identity's column: its stamp (who it ran as) and its rows.
    const stamps = await frame.locator('[data-testid="side-stamp"]').allTextContents();
    assert.match(stamps[0], /^yourself.*as yourself \(governor\)/);
    assert.match(stamps[2], /^bob@example\.com.*as bob@example\.com · project Fraud Analytics · 500 rows/);
    assert.equal(await frame.locator('[data-testid="side"]').nth(3).locator('[data-testid="side-rows"] tbody tr').count(), Math.min(100, apac), 'carol\u2019s first rows are shown');
    await workbench.screenshot('compare-summary');
    // The worksheet itself still runs as yourself.
    await workbench.focusEditor(FILE);
    await workbench.statusItem(/^\s*yourself\s*$/).waitFor({ state: 'visible' });
  });

  it('shows the differences: who sees which rows, and ssn in the clear only for carol; Show rows jumps to them', async () => {
    const { workbench } = ui();
    await workbench.page.locator('.tabs-container .tab', { hasText: 'Compare: SELECT id, full_name' }).first().click();
    frame = await comparisonFrame(workbench.page);
    assert.equal(await frame.locator('[data-testid="key"]').textContent(), 'Rows matched by id.');
    const presence = await frame.locator('[data-testid="presence"] tbody tr').allTextContents();
    assert.equal(presence.length, 3, 'three groups of rows: US, EU and APAC, each seen by yourself and one user');
    assert.ok(presence.some((row) => row.startsWith('yourself, carol@example.comalice@example.com, bob@example.com500')), presence.join('\n'));
    const ssn = frame.locator('[data-testid="columns"] tbody tr', { hasText: 'ssn' });
    assert.deepEqual((await ssn.locator('td').allTextContents()).slice(0, 5), ['ssn', 'masked', 'masked', 'masked', 'in the clear']);
    await ssn.locator('[data-testid="show-rows"]').click();
    await frame.locator('[data-testid="examples-title"]', { hasText: 'Rows where ssn differs' }).waitFor({ state: 'visible' });
    const example = await frame.locator('[data-testid="example-rows"] tbody tr').first().locator('td').allTextContents();
    assert.match(example[1], /^\*\*\*-\*\*-\d{4}$/, `yourself's ssn is masked: ${example.join(' | ')}`);
    assert.equal(example[2], '—', 'alice does not see carol\u2019s rows');
    assert.match(example[4], /^\d{3}-\d{2}-\d{4}$/, `carol's ssn is in the clear: ${example.join(' | ')}`);
    assert.ok((await frame.locator('[data-testid="side"] tr.cmp-marked').count()) > 0, 'the rows are marked in the identities\u2019 columns');
    await workbench.screenshot('compare-differences-ssn-rows');
    await frame.locator('[data-testid="differences-only"]').check();
    await frame.locator('[data-testid="columns-same"]').waitFor({ state: 'detached' });
    assert.deepEqual(await frame.locator('[data-testid="side"]').first().locator('[data-testid="side-rows"] th').allTextContents(), ['id', 'ssn'], 'the key column and the columns that differ');
    await workbench.screenshot('compare-differences-only');
  });

  it('exports the Markdown summary for a ticket', async () => {
    const { workbench, workspace } = ui();
    await frame.locator('[data-testid="export-markdown"]').click();
    await workbench.quickInput().waitFor({ state: 'visible' });
    const target = path.join(workspace, 'comparison-summary.md');
    await workbench.answerSaveDialog(/comparison-.*\.md$/, target);
    await workbench.waitForNotification('Exported the comparison to comparison-summary.md');
    const markdown = fs.readFileSync(target, 'utf8');
    const [all, eu] = [await rawCount(), await rawCount('EU')];
    assert.match(markdown, /^## Compared as 4 identities on Lab Redshift \(governor\)/);
    assert.ok(markdown.includes(`- bob@example.com: ${count(eu)} rows (−${count(all - eu)} vs yourself) · ssn masked · project Fraud Analytics`), markdown);
    assert.ok(markdown.includes('| ssn | masked | masked | masked | in the clear |'), markdown);
    await workbench.screenshot('compare-exported-markdown');
  });

  it('the identity picker offers Compare as several users…, which opens with this worksheet\u2019s last identities checked', async () => {
    const { workbench } = ui();
    await workbench.focusEditor(FILE);
    await workbench.clickLine(workbench.page.locator('.monaco-editor .view-line', { hasText: 'sales.customers' }).first());
    // The picker's rows move as Immuta's users arrive: a click at the row's place could land on
    // the user drawn there a moment later (and impersonate them), so the click is dispatched to
    // the row element itself. A click that met a redraw is not acted on: the picker asks for Enter
    // on the row it highlights (confirmIfAsked presses it once that row is Compare).
    await workbench.statusItem(/^\s*yourself\s*$/).click();
    await workbench.openedQuickInput('Run this worksheet as');
    await workbench.page.locator('.quick-input-list .monaco-list-row', { hasText: 'Immuta users' }).first().waitFor({ state: 'visible' });
    await workbench.page.locator('.quick-input-list .monaco-list-row', { hasText: 'Compare as several users' }).first().dispatchEvent('click');
    await confirmIfAsked(workbench, 'Compare as several users', 'Compare as several users');
    await workbench.openedQuickInput(/Compare as…/);
    const checked = workbench.page.locator('.quick-input-list .monaco-list-row[aria-checked="true"]');
    // The list is drawn again as Immuta's users arrive: wait for it to settle on the last set.
    await until('the four identities this worksheet compared as last time, checked and offered first', async () => (await checked.allTextContents()).map((text) => /yourself|[^\s@]+@example\.com/.exec(text)?.[0] ?? text), (seen) => seen.join() === ['yourself', ...USERS].join());
    assert.match((await workbench.page.locator('.quick-input-list .monaco-list-row', { hasText: 'alice@example.com' }).first().textContent()) ?? '', /last compared/);
    await workbench.screenshot('compare-picker-last-set');
    await workbench.closeQuickInput();
    // Dismissed: nothing ran, and the worksheet still runs as yourself.
    await workbench.statusItem(/^\s*yourself\s*$/).waitFor({ state: 'visible' });
  });
});
