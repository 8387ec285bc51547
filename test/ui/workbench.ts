/**
 * Drives a VS Code workbench in Chromium the way a person does: keys, clicks, typing, reading
 * what is on screen. Every step can be saved as a screenshot.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Locator, Page } from 'playwright-core';

export class Workbench {
  private step = 0;

  constructor(
    readonly page: Page,
    private readonly screenshotDir: string,
  ) {
    fs.mkdirSync(screenshotDir, { recursive: true });
  }

  /** Saves `NN-name.png` of the whole window; returns its path. */
  async screenshot(name: string): Promise<string> {
    this.step++;
    const file = path.join(this.screenshotDir, `${String(this.step).padStart(2, '0')}-${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  async waitForWorkbench(timeoutMs = 60000): Promise<void> {
    await this.page.locator('.monaco-workbench').first().waitFor({ state: 'visible', timeout: timeoutMs });
    // The explorer shows the folder once the remote file system and extension host are up.
    await this.page.locator('.explorer-folders-view, .explorer-viewlet').first().waitFor({ state: 'visible', timeout: timeoutMs });
  }

  /** Quick Open (Ctrl+P), type the file name, Enter; resolves when its tab is active. */
  async openFile(name: string): Promise<void> {
    await this.focusWorkbench();
    await this.page.keyboard.press('Control+P');
    const input = this.quickInput();
    await input.waitFor({ state: 'visible' });
    await input.fill(name);
    const row = this.page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first();
    try {
      await row.waitFor({ state: 'visible', timeout: 10000 });
    } catch {
      // A file written after the workbench started may be missing from the file list this Quick
      // Open searched (seen under load): close it and search again with a fresh one.
      await this.page.keyboard.press('Escape');
      await this.page.keyboard.press('Control+P');
      await input.waitFor({ state: 'visible' });
      await input.fill(name);
      await row.waitFor({ state: 'visible' });
    }
    // The list filters as it searches: a row for the file can show (as a recently opened one)
    // while another row is still the highlighted one that Enter would open.
    await this.page.locator('.quick-input-list .monaco-list-row.focused', { hasText: name }).first().waitFor({ state: 'visible' });
    await this.page.keyboard.press('Enter');
    await this.editorTab(name, { active: true }).waitFor({ state: 'visible' });
    await this.page.locator('.monaco-editor .view-lines').first().waitFor({ state: 'visible' });
  }

  /**
   * The tab of a text editor whose title contains `text`; the tabs of results views ("Results ·
   * <worksheet>") name the worksheet too, so they are left out.
   */
  editorTab(text: string, options: { active?: boolean } = {}): Locator {
    return this.page
      .locator(options.active ? '.tabs-container .tab.active' : '.tabs-container .tab', { hasText: text })
      .filter({ hasNotText: 'Results ·' })
      .first();
  }

  /**
   * Puts the keyboard focus into the text of an open editor. A results view that had focus can
   * take it back and close a quick pick a command opens; an editor does not.
   */
  async focusEditor(name: string): Promise<void> {
    // A quick input left open (by a step that pressed Escape as it was redrawing) covers the tabs.
    await this.closeQuickInput();
    // Clicking a tab activates its editor and gives it the keyboard focus.
    await this.editorTab(name).click();
    await this.page.locator('.editor-group-container.active .monaco-editor.focused').first().waitFor({ state: 'visible', timeout: 5000 });
  }

  /** Puts the keyboard focus into the text of the active editor (clicking into its text). */
  async focusActiveEditor(): Promise<void> {
    await this.quiet();
    await this.page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click();
    await this.page.locator('.editor-group-container.active .monaco-editor.focused').first().waitFor({ state: 'visible', timeout: 5000 });
  }

  /**
   * Where a worksheet's results show: their editor tab ("Results · <worksheet>"), or the Results
   * view of the bottom panel while it shows them: its title is "Results: <worksheet>", which the
   * panel's toolbar carries as its label (the title itself is hidden behind the panel's tabs).
   */
  resultsTab(worksheet: string): Locator {
    return this.page
      .locator('.tabs-container .tab', { hasText: `Results · ${worksheet}` })
      .or(this.page.locator(`.part.panel .title-actions .actions-container[aria-label^=${JSON.stringify(`Results: ${worksheet}`)}]`))
      .first();
  }

  /**
   * Gives a worksheet's results the whole window (the editor group of their tab, or the bottom
   * panel), or gives the window back: the grid then renders every column.
   */
  async toggleMaximizedResults(worksheet: string): Promise<void> {
    const tab = this.page.locator('.tabs-container .tab', { hasText: `Results · ${worksheet}` }).first();
    if ((await tab.count()) > 0) {
      await tab.click();
      await this.runCommand('View: Toggle Maximize Editor Group');
    } else {
      await this.runCommand('View: Toggle Maximized Panel');
    }
  }

  /**
   * The command palette (F1), the command's title typed, Enter. A webview that had focus can
   * take it back just as the palette opens (the palette then closes): that is retried.
   */
  async runCommand(title: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      await this.focusWorkbench();
      if (attempt > 1) {
        // F1 went nowhere: a webview kept the keyboard.
        await this.focusSideBarTitle();
      }
      await this.page.keyboard.press('F1');
      const input = this.quickInput();
      try {
        await input.waitFor({ state: 'visible', timeout: 5000 });
        await input.fill(`>${title}`, { timeout: 5000 });
        await this.page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ state: 'visible', timeout: 10_000 });
      } catch (error) {
        if (attempt === 3) throw error;
        continue;
      }
      await this.page.keyboard.press('Enter');
      return;
    }
  }

  quickInput(): Locator {
    return this.page.locator('.quick-input-widget input').first();
  }

  /**
   * Waits until the quick pick or input box titled `title` is open and its input has the keyboard
   * focus, and returns the input: keys typed before that would go elsewhere (or into a widget that
   * is closing), and the first letters of a search would be lost.
   */
  async openedQuickInput(title: string | RegExp): Promise<Locator> {
    await this.page.locator('.quick-input-widget .quick-input-title', { hasText: title }).first().waitFor({ state: 'visible' });
    const input = this.quickInput();
    await input.waitFor({ state: 'visible' });
    await this.page.waitForFunction(
      "document.activeElement !== null && document.activeElement.matches('.quick-input-widget input')",
      undefined,
      { timeout: 10_000 },
    );
    return input;
  }

  /**
   * A quiet workbench, as a flow expects to find it: no quick input open, the notification centre
   * closed, no webview holding the keyboard. Every flow and scenario starts with this.
   */
  async quiet(): Promise<void> {
    await this.closeQuickInput();
    await this.hideNotificationCenter();
    await this.focusSideBarTitle();
  }

  /**
   * Types into the open quick pick or input box and accepts. With `expectTitle`, waits for the
   * step of that title first: consecutive steps reuse one widget, so "visible" alone could type
   * into the step that is just closing.
   */
  async answerQuickInput(text: string, expectRow?: string, expectTitle?: string): Promise<void> {
    if (expectTitle !== undefined) {
      await this.page.locator('.quick-input-widget .quick-input-title', { hasText: expectTitle }).first().waitFor({ state: 'visible' });
    }
    const input = this.quickInput();
    await input.waitFor({ state: 'visible' });
    await input.fill(text);
    if (expectRow !== undefined) {
      await this.page.locator('.quick-input-list .monaco-list-row', { hasText: expectRow }).first().waitFor({ state: 'visible' });
    }
    await this.page.keyboard.press('Enter');
  }

  /**
   * Answers VS Code's own save dialog (a quick input holding a path here) once it shows the
   * proposed file name `proposed`: earlier steps reuse the same widget, so its being visible is
   * not enough.
   */
  async answerSaveDialog(proposed: string | RegExp, target: string): Promise<void> {
    const input = this.quickInput();
    const deadline = Date.now() + 20_000;
    const proposes = (value: string) => (typeof proposed === 'string' ? value.includes(proposed) : proposed.test(value));
    while (!proposes(await input.inputValue().catch(() => ''))) {
      if (Date.now() > deadline) throw new Error(`no save dialog proposing ${proposed}; the input holds "${await input.inputValue().catch(() => '')}"`);
      await this.page.waitForTimeout(100);
    }
    await input.fill(target);
    await this.page.keyboard.press('Enter');
  }

  /** The status bar item whose text contains `text`. */
  statusItem(text: string | RegExp): Locator {
    return this.page.locator('.statusbar-item', { hasText: text }).first();
  }

  /**
   * Hovers `item` until its tooltip (VS Code's hover widget) shows text containing `expected`, and
   * returns that text; the hover stays up for a screenshot until {@link dismissHover}.
   */
  async hoverText(item: Locator, expected: string | RegExp, timeoutMs = 20_000): Promise<string> {
    const hover = this.page.locator('.workbench-hover, .monaco-hover:not(.hidden)').filter({ hasText: expected }).first();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await item.hover();
      try {
        await hover.waitFor({ state: 'visible', timeout: 3_000 });
        return (await hover.innerText()).trim();
      } catch (error) {
        if (Date.now() > deadline) {
          const shown = await this.page.locator('.workbench-hover, .monaco-hover').allInnerTexts().catch(() => []);
          throw new Error(`no tooltip with ${String(expected)} on hovering; hovers: ${JSON.stringify(shown)}`, { cause: error });
        }
        // The hover opens after a delay and closes on the slightest move: leave and come back.
        await this.page.mouse.move(0, 0);
      }
    }
  }

  /** Moves the mouse off every hover and waits until none is shown. */
  async dismissHover(): Promise<void> {
    await this.page.mouse.move(0, 0);
    await this.page.keyboard.press('Escape');
    await this.page.locator('.workbench-hover').first().waitFor({ state: 'hidden' }).catch(() => undefined);
  }

  /** Whether the status bar item has VS Code's warning or error background. */
  async statusItemKind(item: Locator): Promise<'warning' | 'error' | 'plain'> {
    const classes = (await item.getAttribute('class')) ?? '';
    return classes.includes('warning-kind') ? 'warning' : classes.includes('error-kind') ? 'error' : 'plain';
  }

  /** The worksheet's connection item in the status bar (shown for SQL editors only). */
  connectionItem(): Locator {
    return this.page.locator('.statusbar-item[id*="immutaWorksheets.connection"]').first();
  }

  async statusTexts(): Promise<string[]> {
    return (await this.page.locator('.statusbar-item').allInnerTexts()).map((text) => text.trim()).filter((text) => text !== '');
  }

  /** Notification toasts and the notification centre, as text. */
  async notifications(): Promise<string[]> {
    return this.page.locator('.notification-list-item-message').allInnerTexts();
  }

  /** Waits for a notification containing `text`, as a toast or in the notification centre. */
  async waitForNotification(text: string, timeoutMs = 20000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    try {
      while (!(await this.notificationShown(text))) {
        if (Date.now() > deadline) {
          throw new Error(`no notification with "${text}" within ${timeoutMs} ms; visible: ${JSON.stringify(await this.notifications())}`);
        }
        await this.page.waitForTimeout(250);
      }
    } finally {
      // The centre was opened to look; left open, it would cover the editor for the next step.
      await this.hideNotificationCenter();
    }
  }

  /**
   * Whether a notification containing `text` is shown. Some versions put messages straight into
   * the notification centre: it is opened to look there too (hideNotificationCenter closes it).
   */
  async notificationShown(text: string): Promise<boolean> {
    if (await this.page.locator('.notification-list-item-message', { hasText: text }).first().isVisible()) return true;
    if (!(await this.page.locator('.notifications-center.visible').isVisible())) {
      await this.notificationBell().click({ timeout: 2000 }).catch(() => undefined);
    }
    return this.page.locator('.notification-list-item-message', { hasText: text }).first().isVisible();
  }

  /** Dismisses every notification (toasts and the centre), and waits until none is listed. */
  async clearNotifications(): Promise<void> {
    await this.runCommand('Notifications: Clear All Notifications');
    await this.hideNotificationCenter();
    const deadline = Date.now() + 10_000;
    while ((await this.page.locator('.notification-toast').count()) > 0) {
      if (Date.now() > deadline) throw new Error(`notifications still shown after clearing: ${JSON.stringify(await this.notifications())}`);
      await this.page.waitForTimeout(100);
    }
  }

  async hideNotificationCenter(): Promise<void> {
    const center = this.page.locator('.notifications-center.visible');
    if (!(await center.isVisible())) return;
    await this.notificationBell().click({ timeout: 5000 }).catch(() => undefined);
    await center.waitFor({ state: 'hidden', timeout: 5000 }).catch(() => undefined);
  }

  private notificationBell(): Locator {
    return this.page.locator('.statusbar-item[id$="notifications"] a, .statusbar-item.notifications-center-status a').first();
  }

  /**
   * Puts the cursor at the start of `line` (a `.view-line` of an editor) and focuses that editor.
   * It clicks the line's number in the gutter, which selects the line, then ArrowLeft collapses the
   * selection to the line's start. Never a click into the text: a CodeLens arriving between
   * measuring and clicking pushes the line down and puts its "Run" link where the line was, and a
   * click there runs the statement. The step counts once the cursor is on that line (the editor
   * draws its current-line highlight there) and that editor has the keyboard; otherwise it is
   * measured and made again.
   */
  async clickLine(line: Locator): Promise<void> {
    const editor = line.locator('xpath=ancestor::div[contains(concat(" ", @class, " "), " monaco-editor ")][1]');
    const numbers = editor.locator('.margin-view-overlays .line-numbers');
    let seen = '';
    for (let attempt = 1; attempt <= 5; attempt++) {
      await line.waitFor({ state: 'visible' });
      const box = await line.boundingBox();
      if (box === null) throw new Error('the line is not on screen');
      let gutter: { x: number; y: number } | undefined;
      for (const number of await numbers.all()) {
        // A number the editor re-drew meanwhile (it shrank when the results panel came up) is
        // gone: skip it rather than wait for it; the line is measured again next attempt.
        const at = await number.boundingBox({ timeout: 1000 }).catch(() => null);
        if (at !== null && Math.abs(at.y - box.y) < 2) gutter = { x: at.x + at.width / 2, y: at.y + at.height / 2 };
      }
      if (gutter === undefined) {
        seen = `no line number beside the line at y=${box.y}`;
        continue;
      }
      await this.page.mouse.click(gutter.x, gutter.y);
      await this.page.keyboard.press('ArrowLeft');
      const deadline = Date.now() + 2_000;
      while (Date.now() < deadline) {
        const [target, cursor, focused] = await Promise.all([
          line.boundingBox(),
          editor.locator('.view-overlays .current-line').first().boundingBox().catch(() => null),
          // The current-line highlight shows in an editor without focus too: the keys that follow
          // must reach this editor (an editor VS Code re-creates, as after a save-as, loses it).
          editor.evaluate((element) => (element as unknown as { classList: { contains(name: string): boolean } }).classList.contains('focused')).catch(() => false),
        ]);
        if (target !== null && cursor !== null && Math.abs(target.y - cursor.y) < 2 && focused) return;
        seen = `line at y=${target?.y}, cursor line at y=${cursor?.y}, editor ${focused ? 'focused' : 'not focused'}`;
        await this.page.waitForTimeout(50);
      }
    }
    throw new Error(`the cursor never landed on the line (${seen})`);
  }

  /**
   * The CodeLenses of the active editor whose text matches `title`, top to bottom, each with the
   * text of the line it stands above (the statement's first line) and its link, to click. Read in
   * one pass in the page: lenses are redrawn as the editor updates them, so measuring them one by
   * one from here could meet one that is already gone.
   */
  async codeLenses(title: RegExp): Promise<{ readonly line: string; readonly link: Locator }[]> {
    const editor = this.page.locator('.editor-group-container.active .monaco-editor').first();
    // Plain JavaScript, run in the page (this Node project compiles no DOM types).
    const found = (await this.page.evaluate(`(() => {
      const editor = document.querySelector('.editor-group-container.active .monaco-editor');
      if (!editor) return [];
      const title = new RegExp(${JSON.stringify(title.source)}, ${JSON.stringify(title.flags)});
      const lines = [...editor.querySelectorAll('.view-line')].map((line) => ({
        top: line.getBoundingClientRect().top,
        // The editor draws spaces as no-break spaces.
        text: (line.textContent || '').replace(/\u00a0/g, ' '),
      }));
      return [...editor.querySelectorAll('.codelens-decoration a')]
        .filter((link) => title.test(link.textContent || ''))
        .map((link, index) => {
          const bottom = link.getBoundingClientRect().bottom;
          const below = lines.filter((line) => line.top >= bottom - 2).sort((a, b) => a.top - b.top)[0];
          return { index, bottom, line: below ? below.text : '(no line below)' };
        })
        .sort((a, b) => a.bottom - b.bottom);
    })()`)) as { index: number; line: string }[];
    const links = editor.locator('.codelens-decoration a', { hasText: title });
    return found.map(({ index, line }) => ({ line, link: links.nth(index) }));
  }

  /**
   * Closes every editor, as the flows after this one expect to find the workbench. An editor an
   * earlier flow left unsaved (an untitled worksheet with text) makes VS Code ask whether to save
   * it, in a modal dialog that would hold the keyboard from every later flow: its changes are
   * not saved (they were a test's scratch text), and the dialog is answered so.
   */
  async closeAllEditors(): Promise<void> {
    const tabs = this.page.locator('.tabs-container .tab');
    const dialog = this.page.locator('.monaco-dialog-box').first();
    await this.runCommand('View: Close All Editors');
    const deadline = Date.now() + 30_000;
    while ((await tabs.count()) > 0) {
      if (await dialog.isVisible()) {
        await dialog.getByRole('button', { name: /^Don.t Save$/ }).click();
        await dialog.waitFor({ state: 'hidden' });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`editors still open after Close All Editors: ${JSON.stringify(await tabs.allTextContents())}`);
      await this.page.waitForTimeout(100);
    }
  }

  /**
   * Clicks the CodeLens matching `title` that stands above the line reading `line`. The editor
   * draws its lenses again whenever the extension refreshes them (a connection opening, an
   * identity changing), so the lens is found and marked in one step, and a click on a lens drawn
   * away meanwhile is tried on the new one (up to 20 s).
   */
  async clickCodeLens(title: RegExp, line: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 1; ; attempt++) {
      const lenses = await this.codeLenses(title);
      const found = lenses.find((lens) => lens.line === line);
      if (found) {
        const token = `lens-${Date.now()}-${attempt}`;
        // Marked where it is drawn now: a redraw replaces the element, and the mark goes with it.
        const marked = await found.link.evaluate((element, value) => {
          element.setAttribute('data-ui-test-lens', value);
          return true;
        }, token).catch(() => false);
        if (marked) {
          const clicked = await this.page
            .locator(`[data-ui-test-lens="${token}"]`)
            .click({ timeout: 2_000 })
            .then(() => true)
            .catch(() => false);
          if (clicked) return;
        }
      }
      if (Date.now() > deadline) {
        throw new Error(`no ${title} lens above "${line}" could be clicked; lenses: ${JSON.stringify(lenses.map((lens) => lens.line))}`);
      }
      await this.page.waitForTimeout(100);
    }
  }

  /** Closes an open quick input, pressing Escape until it is gone (up to 5 s). */
  async closeQuickInput(): Promise<void> {
    const deadline = Date.now() + 5_000;
    while (await this.quickInput().isVisible()) {
      if (Date.now() > deadline) throw new Error('the quick input did not close');
      await this.page.keyboard.press('Escape');
      await this.quickInput()
        .waitFor({ state: 'hidden', timeout: 500 })
        .catch(() => undefined);
    }
  }

  private async focusWorkbench(): Promise<void> {
    // Keys go to whatever has focus; an open quick input would swallow them.
    if (await this.quickInput().isVisible()) {
      await this.page.keyboard.press('Escape');
    }
    // A focused webview (the results view) keeps F1 and Ctrl+P to itself: hand focus back.
    await this.page.evaluate('document.activeElement && document.activeElement.tagName === "IFRAME" && document.activeElement.blur()');
  }

  /**
   * Gives the keyboard to the workbench itself by clicking the side bar's title, which belongs to
   * no editor and no webview (clicking a results view's tab would hand it to the webview again).
   */
  private async focusSideBarTitle(): Promise<void> {
    await this.page.locator('.part.sidebar .composite.title, .part.sidebar .title').first().click({ timeout: 5000 }).catch(() => undefined);
  }
}
