/**
 * The results webview as Playwright sees it: VS Code hosts each webview in an outer iframe with
 * an inner "active" frame holding our page. Ours is the one whose body carries the CSP nonce.
 */
import type { Frame, Locator, Page } from 'playwright-core';

async function isShown(frame: Frame): Promise<boolean> {
  for (let current: Frame | null = frame; current && current.parentFrame(); current = current.parentFrame()) {
    const element = await current.frameElement().catch(() => undefined);
    if (!element || !(await element.isVisible())) return false;
  }
  return true;
}

/**
 * The visible results view's frame (waits for it to load); with `worksheet`, only the view of
 * that worksheet (its page title is "Results · <worksheet>"), since several can be on screen.
 */
export async function resultsFrame(page: Page, timeoutMs = 30_000, worksheet?: string): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of page.frames()) {
      if (frame === page.mainFrame() || frame.isDetached()) continue;
      const ours = await frame.locator('body[data-nonce]').count().catch(() => 0);
      if (ours === 0) continue;
      if (worksheet !== undefined && !(await frame.title().catch(() => '')).includes(`Results · ${worksheet}`)) continue;
      if (await isShown(frame)) return frame;
    }
    if (Date.now() > deadline) throw new Error(`no visible results view${worksheet === undefined ? '' : ` of ${worksheet}`}`);
    await page.waitForTimeout(100);
  }
}

/**
 * The grid's rendered rows, top to bottom, as cell texts (row-number column first). Plain
 * JavaScript: it runs in the webview, for which this Node project compiles no DOM types.
 */
const VISIBLE_ROWS = `() => {
  const grid = document.querySelector('[data-testid="grid"]');
  if (!grid) return [];
  const box = grid.getBoundingClientRect();
  return [...grid.querySelectorAll('.slick-row')]
    .map((row) => ({ row, top: row.getBoundingClientRect().top, bottom: row.getBoundingClientRect().bottom }))
    .filter(({ top, bottom }) => bottom > box.top && top < box.bottom)
    .sort((a, b) => a.top - b.top)
    .map(({ row }) => [...row.querySelectorAll('.slick-cell')].map((cell) => (cell.textContent || '').trim()));
}`;

export class ResultsView {
  private constructor(readonly frame: Frame) {}

  /** The results view of `worksheet` (its file name, or "Untitled") on screen. */
  static async of(page: Page, worksheet: string, timeoutMs?: number): Promise<ResultsView> {
    return new ResultsView(await resultsFrame(page, timeoutMs, worksheet));
  }

  byTestId(id: string): Locator {
    return this.frame.locator(`[data-testid="${id}"]`).first();
  }

  /** Waits until the status line says `text`. */
  async waitForStatus(text: string | RegExp, timeoutMs = 20_000): Promise<void> {
    await this.frame.locator('[data-testid="status-text"]', { hasText: text }).first().waitFor({ state: 'visible', timeout: timeoutMs });
  }

  async statusText(): Promise<string> {
    return (await this.byTestId('status-text').innerText()).trim();
  }

  async stampText(): Promise<string> {
    return (await this.byTestId('stamp').innerText()).replace(/\s+/g, ' ').trim();
  }

  /**
   * The rows the grid shows on screen, top to bottom, without the row-number column. Rows reach
   * the grid a frame or so after the status line counts them: waits (up to 10 s) for at least
   * `atLeast` of them.
   */
  async visibleRows(atLeast = 1): Promise<string[][]> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const rows = (await this.frame.evaluate(`(${VISIBLE_ROWS})()`)) as string[][];
      if (rows.length >= atLeast || Date.now() > deadline) return rows.map((cells) => cells.slice(1));
      await this.frame.waitForTimeout(100);
    }
  }

  /** Moves the grid's scrollbar to the very end, as dragging it down would. */
  async scrollToEnd(): Promise<void> {
    await this.frame.evaluate(`(() => {
      const viewport = document.querySelector('[data-testid="grid"] .slick-viewport');
      viewport.scrollTop = viewport.scrollHeight;
    })()`);
    await this.frame.waitForTimeout(300);
  }
}
