/**
 * What the extension left on disk, as the spill flows look at it: its spill files, the workspace
 * settings a flow changes for a while, and every file under a folder searched for a value.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { until } from './scenario';
import { ui } from './ui-context';

/** Named as src/results/spill-file.ts names them. */
const SPILL_FILE = /^immuta-results-\d+-[0-9a-f]{16}\.spill$/;
/** The extension's global storage folder is named after its id (publisher.name). */
const STORAGE_FOLDER = 'immuta-worksheets.immuta-worksheets';

/** Every file under `root`, depth first; folders and files that vanish while walking are skipped. */
export function filesUnder(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) found.push(full);
    }
  };
  walk(root);
  return found;
}

/** The spill files in the extension's global storage (on the server side of the workbench). */
export function spillFiles(): string[] {
  return filesUnder(ui().serverRoot).filter(
    (file) => SPILL_FILE.test(path.basename(file)) && path.basename(path.dirname(file)) === 'spill' && path.basename(path.dirname(path.dirname(file))) === STORAGE_FOLDER,
  );
}

/** Whether `file` holds any of `needles`, read in pieces (spill files run to hundreds of MB). */
async function holds(file: string, needles: readonly Buffer[]): Promise<boolean> {
  const overlap = Math.max(...needles.map((needle) => needle.length)) - 1;
  let tail = Buffer.alloc(0);
  try {
    for await (const piece of fs.createReadStream(file, { highWaterMark: 1 << 20 })) {
      const window = Buffer.concat([tail, piece as Buffer]);
      if (needles.some((needle) => window.includes(needle))) return true;
      tail = window.subarray(Math.max(0, window.length - overlap));
    }
  } catch (error) {
    // Deleted while it was read (a log rotated, a spill file discarded): it holds nothing now.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  return false;
}

/**
 * Every file under `roots` that holds `value` as UTF-8 or UTF-16 text, and every file searched
 * (so a flow can check the search looked where it should).
 */
export async function filesHolding(value: string, roots: readonly string[]): Promise<{ readonly searched: string[]; readonly hits: string[] }> {
  const needles = [Buffer.from(value, 'utf8'), Buffer.from(value, 'utf16le')];
  const searched = roots.flatMap(filesUnder);
  const hits: string[] = [];
  for (const file of searched) if (await holds(file, needles)) hits.push(file);
  return { searched, hits };
}

/**
 * Sets (or, with undefined, removes) workspace settings in the demo's .vscode/settings.json, as
 * a person editing that file does, then waits until VS Code has taken them in: the Settings
 * editor's Workspace tab shows each value (`shown`, as its input or checkbox reads). The editor
 * redraws after VS Code's configuration changed, and the extension host hears of that change
 * before any command run after it, so the next run reads the new values.
 */
export async function setWorkspaceSettings(values: Readonly<Record<string, number | boolean | undefined>>, shown: Readonly<Record<string, string>>): Promise<void> {
  const { workbench, workspace } = ui();
  const file = path.join(workspace, '.vscode', 'settings.json');
  const read = await until(
    'the workspace settings, readable',
    async () => {
      try {
        return JSON.parse(await fs.promises.readFile(file, 'utf8')) as Record<string, unknown>;
      } catch {
        // VS Code may be midway through writing it.
        return undefined;
      }
    },
    (parsed) => parsed !== undefined,
  );
  const settings = read ?? {};
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) delete settings[key];
    else settings[key] = value;
  }
  await fs.promises.writeFile(file, `${JSON.stringify(settings, null, 2)}\n`);

  await workbench.runCommand('Preferences: Open Workspace Settings');
  const editor = workbench.page.locator('.settings-editor').first();
  await editor.waitFor({ state: 'visible' });
  await workbench.page.locator('.settings-editor .settings-tabs-widget .action-label.checked', { hasText: 'Workspace' }).first().waitFor({ state: 'visible' });
  for (const [key, expected] of Object.entries(shown)) {
    const search = workbench.page.locator('.settings-editor .search-container .monaco-editor').first();
    await search.click();
    await workbench.page.locator('.settings-editor .search-container .monaco-editor.focused').first().waitFor({ state: 'visible' });
    await workbench.page.keyboard.press('Control+A');
    await workbench.page.keyboard.insertText(key);
    const item = workbench.page.locator(`.settings-editor [data-key="${key}"]`).first();
    await until(
      `the Settings editor showing ${key} = ${expected}`,
      async () => {
        if (!(await item.isVisible().catch(() => false))) return '(not listed)';
        const checkbox = item.locator('.setting-value-checkbox').first();
        if ((await checkbox.count()) > 0) return (await checkbox.getAttribute('aria-checked')) ?? '(no state)';
        return item.locator('input').first().inputValue();
      },
      (value) => value === expected,
      30_000,
    );
  }
  await workbench.screenshot(`workspace-settings-${Object.entries(values).map(([key, value]) => `${key.split('.').pop()}-${value ?? 'default'}`).join('-')}`);
  // Closed by its tab (a middle click), so no other editor can be the one a command closes.
  const tab = workbench.page.locator('.tabs-container .tab').filter({ hasText: /^\s*Settings\s*$/ }).first();
  await tab.click({ button: 'middle' });
  await tab.waitFor({ state: 'detached' });
}
