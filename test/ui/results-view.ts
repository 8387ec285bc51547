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
 * The grid's rendered rows, top to bottom, as cell texts (row-number column first), leaving out
 * placeholder rows (class row-pending) whose window has not arrived from the host yet. Plain
 * JavaScript: it runs in the webview, for which this Node project compiles no DOM types.
 */
const VISIBLE_ROWS = `() => {
  const grid = document.querySelector('[data-testid="grid"]');
  if (!grid) return [];
  const box = grid.getBoundingClientRect();
  return [...grid.querySelectorAll('.slick-row:not(.row-pending)')]
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

  /**
   * Waits on a long run (a million rows streaming, fetched or sorted) until the status line (its
   * main text and its extra, e.g. "loading 200,000 of 1,000,000") satisfies `done`. While the
   * status keeps changing the run is making progress and the wait goes on: the limit scales with
   * the work instead of guessing its length. It gives up when the status stood still for
   * `stallMs`, or after `maxMs` in all, and then lists every status it saw and when.
   */
  async waitForProgress(
    what: string,
    done: (status: { readonly main: string; readonly extra: string }) => boolean,
    options: { readonly stallMs?: number; readonly maxMs?: number } = {},
  ): Promise<string> {
    const stallMs = options.stallMs ?? 30_000;
    const maxMs = options.maxMs ?? 600_000;
    const started = Date.now();
    const seen: string[] = [];
    let last: string | undefined;
    let changedAt = started;
    for (;;) {
      const main = await this.statusText().catch(() => '(no status line)');
      const extra = ((await this.byTestId('status-extra').textContent().catch(() => '')) ?? '').trim();
      const shown = extra === '' ? main : `${main} | ${extra}`;
      if (shown !== last) {
        last = shown;
        changedAt = Date.now();
        seen.push(`${((changedAt - started) / 1000).toFixed(1)} s: ${shown}`);
      }
      if (done({ main, extra })) return shown;
      const now = Date.now();
      if (now - changedAt > stallMs || now - started > maxMs) {
        const why = now - started > maxMs ? `${maxMs / 1000} s passed` : `the status stood still for ${stallMs / 1000} s`;
        throw new Error(`waiting for ${what}: ${why}. Statuses seen:\n  ${seen.slice(-15).join('\n  ')}`);
      }
      await this.frame.waitForTimeout(250);
    }
  }

  async statusText(): Promise<string> {
    return (await this.byTestId('status-text').innerText()).trim();
  }

  /**
   * Everything the stamp says. It stays on one line: in a narrow view its least telling parts
   * give way (cut, or left out whole), and its tooltip (title) then has all of it, which this reads.
   */
  async stampText(): Promise<string> {
    const line = this.byTestId('stamp');
    const full = await line.getAttribute('title');
    return (full ?? (await line.innerText())).replace(/\s+/g, ' ').trim();
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

  /**
   * Moves the grid's scrollbar to the very end, as dragging it down would, and waits until the
   * row numbered `lastRow` (the first data column) is on screen: rows far down arrive from the
   * host on demand.
   */
  async scrollToEnd(lastRow: string, timeoutMs = 60_000): Promise<string[][]> {
    const deadline = Date.now() + timeoutMs;
    let rows: string[][] = [];
    for (;;) {
      await this.frame.evaluate(`(() => {
        const viewport = document.querySelector('[data-testid="grid"] .slick-viewport');
        viewport.scrollTop = viewport.scrollHeight;
      })()`);
      rows = ((await this.frame.evaluate(`(${VISIBLE_ROWS})()`)) as string[][]).map((cells) => cells.slice(1));
      if (rows.at(-1)?.[0] === lastRow) return rows;
      if (Date.now() > deadline) throw new Error(`row ${lastRow} never came on screen at the end of the grid; the last rows shown: ${JSON.stringify(rows.slice(-3))}`);
      await this.frame.waitForTimeout(200);
    }
  }
}
