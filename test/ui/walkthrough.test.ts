import * as assert from 'node:assert/strict';
import { ResultsView } from './results-view';
import { scenario, until } from './scenario';
import { answerIdentityPicker, openWithConnection, passwordIfAsked } from './steps';
import { ui } from './ui-context';

/**
 * The Get Started walkthrough, as a new user meets it: it opens by itself on the extension's first
 * activation (this flow runs first, see run-ui-tier.ts), and its steps are checked off by doing
 * what they teach, not by clicking them. Trino is used here so that the Redshift flows after it
 * still meet a first use (their password prompt, no session yet).
 */
const STEPS: readonly { readonly id: string; readonly title: string }[] = [
  { id: 'connect', title: 'Connect a worksheet' },
  { id: 'impersonate', title: 'See data as someone else' },
  { id: 'run', title: 'Run a statement and read its stamp' },
  { id: 'compare', title: 'Compare what several users see' },
  { id: 'checks', title: 'Prove it with policy checks' },
];
const FILE = 'trino-demo.sql';
const CONNECTION = 'Lab Trino (governor)';

/** Whether the walkthrough shows step `id` as done (VS Code's own checkbox for it). */
async function stepDone(id: string): Promise<boolean> {
  const box = ui().workbench.page.locator(`[data-done-step-id$="#${id}"]`).first();
  return (await box.getAttribute('aria-checked')) === 'true';
}

function walkthroughPage() {
  return ui().workbench.page.locator('.gettingStartedContainer', { hasText: 'Get Started with Immuta Worksheets' }).first();
}

describe('Get Started walkthrough', () => {
  scenario('the walkthrough a new user meets', 240_000, () => {
    it('opens by itself on the extension’s first activation, listing its five steps, none done yet', async () => {
      const { workbench } = ui();
      await walkthroughPage().waitFor({ state: 'visible', timeout: 60_000 });
      for (const step of STEPS) {
        await workbench.page.locator(`[data-done-step-id$="#${step.id}"]`).first().waitFor({ state: 'attached' });
        await workbench.page.getByText(step.title, { exact: true }).first().waitFor({ state: 'visible' });
        assert.equal(await stepDone(step.id), false, `"${step.title}" is not done before anything was done`);
      }
      await workbench.screenshot('walkthrough-opened');
    });

    it('its first three steps are checked off by doing them: connect a worksheet, impersonate, run', async () => {
      const { workbench } = ui();
      await openWithConnection(workbench, FILE, CONNECTION);
      await workbench.statusItem(/^\s*yourself\s*$/).click();
      await workbench.openedQuickInput('Run this worksheet as');
      await answerIdentityPicker(workbench, 'alice@example.com', 'alice@example.com');
      await passwordIfAsked(workbench, 'governor', 'as alice@example.com');
      await workbench.clickLine(workbench.page.locator('.monaco-editor .view-line', { hasText: 'GROUP BY region' }).first());
      await workbench.page.keyboard.press('Control+Enter');
      const results = await ResultsView.of(workbench.page, FILE);
      await results.waitForStatus(/^\d+ rows?\b/);
      assert.match(await results.stampText(), /as alice@example\.com/);

      // Back to the walkthrough's tab ("Welcome" on 1.139, "Walkthrough: …" on 1.100): the three
      // steps are done, the last two are not.
      await workbench.page.locator('.tabs-container .tab', { hasText: /Welcome|Walkthrough: Immuta Worksheets/ }).first().click();
      await walkthroughPage().waitFor({ state: 'visible' });
      const states = await until(
        'connect, impersonate and run checked off',
        async () => Promise.all(STEPS.map(async (step) => [step.id, await stepDone(step.id)] as const)),
        (seen) => seen.slice(0, 3).every(([, done]) => done),
      );
      assert.deepEqual(
        states.map(([id, done]) => `${id}: ${done ? 'done' : 'not done'}`),
        ['connect: done', 'impersonate: done', 'run: done', 'compare: not done', 'checks: not done'],
      );
      await workbench.screenshot('walkthrough-three-done');
    });

    it('is there again from the command palette (Immuta: Get Started), and leaves the workbench as it found it', async () => {
      const { workbench } = ui();
      // As yourself again, and no editor open: the flows after this one start from there.
      await workbench.focusEditor(FILE);
      await workbench.statusItem('as alice@example.com').click();
      await workbench.openedQuickInput('Run this worksheet as');
      await answerIdentityPicker(workbench, 'stop', 'Stop impersonating');
      await workbench.statusItem(/^\s*yourself\s*$/).waitFor({ state: 'visible' });
      await workbench.closeAllEditors();
      await workbench.runCommand('Immuta: Get Started');
      await walkthroughPage().waitFor({ state: 'visible' });
      assert.equal(await stepDone('run'), true, 'a step once done stays done');
      await workbench.closeAllEditors();
    });
  });
});
