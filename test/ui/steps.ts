/** Steps that several UI flows take, each waiting for the state it needs before it acts. */
import type { Locator } from 'playwright-core';
import { DEMO_PASSWORDS } from '../lab/demo-workspace';
import { ResultsView } from './results-view';
import { until } from './scenario';
import { ui } from './ui-context';
import type { Workbench } from './workbench';

/** The worksheet `file` is open, focused and bound to `connection` (chosen through the palette if it is not). */
export async function openWithConnection(workbench: Workbench, file: string, connection: string): Promise<void> {
  await workbench.openFile(file);
  // The editor must be the active one (not a results view beside it) for the status bar to be its.
  await workbench.focusEditor(file);
  const item = workbench.connectionItem();
  await item.waitFor({ state: 'visible' });
  if ((await item.innerText()).includes(`${connection} ·`)) return;
  await workbench.runCommand('Immuta: Select Connection');
  await workbench.answerQuickInput(connection, connection, 'Choose the connection');
  await workbench.statusItem(`${connection} ·`).waitFor({ state: 'visible' });
}

/**
 * `Immuta: New Worksheet` on `connection`: resolves once a new untitled tab is the active editor
 * and the status bar shows it bound to the connection (not the tab that was active before).
 */
export async function newWorksheet(workbench: Workbench, connection: string): Promise<void> {
  const untitledTabs = workbench.page.locator('.tabs-container .tab', { hasText: 'Untitled' }).filter({ hasNotText: 'Results ·' });
  const before = await untitledTabs.count();
  await workbench.runCommand('Immuta: New Worksheet');
  await workbench.answerQuickInput(connection, connection, 'New worksheet on');
  await until('a new untitled tab', () => untitledTabs.count(), (count) => count > before);
  await workbench.editorTab('Untitled', { active: true }).waitFor({ state: 'visible' });
  await until('the new worksheet bound to its connection', async () => (await workbench.connectionItem().textContent().catch(() => null)) ?? '', (text) => text.includes(`${connection} ·`));
}

/**
 * Answers the password prompt for `login` if it comes (the connection may have its password in
 * secret storage already), then waits for the status item `then`.
 */
export async function passwordIfAsked(workbench: Workbench, login: keyof typeof DEMO_PASSWORDS, then: string | Locator): Promise<void> {
  const prompt = workbench.page.locator('.quick-input-widget', { hasText: `Password for ${login}` });
  const done = typeof then === 'string' ? workbench.statusItem(then) : then;
  await Promise.race([prompt.waitFor({ state: 'visible' }), done.waitFor({ state: 'visible' })]);
  if (await prompt.isVisible()) await workbench.answerQuickInput(DEMO_PASSWORDS[login], undefined, `Password for ${login}`);
  await done.waitFor({ state: 'visible' });
}

/**
 * Runs the statement under the cursor (Ctrl+Enter) of a worksheet on `login`'s connection and
 * answers the password prompt if the connection opens for the first time, then returns its results
 * view once the run has started there.
 */
export async function runAtCursor(workbench: Workbench, worksheet: string, login: keyof typeof DEMO_PASSWORDS = 'governor'): Promise<ResultsView> {
  await workbench.page.keyboard.press('Control+Enter');
  // The results view opens as the run is queued; the run waits for the connection (and its password).
  const view = await ResultsView.of(workbench.page, worksheet);
  await passwordIfAsked(workbench, login, view.frame.locator('[data-testid="status-text"]').filter({ hasNotText: /^Queued/ }).first());
  return view;
}

/** Impersonates `user` from the status bar item reading `from` (e.g. "yourself"). */
export async function impersonateFromStatusBar(workbench: Workbench, from: string | RegExp, user: string, login: keyof typeof DEMO_PASSWORDS = 'governor'): Promise<void> {
  await workbench.statusItem(from).click();
  await workbench.openedQuickInput('Run this worksheet as');
  await answerIdentityPicker(workbench, user, user);
  await passwordIfAsked(workbench, login, `as ${user}`);
}

/**
 * Types `text` into the open identity picker and presses Enter once a row holding `row` shows.
 * An Enter that meets Immuta's answer redrawing the list is not acted on: the picker says so in
 * its title and highlights the row it takes to be meant; a person checks that row and presses
 * Enter again, and so does this step (after checking the highlighted row is the one wanted: the
 * row, or the same user listed as Immuta found them).
 */
export async function answerIdentityPicker(workbench: Workbench, text: string, row: string): Promise<void> {
  await workbench.answerQuickInput(text, row);
  await confirmIfAsked(workbench, row, text);
}

/**
 * After an Enter or a click in the identity picker: returns once the picker has closed, pressing
 * Enter again when it asks (see {@link answerIdentityPicker}) and its highlighted row holds `row`
 * or `user`.
 */
export async function confirmIfAsked(workbench: Workbench, row: string, user: string): Promise<void> {
  const title = workbench.page.locator('.quick-input-widget .quick-input-title', { hasText: 'Run this worksheet as' }).first();
  const again = workbench.page.locator('.quick-input-widget .quick-input-title', { hasText: 'press Enter again' }).first();
  for (let confirmations = 0; ; confirmations++) {
    // Whichever comes first; the other wait is dropped (its time-out must not reject later).
    await Promise.race([title.waitFor({ state: 'hidden' }).catch(() => undefined), again.waitFor({ state: 'visible' }).catch(() => undefined)]);
    if (!(await again.isVisible())) return;
    if (confirmations >= 2) throw new Error('the identity picker asked for Enter again three times');
    const highlighted = workbench.page.locator('.quick-input-list .monaco-list-row.focused').first();
    await until('the highlighted row to be the one wanted', async () => (await highlighted.textContent().catch(() => '')) ?? '', (seen) => seen.includes(row) || seen.includes(user));
    await workbench.page.keyboard.press('Enter');
    // Closed, or (a list that changed again meanwhile) asking once more: the loop tells which.
    await title.waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => undefined);
  }
}

/** The server's sessions of `query` that are running it right now (pg_stat_activity), for cancel and kill flows. */
export async function activeStatements(fragment: string): Promise<{ pid: number }[]> {
  return ui().lab.adminQuery<{ pid: number }>(
    "SELECT pid FROM pg_stat_activity WHERE state = 'active' AND query LIKE $1 AND pid <> pg_backend_pid()",
    [`%${fragment}%`],
  );
}
