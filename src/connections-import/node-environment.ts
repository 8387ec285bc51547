import * as fs from 'node:fs';
import * as os from 'node:os';
import type { ImportEnvironment } from './types';

/** This machine as the import reads it: the home folder, the environment and real files. */
export function nodeImportEnvironment(env: Readonly<Record<string, string | undefined>> = process.env, home: string = os.homedir()): ImportEnvironment {
  return {
    home,
    env,
    osUser: safeUserName(),
    readFile: (path) => {
      try {
        return fs.readFileSync(path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
        throw error;
      }
    },
    // Windows has no group/other bits; libpq does not check the password file's mode there.
    fileMode: (path) => (process.platform === 'win32' ? undefined : statMode(path)),
  };
}

function statMode(path: string): number | undefined {
  try {
    return fs.statSync(path).mode;
  } catch {
    return undefined;
  }
}

function safeUserName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? '';
  }
}
