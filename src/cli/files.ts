/**
 * Which files a `check` run reads: files named on the command line as they are, and in named
 * folders every `.sql` file that looks like a check file (a folder of worksheets holds plenty of
 * SQL that is not). Dependencies and dot-folders (.git, .vscode) are never searched.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from './errors';

export interface FoundFile {
  /** The path as the run names it (relative when the argument was). */
  readonly file: string;
  readonly text: string;
}

const SKIPPED_FOLDERS = new Set(['node_modules']);

/** Paths are named as given and read relative to `cwd`. */
export function findCheckFiles(paths: readonly string[], cwd: string, looksLikeCheckFile: (text: string) => boolean): FoundFile[] {
  const found = new Map<string, FoundFile>();
  const read = (file: string) => fs.readFileSync(path.resolve(cwd, file), 'utf8');
  const add = (file: string, text: string) => {
    const key = path.resolve(cwd, file);
    if (!found.has(key)) found.set(key, { file, text });
  };
  for (const given of paths) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(path.resolve(cwd, given));
    } catch {
      throw new UsageError(`${given}: no such file or folder.`);
    }
    if (stat.isDirectory()) {
      for (const file of sqlFilesUnder(given, cwd)) {
        const text = read(file);
        if (looksLikeCheckFile(text)) add(file, text);
      }
    } else {
      // Named on purpose: read even if it does not look like one, so its problems are reported.
      add(given, read(given));
    }
  }
  return [...found.values()];
}

function sqlFilesUnder(folder: string, cwd: string): string[] {
  const files: string[] = [];
  const entries = fs.readdirSync(path.resolve(cwd, folder), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) {
      if (!entry.name.startsWith('.') && !SKIPPED_FOLDERS.has(entry.name)) files.push(...sqlFilesUnder(full, cwd));
    } else if (entry.isFile() && entry.name.toLowerCase().endsWith('.sql')) {
      files.push(full);
    }
  }
  return files;
}
