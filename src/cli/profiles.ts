/**
 * Connection profiles for the command line, in exactly the schema of the VS Code setting
 * `immutaWorksheets.connections` (parsed by the same parseProfile), so that one file serves the
 * editor and CI. A file may hold the list itself, a settings.json (comments and trailing commas
 * allowed, as VS Code allows them) holding that key, or `{ "connections": [...] }`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseProfile } from '../platforms/profile';
import type { ConnectionProfile } from '../platforms/types';
import { CliError } from './errors';

export const CONNECTIONS_SETTING = 'immutaWorksheets.connections';
export const DEFAULT_CONNECTIONS_FILE = 'immuta-worksheets.connections.json';

export interface ProfilesFile {
  readonly file: string;
  readonly profiles: readonly ConnectionProfile[];
}

/**
 * The profiles of `explicit`, or of ./immuta-worksheets.connections.json, else of
 * .vscode/settings.json in `cwd`. Any problem (no file, bad JSON, a bad or duplicate profile)
 * throws a CliError that names the file and the setting at fault.
 */
export function loadProfiles(explicit: string | undefined, cwd: string): ProfilesFile {
  let file: string;
  if (explicit !== undefined) {
    file = path.resolve(cwd, explicit);
    if (!fs.existsSync(file)) throw new CliError(`${explicit}: no such connections file.`);
  } else {
    const candidates = [path.join(cwd, DEFAULT_CONNECTIONS_FILE), path.join(cwd, '.vscode', 'settings.json')];
    const found = candidates.find((candidate) => fs.existsSync(candidate));
    if (found === undefined) {
      throw new CliError(`No connection profiles: write ${DEFAULT_CONNECTIONS_FILE} (a list in the schema of the setting ${CONNECTIONS_SETTING}) or pass --connections <file>.`);
    }
    file = found;
  }
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`${file} could not be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { file, profiles: parseProfilesText(text, file) };
}

/** Parses a connections file's text; `file` names it in messages and anchors relative paths. */
export function parseProfilesText(text: string, file: string): ConnectionProfile[] {
  let json: unknown;
  try {
    json = JSON.parse(withoutJsonComments(text)) as unknown;
  } catch (error) {
    throw new CliError(`${file} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const { list, key } = profileList(json, file);
  // Relative CA and key files start where the editor starts them: at the workspace folder for
  // .vscode/settings.json, and beside the file otherwise.
  const folder = path.dirname(path.resolve(file));
  const base = path.basename(folder) === '.vscode' ? path.dirname(folder) : folder;
  const readFile = (named: string) => fs.readFileSync(resolveNamed(named, base), 'utf8');
  const profiles: ConnectionProfile[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  list.forEach((entry, index) => {
    const where = `${key}[${index}]`;
    const parsed = parseProfile(entry, where, readFile);
    if (!parsed.ok) problems.push(...parsed.problems);
    else if (seen.has(parsed.profile.name)) problems.push(`${where}.name "${parsed.profile.name}" is used by an earlier profile; names must be unique.`);
    else {
      seen.add(parsed.profile.name);
      profiles.push(parsed.profile);
    }
  });
  if (problems.length > 0) throw new CliError([`${file} has connection profiles that cannot be used:`, ...problems.map((problem) => `  ${problem}`)].join('\n'));
  if (profiles.length === 0) throw new CliError(`${file}: ${key} holds no connection profile.`);
  return profiles;
}

function profileList(json: unknown, file: string): { list: readonly unknown[]; key: string } {
  if (Array.isArray(json)) return { list: json, key: CONNECTIONS_SETTING };
  if (typeof json === 'object' && json !== null) {
    const record = json as Record<string, unknown>;
    for (const key of [CONNECTIONS_SETTING, 'connections']) {
      if (key in record) {
        const list = record[key];
        if (!Array.isArray(list)) throw new CliError(`${file}: ${key} must be a list of connection profiles.`);
        return { list, key };
      }
    }
  }
  throw new CliError(`${file} holds no connection profiles: expected a list in the schema of ${CONNECTIONS_SETTING}, a settings.json with that key, or { "connections": [...] }.`);
}

function resolveNamed(named: string, base: string): string {
  if (named.startsWith('~/')) return path.join(process.env.HOME ?? '', named.slice(2));
  return path.resolve(base, named);
}

/**
 * JSON with comments (settings.json is JSONC): comments become spaces (so positions in error
 * messages stay right) and a comma before a closing bracket is dropped; strings are left alone.
 */
export function withoutJsonComments(text: string): string {
  let out = '';
  let index = 0;
  while (index < text.length) {
    const char = text[index];
    if (char === '"') {
      let end = index + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      out += text.slice(index, end + 1);
      index = end + 1;
    } else if (char === '/' && text[index + 1] === '/') {
      const end = text.indexOf('\n', index);
      const stop = end === -1 ? text.length : end;
      out += ' '.repeat(stop - index);
      index = stop;
    } else if (char === '/' && text[index + 1] === '*') {
      const end = text.indexOf('*/', index + 2);
      const stop = end === -1 ? text.length : end + 2;
      out += text.slice(index, stop).replace(/[^\n]/g, ' ');
      index = stop;
    } else if (char === ',') {
      let next = index + 1;
      while (next < text.length && /\s/.test(text[next])) next++;
      // Comments after the comma are blanked on a later turn; look past them too.
      const rest = withoutLeadingComments(text.slice(next));
      out += rest.startsWith('}') || rest.startsWith(']') ? ' ' : ',';
      index++;
    } else {
      out += char;
      index++;
    }
  }
  return out;
}

function withoutLeadingComments(text: string): string {
  let rest = text;
  for (;;) {
    rest = rest.trimStart();
    if (rest.startsWith('//')) {
      const end = rest.indexOf('\n');
      rest = end === -1 ? '' : rest.slice(end + 1);
    } else if (rest.startsWith('/*')) {
      const end = rest.indexOf('*/');
      rest = end === -1 ? '' : rest.slice(end + 2);
    } else {
      return rest;
    }
  }
}
